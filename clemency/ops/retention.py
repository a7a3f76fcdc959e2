"""`clemency purge`: delete restricted files older than their retention period.

The restricted zones keep records as they were published, names and citizen IDs included:

- quarantine/ (rejected records) and validation/ (Great Expectations results, which quote
  failing values) are kept `CLEMENCY_QUARANTINE_RETENTION_DAYS` (default 90) — long enough
  to fix and republish a source's bad records;
- raw/ is kept for good by default: eligibility is computed from a person's whole history,
  so a raw file purged is a sentence or a transfer the next build no longer knows.
  `CLEMENCY_RAW_RETENTION_DAYS` sets a period once an archive is in place.

A file goes when its newest record (by Kafka timestamp, read from the Parquet footer) is
older than the period; files are never split. Each purge is a run on the audit trail,
listing every deleted file, so `clemency doctor` does not report them as missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from clemency.lake.audit import audited, run_started_at
from clemency.lake.layout import Lake, column_range


@dataclass
class PurgeResult:
    cutoffs: dict[str, str]
    deleted: list[Path] = field(default_factory=list)
    bytes_freed: int = 0


def purge(
    lake: Lake,
    quarantine_days: int,
    raw_days: int | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> PurgeResult:
    """Delete (or with `dry_run`, list) the files past their retention period."""
    now = now or dt.datetime.now(dt.UTC)
    cutoffs = {"quarantine": now - dt.timedelta(days=quarantine_days)}
    if raw_days is not None:
        cutoffs["raw"] = now - dt.timedelta(days=raw_days)
    arguments = {"quarantine_days": quarantine_days, "raw_days": raw_days, "dry_run": dry_run}
    result = PurgeResult({k: v.isoformat(timespec="seconds") for k, v in cutoffs.items()})
    with audited(lake, "purge", arguments) as record:
        expired = [
            (path, newest)
            for zone, cutoff in _zones(lake, cutoffs)
            for path, newest in _expired(zone, cutoff)
        ]
        for path, newest in expired:
            size = path.stat().st_size
            if not dry_run:
                path.unlink()
                record.outputs.append(
                    {
                        "path": str(path.relative_to(lake.root)),
                        "bytes": size,
                        "deleted": True,
                        "newest_record": newest.isoformat(timespec="seconds"),
                    }
                )
            result.deleted.append(path)
            result.bytes_freed += size
    return result


def _zones(lake: Lake, cutoffs: dict[str, dt.datetime]):
    yield lake.quarantine, cutoffs["quarantine"]
    yield lake.validation, cutoffs["quarantine"]
    if "raw" in cutoffs:
        yield lake.raw, cutoffs["raw"]


def _expired(zone: Path, cutoff: dt.datetime):
    if not zone.is_dir():
        return
    for path in sorted(zone.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        try:
            newest = _newest_record(path)
        except (OSError, pa.ArrowException):
            continue  # unreadable: `clemency doctor` reports it; age unknown, so kept
        if newest is not None and newest < cutoff:
            yield path, newest


def _newest_record(path: Path) -> dt.datetime | None:
    """Kafka timestamp of the newest record in a landed Parquet file; for a validation
    result, the run's start time in its name (`20261123T101500Z-….json`)."""
    if path.suffix == ".json":
        return run_started_at(path.stem)
    if path.suffix != ".parquet":
        return None
    bounds = column_range(pq.ParquetFile(path).metadata, "kafka_timestamp")
    return None if bounds is None else bounds[1]  # None: age unknown, the file is kept
