"""Where everything lives under `$CLEMENCY_LAKE` (files get there through `lake.atomic`).

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
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from clemency.lake.atomic import TEMPORARY_GLOB

# "+gate" marks the quarantine file of rows the Great Expectations gate moved out of raw.
OFFSET_FILE = re.compile(
    r"^(?P<topic>.+)\+(?P<partition>\d+)\+(?P<offset>\d{19})(\+gate)?\.parquet$"
)


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
        return sorted(self.partition_dir(zone, topic, partition).glob(TEMPORARY_GLOB))

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
