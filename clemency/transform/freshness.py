"""dbt source freshness of the raw sources, at the build's as-of date, as a published mart.

`dbt source freshness` judges each raw source by its latest `recorded_at` on or before the
as-of date against the end of that day (transforms/macros/collect_freshness.sql), with the
warn and error thresholds of models/staging/__sources.yml. The result is written beside the
marts dbt built (`restricted/curated/source_freshness.parquet`), so that it is published
per as-of with them (an aggregate mart: no person in it) and the data-quality annex reads
it like any other mart. A stale source never fails the build: the annex shows it, and the
build's log warns.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pyarrow as pa

from clemency.errors import first_line
from clemency.lake import atomic
from clemency.lake.layout import Lake

log = logging.getLogger(__name__)

MART = "source_freshness"

SCHEMA = pa.schema(
    [
        ("source_name", pa.string()),
        ("table_name", pa.string()),
        ("status", pa.string()),  # pass | warn | error | runtime error
        ("max_loaded_at", pa.timestamp("us", tz="UTC")),
        ("snapshotted_at", pa.timestamp("us", tz="UTC")),
        ("age_hours", pa.float64()),
        ("warn_after", pa.string()),
        ("error_after", pa.string()),
        ("as_of_date", pa.date32()),
    ]
)


def source_freshness(lake: Lake, as_of: dt.date) -> Path:
    """Run `dbt source freshness` for `as_of` and write its result as the mart."""
    from clemency.transform.dbt import TransformError, run_dbt

    results = lake.dbt_target / "sources.json"
    results.unlink(missing_ok=True)  # judge this run by its own result only
    try:
        run_dbt(lake, as_of, "source", "freshness")
    except TransformError as error:  # dbt exits 1 when a source is past error_after
        if not results.exists():
            raise
        log.warning("a raw source is stale at %s: %s", as_of, first_line(error))
    rows = freshness_rows(json.loads(results.read_text(encoding="utf-8")), as_of)
    for row in rows:
        if row["status"] != "pass":
            log.warning("source %s.%s: %s", row["source_name"], row["table_name"], row["status"])
    table = pa.Table.from_pylist(rows, SCHEMA)
    return atomic.write_parquet(lake.restricted_curated / f"{MART}.parquet", table, mode=0o600)


def freshness_rows(sources_json: dict[str, Any], as_of: dt.date) -> list[dict[str, Any]]:
    """One row per source table of dbt's sources.json (its `results`)."""
    rows = []
    for result in sources_json.get("results") or []:
        # unique_id: source.<project>.<source>.<table>
        _, _, source_name, table_name = result["unique_id"].split(".", 3)
        criteria = result.get("criteria") or {}
        age = result.get("max_loaded_at_time_ago_in_s")
        rows.append(
            {
                "source_name": source_name,
                "table_name": table_name,
                "status": result.get("status"),
                "max_loaded_at": _timestamp(result.get("max_loaded_at")),
                "snapshotted_at": _timestamp(result.get("snapshotted_at")),
                "age_hours": None if age is None else age / 3600,
                "warn_after": _threshold(criteria.get("warn_after")),
                "error_after": _threshold(criteria.get("error_after")),
                "as_of_date": as_of,
            }
        )
    return sorted(rows, key=lambda row: (row["source_name"], row["table_name"]))


def _timestamp(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _threshold(rule: dict[str, Any] | None) -> str | None:
    if not rule or rule.get("count") is None:
        return None
    return f"{rule['count']} {rule['period']}"
