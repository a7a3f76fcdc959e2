"""Run the dbt-duckdb project for one as-of date (`clemency transform --as-of DATE`)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from clemency.contracts import topics
from clemency.lake import atomic
from clemency.lake.audit import audited
from clemency.lake.layout import Lake, column_range
from clemency.lake.schemas import RAW_SCHEMA
from clemency.paths import TRANSFORMS_DIR
from clemency.settings import load_settings

log = logging.getLogger(__name__)


class TransformError(RuntimeError):
    """dbt failed; the message carries the tail of its log."""


class WarehouseLocked(TransformError):
    """Another process holds the DuckDB warehouse file (another build, or someone's session)."""


# DuckDB's own wording when another process holds the file lock.
_LOCK_MESSAGE = re.compile(r"Could not set lock on file[^\n]*")


@dataclass(frozen=True)
class TransformResult:
    as_of: dt.date
    command: list[str]
    log_path: Path


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def run_dbt(lake: Lake, as_of: dt.date, *args: str) -> TransformResult:
    """`dbt <args>` over `lake` at `as_of`, in a child process.

    A child process, not dbt's in-process runner: dbt keeps global state between
    invocations, and the DuckDB file lock is released for certain when the child exits.

    Everything dbt writes holds personal data (the warehouse citizen IDs, compiled SQL and
    logs quoted values, marts a row per person), so it all goes under the lake's restricted/
    folder (mode 700) and the child runs with umask 077: its files are the owner's only.
    dbt's `lake` variable is that folder (a mart's location is `<lake>/curated/<mart>`),
    `raw` the raw zone its sources read.
    """
    lake.restrict()
    log_dir = lake.dbt_logs
    variables = json.dumps(
        {"lake": str(lake.restricted), "raw": str(lake.raw), "as_of": as_of.isoformat()}
    )
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(TRANSFORMS_DIR),
        "--profiles-dir",
        str(TRANSFORMS_DIR),
        "--target-path",
        str(lake.dbt_target),
        "--log-path",
        str(log_dir),
        "--vars",
        variables,
    ]
    env = {
        **os.environ,
        "CLEMENCY_LAKE": str(lake.root),
        "CLEMENCY_DBT_WAREHOUSE": str(lake.warehouse),  # profiles.yml's database path
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    try:
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, check=False, umask=0o077
        )
    finally:
        lake.restrict()  # the warehouse file dbt may have created: mode 600
    if completed.returncode != 0:
        locked = _LOCK_MESSAGE.search(completed.stdout + completed.stderr)
        if locked:  # taken between our check and dbt's start
            raise WarehouseLocked(_locked_message(lake, locked.group(0)))
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-25:])
        raise TransformError(f"dbt {' '.join(args)} failed for as-of {as_of}:\n{tail}")
    return TransformResult(as_of, command, log_dir / "dbt.log")


def wait_for_warehouse(lake: Lake, timeout_s: float) -> None:
    """Return once the warehouse file can be opened for writing; raise `WarehouseLocked`
    naming the process that holds it if that takes longer than `timeout_s`."""
    lake.restrict()
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            duckdb.connect(str(lake.warehouse)).close()
            lake.restrict()  # a warehouse this call created: mode 600 like dbt's
            return
        except duckdb.IOException as error:
            locked = _LOCK_MESSAGE.search(str(error))
            if not locked:
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLocked(_locked_message(lake, locked.group(0), timeout_s)) from None
            time.sleep(min(1.0, timeout_s / 10 or 0.1))


def _locked_message(lake: Lake, duckdb_text: str, waited_s: float | None = None) -> str:
    waited = f" after waiting {waited_s:g} s" if waited_s else ""
    return (
        f"the warehouse {lake.warehouse} is locked by another process{waited} "
        f"({duckdb_text.strip()}); another transform may be running, or someone has the file "
        "open in DuckDB: let it finish or close it, then run again. Nothing was built."
    )


def ensure_raw_topics(lake: Lake) -> None:
    """Give every raw topic with nothing landed yet an empty file with the raw schema.

    Staging views read `raw/<topic>/*/*.parquet`, and DuckDB refuses a glob that matches
    nothing; an empty file says "no events yet" instead of failing the whole build.
    """
    for topic in topics():
        folder = lake.raw / topic
        if not any(folder.glob("*/*.parquet")):
            empty = pa.Table.from_pylist([], RAW_SCHEMA)
            atomic.write_parquet(folder / "partition=none" / "empty.parquet", empty)


def transform(lake: Lake, as_of: dt.date, lock_timeout_s: float = 60.0) -> TransformResult:
    """Seed, build and data-test every model for `as_of`; dbt writes the marts under
    restricted/curated/ with a copy under restricted/curated/snapshots/as_of=<date>/ (a
    rerun of that date replaces it), and the aggregate marts are published, latest and
    snapshot, under curated/ (see `publish_marts`).

    dbt unit tests check the rules' SQL, not the data, so they run in the test suite
    (tests/test_dbt_unit.py), not in every production build.
    """
    # The key itself never leaves the environment; which kind was used is on record, so
    # marts built with the public demo key are never mistaken for protected ones.
    demo_key = load_settings().uses_demo_key
    if demo_key:
        log.warning("person_key pseudonyms use the public demo key: demo data only")
    arguments = {
        "as_of": as_of.isoformat(),
        "lock_timeout_s": lock_timeout_s,
        "pseudonyms": "demo key (not for production)" if demo_key else "secret key",
    }
    with audited(lake, "transform", arguments) as record:
        record.inputs = raw_offsets(lake)
        wait_for_warehouse(lake, lock_timeout_s)
        ensure_raw_topics(lake)
        result = run_dbt(lake, as_of, "build", "--exclude", "test_type:unit")
        for written in publish_marts(lake, as_of):
            record.add_output(written, lake, rows=pq.ParquetFile(written).metadata.num_rows)
        return result


def publish_marts(lake: Lake, as_of: dt.date) -> list[Path]:
    """Copy the marts dbt built to where they are read: a person-level mart stays in the
    restricted zone (its snapshot for `as_of` beside it, mode 600); an aggregate one (counts
    only, `AGGREGATE_MARTS`) goes to curated/, latest and snapshot, readable by analysts."""
    written = []
    for built in sorted(lake.restricted_curated.glob("*.parquet")):
        aggregate = lake.is_aggregate(built.stem)
        mode = 0o644 if aggregate else 0o600
        if aggregate:
            written.append(atomic.copy(built, lake.mart(built.stem), mode=mode))
        written.append(atomic.copy(built, lake.mart(built.stem, as_of), mode=mode))
    return written


def raw_offsets(lake: Lake) -> list[dict]:
    """What a build reads: per raw partition, its files, rows and highest Kafka offset
    (from the Parquet footers, so this costs no data reads)."""
    found = []
    for folder in sorted(lake.raw.glob("*/partition=*")):
        files = sorted(folder.glob("*.parquet"))
        rows, highest = 0, None
        for path in files:
            metadata = pq.ParquetFile(path).metadata
            rows += metadata.num_rows
            bounds = column_range(metadata, "kafka_offset")
            if bounds is not None:
                highest = bounds[1] if highest is None else max(highest, bounds[1])
        if rows:
            found.append(
                {
                    "topic": folder.parent.name,
                    "partition": folder.name.removeprefix("partition="),
                    "files": len(files),
                    "rows": rows,
                    "max_offset": highest,
                }
            )
    return found
