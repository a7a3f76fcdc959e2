"""Where everything lives under `$CLEMENCY_LAKE`, and how files get there durably.

    raw/<topic>/partition=<p>/<topic>+<p>+<first offset, 19 digits>.parquet
    quarantine/<topic>/partition=<p>/<same name>.parquet        undecodable or invalid records
    quarantine/<topic>/partition=<p>/<same name, +gate>.parquet  rows the GX gate rejected
    ledger/ingest/<run id>.parquet
    validation/<run id>.json          Great Expectations results per run
    curated/<mart>.parquet                     the latest build
    curated/snapshots/as_of=<date>/<mart>.parquet   one per as-of date (backfills, replays)
    reports/

Files are named from Kafka coordinates, not from dates or run ids, so replaying a range
rewrites the same file instead of adding a second copy.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# "+gate" marks the quarantine file of rows the Great Expectations gate moved out of raw.
OFFSET_FILE = re.compile(
    r"^(?P<topic>.+)\+(?P<partition>\d+)\+(?P<offset>\d{19})(\+gate)?\.parquet$"
)


class LakeWriteError(OSError):
    """A lake file could not be written (disk full, quota, permissions). Its temporary file
    is gone, so readers see the previous state; the caller has not committed anything."""


class Lake:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def validation(self) -> Path:
        return self.root / "validation"

    @property
    def restricted_zones(self) -> tuple[Path, ...]:
        """Folders holding records as published (names, citizen IDs): owner-only access,
        a retention period, `clemency purge`. Validation results quote failing values."""
        return (self.raw, self.quarantine, self.validation)

    def restrict(self) -> None:
        """Create the restricted folders with mode 700 (and put it back if it was widened)."""
        for zone in self.restricted_zones:
            zone.mkdir(parents=True, exist_ok=True)
            os.chmod(zone, 0o700)

    def is_offset_zone(self, path: Path) -> bool:
        """True for files under raw/ or quarantine/, which are named by Kafka offsets."""
        return path.is_relative_to(self.raw) or path.is_relative_to(self.quarantine)

    @property
    def curated(self) -> Path:
        return self.root / "curated"

    def snapshot(self, as_of: dt.date) -> Path:
        """The curated marts as built for one as-of date."""
        return self.curated / "snapshots" / f"as_of={as_of.isoformat()}"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def ingest_ledger(self) -> Path:
        return self.root / "ledger" / "ingest"

    @property
    def warehouse(self) -> Path:
        """The DuckDB file dbt builds into (single writer)."""
        return self.root / "warehouse.duckdb"

    def partition_dir(self, zone: Path, topic: str, partition: int) -> Path:
        return zone / topic / f"partition={partition}"

    def offset_file(self, zone: Path, topic: str, partition: int, first_offset: int) -> Path:
        name = f"{topic}+{partition}+{first_offset:019d}.parquet"
        return self.partition_dir(zone, topic, partition) / name

    def temporary_files(self, zone: Path, topic: str, partition: int) -> list[Path]:
        """Half-written files a killed process left behind (readers never see them)."""
        return sorted(self.partition_dir(zone, topic, partition).glob(".*.tmp"))

    @staticmethod
    def first_offset(path: Path) -> int:
        """The first Kafka offset a landed file's name gives."""
        match = OFFSET_FILE.match(path.name)
        if match is None:
            raise ValueError(f"{path.name} is not named <topic>+<partition>+<offset>.parquet")
        return int(match["offset"])

    def files_from_offset(self, zone: Path, topic: str, partition: int, offset: int) -> list[Path]:
        """Landed files of one partition whose first offset is at or after `offset`."""
        folder = self.partition_dir(zone, topic, partition)
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.glob("*.parquet")):
            match = OFFSET_FILE.match(path.name)
            if match and int(match["offset"]) >= offset:
                found.append(path)
        return found


def column_range(metadata: pq.FileMetaData, column: str) -> tuple[Any, Any] | None:
    """(min, max) of a column from a Parquet footer's statistics, reading no data; None when
    the file has no rows, no such column, or a row group without statistics."""
    if column not in metadata.schema.names or metadata.num_rows == 0:
        return None
    index = metadata.schema.names.index(column)
    lows, highs = [], []
    for group in range(metadata.num_row_groups):
        statistics = metadata.row_group(group).column(index).statistics
        if statistics is None or not statistics.has_min_max:
            return None
        lows.append(statistics.min)
        highs.append(statistics.max)
    return (min(lows), max(highs)) if lows else None


def copy_atomically(source: Path, target: Path) -> None:
    """Copy under a hidden temporary name, then rename: readers see old or new, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def write_parquet_atomically(table: pa.Table, path: Path) -> None:
    """Write to a hidden temporary name, fsync, rename, fsync the folder.

    Readers glob `*.parquet`, so they never see the temporary `.…tmp` file, and after a
    crash the file either exists whole or not at all.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "wb") as sink:
            pq.write_table(table, sink, compression="zstd")
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise LakeWriteError(
            error.errno,
            f"could not write {path} ({error.strerror or error}); no part of it is visible",
        ) from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
