"""Where everything lives under `$CLEMENCY_LAKE` (files get there through `lake.atomic`).

    raw/<topic>/partition=<p>/<topic>+<p>+<first offset, 19 digits>.parquet
    quarantine/<topic>/partition=<p>/<same name>.parquet        undecodable or invalid records
    quarantine/<topic>/partition=<p>/<same name, +gate>.parquet  rows the GX gate rejected
    ledger/ingest/<run id>.parquet
    validation/<run id>.json          Great Expectations results per run
    restricted/                       what dbt works in (personal data, owner only):
      warehouse.duckdb                  dbt's database, citizen IDs included (mode 600)
      dbt-target/  dbt-logs/            dbt's compiled SQL, manifest, run results, log
      as_of_dates.json  seeds_loaded.json   the build's as-of date, the seeds last loaded
      builds/as_of=<date>.json          what each published snapshot was built from
      curated/<mart>.parquet            every mart as dbt builds it; person-level marts
      curated/snapshots/as_of=<date>/<person-level mart>.parquet   are read from here
    curated/<aggregate mart>.parquet            the latest build, readable by analysts
    curated/snapshots/as_of=<date>/<aggregate mart>.parquet   one per as-of date
    reports/

Files are named from Kafka coordinates, not from dates or run ids, so replaying a range
rewrites the same file instead of adding a second copy.
"""

from __future__ import annotations

import datetime as dt
import json
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


# Marts of counts (per facility, round, status, reason), no row per person: the only ones
# published to curated/ for analysts. Every other mart is person-level and stays under
# restricted/curated/ (a new mart is restricted until it is listed here).
AGGREGATE_MARTS = frozenset({"facility_population", "round_funnel", "data_quality_gaps"})


class Lake:
    def __init__(self, root: Path, pseudonym_key: str | None = None) -> None:
        self.root = Path(root)
        # The settings' HMAC key, so that the audit trail names a person by pseudonym; None
        # for a Lake built by hand (then the trail writes a citizen ID as `person_key:***`).
        self._pseudonym_key = pseudonym_key

    @property
    def pseudonym_key(self) -> str | None:
        return self._pseudonym_key

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
    def restricted(self) -> Path:
        """dbt's working folder: the warehouse (citizen IDs), dbt's target and logs (raw
        identifiers in compiled SQL and test failures) and every mart as built."""
        return self.root / "restricted"

    @property
    def restricted_zones(self) -> tuple[Path, ...]:
        """Folders only the pipeline's own user may open (mode 700, `clemency doctor`
        checks): records as published (names, citizen IDs) in raw/, quarantine/ and
        validation/ (results quote failing values), with a retention period and
        `clemency purge`; and restricted/, dbt's warehouse, target, logs and person-level
        marts."""
        return (
            self.raw,
            self.quarantine,
            self.validation,
            self.restricted,
            self.restricted_curated,
            self.dbt_target,
            self.dbt_logs,
        )

    def restrict(self) -> None:
        """Create the restricted folders with mode 700 (and put it back if it was widened),
        and close the warehouse file to everyone else (mode 600)."""
        for zone in self.restricted_zones:
            zone.mkdir(parents=True, exist_ok=True)
            os.chmod(zone, 0o700)
        for database in (self.warehouse, self.warehouse.with_name(self.warehouse.name + ".wal")):
            if database.exists():
                os.chmod(database, 0o600)

    def is_offset_zone(self, path: Path) -> bool:
        """True for files under raw/ or quarantine/, which are named by Kafka offsets."""
        return path.is_relative_to(self.raw) or path.is_relative_to(self.quarantine)

    @property
    def curated(self) -> Path:
        """The aggregate marts, which analysts may read (see `AGGREGATE_MARTS`)."""
        return self.root / "curated"

    @property
    def restricted_curated(self) -> Path:
        """Where dbt writes every mart; the person-level ones are read only from here."""
        return self.restricted / "curated"

    @staticmethod
    def is_aggregate(mart: str) -> bool:
        return mart in AGGREGATE_MARTS

    def mart(self, name: str, as_of: dt.date | None = None) -> Path:
        """The file of mart `name` as built for `as_of`, or in the latest published set:
        under curated/ for an aggregate mart, under restricted/curated/ for a person-level
        one. A reader of several marts asks `latest_as_of()` once and passes it, so that all
        come from one set. (A lake with no published set yet: dbt's own last build.)"""
        aggregate = self.is_aggregate(name)
        as_of = as_of or self.latest_as_of()
        folder = self.snapshot(as_of, not aggregate) if as_of else self._curated(not aggregate)
        return folder / f"{name}.parquet"

    @property
    def latest_pointer(self) -> Path:
        """`curated/LATEST.json`: the as-of date of the latest published set of marts. It only
        moves forward, and only once every mart of the newer set is in its snapshot."""
        return self.curated / "LATEST.json"

    def latest_as_of(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(json.loads(self.latest_pointer.read_text())["as_of"])
        except FileNotFoundError:
            return None

    def latest_links(self) -> tuple[Path, Path]:
        """`curated/latest` and `restricted/curated/latest`: links to the latest set's
        snapshot folders, for readers who open files rather than ask this class."""
        return (self.curated / "latest", self.restricted_curated / "latest")

    def snapshot(self, as_of: dt.date, person_level: bool = False) -> Path:
        """The aggregate marts as built for one as-of date (`person_level`: the folder of the
        person-level ones, under restricted/)."""
        return self._curated(person_level) / "snapshots" / f"as_of={as_of.isoformat()}"

    def _curated(self, person_level: bool) -> Path:
        return self.restricted_curated if person_level else self.curated

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def ingest_ledger(self) -> Path:
        return self.root / "ledger" / "ingest"

    @property
    def warehouse(self) -> Path:
        """The DuckDB file dbt builds into (single writer; citizen IDs: mode 600)."""
        return self.restricted / "warehouse.duckdb"

    @property
    def dbt_target(self) -> Path:
        """dbt's target path: compiled SQL, manifest, run results."""
        return self.restricted / "dbt-target"

    @property
    def dbt_logs(self) -> Path:
        """dbt's log path (`dbt.log`)."""
        return self.restricted / "dbt-logs"

    @property
    def dbt_as_of_dates(self) -> Path:
        """The as-of date of the build dbt is running (dbt source `run.as_of_dates`)."""
        return self.restricted / "as_of_dates.json"

    def build_stamp(self, as_of: dt.date) -> Path:
        """What the published snapshot of `as_of` was built from (raw files, seeds, run id):
        a backfill run finds a day already built from the same inputs done."""
        return self.restricted / "builds" / f"as_of={as_of.isoformat()}.json"

    @property
    def dbt_seeds_loaded(self) -> Path:
        """The fingerprint of the seeds last loaded into the warehouse (seeds are reloaded,
        and their tests run, only when it changes)."""
        return self.restricted / "seeds_loaded.json"

    @property
    def legacy_unrestricted(self) -> tuple[Path, ...]:
        """Where builds before the restricted/ folder left dbt's warehouse, target and logs,
        readable by everyone (`clemency doctor` reports them)."""
        return (
            self.root / "warehouse.duckdb",
            self.root / "warehouse.duckdb.wal",
            self.root / "dbt-target",
            self.root / "logs" / "dbt",
        )

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
