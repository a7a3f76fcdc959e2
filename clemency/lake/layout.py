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
      curated/catalog.duckdb  catalog.sql   views over every mart (owner only)
      scenarios/<scenario id>/          a what-if build under changed rules (ScenarioArea)
    curated/<aggregate mart>.parquet            the latest build, readable by analysts
    curated/snapshots/as_of=<date>/<aggregate mart>.parquet   one per as-of date
    curated/catalog.duckdb  catalog.sql         the analysts' views over the aggregate marts
    reports/index.html  index.en.html   the portal: every report, current = highest as-of
    reports/<round id>/<as_of>/<report>.{html,xlsx,pdf}   an amnesty round's report
    reports/work-release/<as_of>/<report>.{html,xlsx,pdf} the work-release report
    reports/summary/<as_of>/summary-<as_of>.html          the run summary of one as-of date
    reports/dbt-docs/index.html       dbt's docs site (published by the transform)
    reports/restricted/               person-level exports (owner only)
    lineage/airflow/<dag>/<dag run>/<task>.<try>.<EVENT>.json   OpenLineage events of each task
    lineage/dbt/<transform run id>/<dbt job>.<EVENT>.json        ... and of each dbt node
                                      (clemency.lake.lineage; no row data, no citizen ID)

Files are named from Kafka coordinates, not from dates or run ids, so replaying a range
rewrites the same file instead of adding a second copy.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from clemency.lake.atomic import TEMPORARY_GLOB

# "+gate" marks the quarantine file of rows the Great Expectations gate moved out of raw.
OFFSET_FILE = re.compile(
    r"^(?P<topic>.+)\+(?P<partition>\d+)\+(?P<offset>\d{19})(\+gate)?\.parquet$"
)


# Marts of counts (per facility, round, status, reason), no row per person: the only ones
# published to curated/ for analysts. Every other mart is person-level and stays under
# restricted/curated/ (a new mart is restricted until it is listed here).
AGGREGATE_MARTS = frozenset(
    {
        "facility_population",
        "round_funnel",
        "data_quality_gaps",
        # what the reports read besides the person-level decisions (issue 14: reports read
        # marts only): the round's calendar, its lifecycle counts, the facility registry,
        # work-release movements, records landed per day and dbt's source freshness
        "amnesty_round_calendar",
        "round_lifecycle",
        "facility_registry",
        "work_release_activity",
        "landed_events_daily",
        "source_freshness",
    }
)

# The folders of reports/ that are not an amnesty round's (a round is named by its id).
WORK_RELEASE_REPORTS = "work-release"
SUMMARY_REPORTS = "summary"
DBT_DOCS = "dbt-docs"
RESTRICTED_REPORTS = "restricted"
_NOT_A_ROUND = {WORK_RELEASE_REPORTS, SUMMARY_REPORTS, DBT_DOCS, RESTRICTED_REPORTS}
# The portal's page in each language (Vietnamese first: the default).
PORTAL_PAGES = {"vi": "index.html", "en": "index.en.html"}
_FOLDER_NAME = re.compile(r"^[0-9A-Za-z_-][0-9A-Za-z._-]*$")


def report_folder(reports: Path, subject: str, as_of: dt.date) -> Path:
    """`<reports>/<subject>/<as_of>/`: one folder per round (or programme) and as-of date, so
    a report of another as-of never replaces this one. `subject` is a file-name-safe round id
    or one of the programme folders; anything else (a path, a dot name) is refused."""
    if not _FOLDER_NAME.match(subject) or ".." in subject:
        raise ValueError(f"report folder {subject!r} is not a plain folder name")
    return Path(reports) / subject / as_of.isoformat()


def round_report_subject(round_part: str) -> str:
    """The folder of a round's reports (`round_part`: its id made file-name-safe); a round
    id that would take a programme's folder is refused."""
    if round_part in _NOT_A_ROUND:
        raise ValueError(f"round id {round_part!r} is the name of a reports folder")
    return round_part


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
        return self.snapshot_root(person_level) / f"as_of={as_of.isoformat()}"

    def snapshot_root(self, person_level: bool = False) -> Path:
        """The folder of every as-of date's snapshot folder (`as_of=<date>`)."""
        return self._curated(person_level) / "snapshots"

    def catalog(self, person_level: bool = False) -> Path:
        """The analysts' DuckDB catalog, views only: over the aggregate marts in curated/, or
        (`person_level`) over every mart in restricted/curated/. `catalog.sql` beside it holds
        the same views as plain SQL (`clemency/transform/catalog.py`)."""
        return self._curated(person_level) / "catalog.duckdb"

    def _curated(self, person_level: bool) -> Path:
        return self.restricted_curated if person_level else self.curated

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def report_folder(self, subject: str, as_of: dt.date) -> Path:
        return report_folder(self.reports, subject, as_of)

    def portal_page(self, lang: str = "vi") -> Path:
        """`reports/index.html` (Vietnamese) or `reports/index.en.html`: the report portal."""
        return self.reports / PORTAL_PAGES[lang]

    @property
    def dbt_docs_site(self) -> Path:
        """`reports/dbt-docs/index.html`: the dbt docs site beside the reports."""
        return self.reports / DBT_DOCS / "index.html"

    @property
    def scenarios(self) -> Path:
        """What-if builds (`clemency whatif`), one folder each: person-level, restricted."""
        return self.restricted / "scenarios"

    def scenario(self, scenario_id: str) -> ScenarioArea:
        if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z_.-]*", scenario_id):
            raise ValueError(f"{scenario_id!r} is not a scenario id (letters, digits, _ . -)")
        return ScenarioArea(self.scenarios / scenario_id)

    def whatif_reports(self, scenario_id: str) -> Path:
        """The comparison report of a scenario: counts only, beside the other reports."""
        return self.reports / "whatif" / self.scenario(scenario_id).root.name

    @property
    def lineage(self) -> Path:
        """OpenLineage events, one file each (`clemency.lake.lineage` names them)."""
        return self.root / "lineage"

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
    def dbt_manifest(self) -> Path:
        """The manifest of dbt's last parse: every node with its columns and descriptions."""
        return self.dbt_target / "manifest.json"

    @property
    def dbt_logs(self) -> Path:
        """dbt's log path (`dbt.log`)."""
        return self.restricted / "dbt-logs"

    @property
    def dbt_as_of_dates(self) -> Path:
        """The as-of date of the build dbt is running (dbt source `run.as_of_dates`)."""
        return self.restricted / "as_of_dates.json"

    @property
    def dbt_evaluation_basis(self) -> Path:
        """What the person-level tables hold from the last build, for the build dbt is
        running (dbt source `run.evaluation_basis`; clemency/transform/person_level.py)."""
        return self.restricted / "evaluation_basis.json"

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
    def dbt_typed_events_built(self) -> Path:
        """The fingerprint of the typed event models (models/staging/*/base/) the warehouse's
        tables were built by: when it changes, a build stages every raw file again."""
        return self.restricted / "typed_events_built.json"

    @property
    def dbt_staged_tested(self) -> Path:
        """What the last whole build that succeeded had staged and by which definitions it
        checked it: a build that stages nothing new need not run those checks again."""
        return self.restricted / "staged_tested.json"

    @property
    def dbt_views_built(self) -> Path:
        """The fingerprint and names of the views the last whole build created in the
        warehouse (a build creates them again only when the fingerprint changes)."""
        return self.restricted / "views_built.json"

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


class DbtArea(Protocol):
    """Where one dbt build works: the lake's restricted/ folder (`Lake`) or a what-if
    scenario's (`ScenarioArea`)."""

    @property
    def restricted(self) -> Path: ...
    @property
    def warehouse(self) -> Path: ...
    @property
    def dbt_target(self) -> Path: ...
    @property
    def dbt_logs(self) -> Path: ...
    def restrict(self) -> None: ...


class ScenarioArea:
    """One what-if build (`clemency whatif`), under `<lake>/restricted/scenarios/<id>/`,
    mode 700 like the rest of restricted/: the same shape as dbt's own working folder, so
    dbt runs in it exactly as in `restricted/` (`restricted` is dbt's `lake` variable, its
    marts land in `curated/`), plus the dbt project it builds (a copy of the real one, the
    seeds with the scenario's values) and its manifest (what was changed, from what, and why).

        scenario.json                 the round, the as-of date, every change and its source
        project/                      a copy of the checkout's dbt project (transforms/)
        project/seeds/                its seeds, with the scenario's values
        warehouse.duckdb              dbt's database while it builds (deleted after)
        dbt-target/  dbt-logs/
        curated/amnesty_eligibility.parquet   the decisions under the changed rules
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def restricted(self) -> Path:
        """dbt's `lake` variable: the folder a build writes its marts under (`curated/`)."""
        return self.root

    @property
    def curated(self) -> Path:
        return self.root / "curated"

    def mart(self, name: str) -> Path:
        return self.curated / f"{name}.parquet"

    @property
    def manifest(self) -> Path:
        return self.root / "scenario.json"

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def seeds(self) -> Path:
        return self.project / "seeds"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def dbt_target(self) -> Path:
        return self.root / "dbt-target"

    @property
    def dbt_logs(self) -> Path:
        return self.root / "dbt-logs"

    def restrict(self) -> None:
        """Create the scenario's folders closed to everyone else (mode 700, every folder up
        to restricted/ included) and its warehouse mode 600."""
        folders = [self.root.parent.parent, self.root.parent, self.root]
        folders += [self.curated, self.project, self.dbt_target, self.dbt_logs]
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
        for database in (self.warehouse, self.warehouse.with_name(self.warehouse.name + ".wal")):
            if database.exists():
                os.chmod(database, 0o600)


def column_range(metadata: pq.FileMetaData, column: str) -> tuple[Any, Any] | None:
    """(min, max) of a column from a Parquet footer's statistics, reading no data; None when
    the file has no rows, no such column, or a row group without statistics."""
    if column not in metadata.schema.names or metadata.num_rows == 0:
        return None
    index = metadata.schema.names.index(column)
    kind = metadata.schema.to_arrow_schema().field(column).type
    lows, highs = [], []
    for group in range(metadata.num_row_groups):
        statistics = metadata.row_group(group).column(index).statistics
        if statistics is None or not statistics.has_min_max:
            return None
        lows.append(_statistic(statistics, "min", kind))
        highs.append(_statistic(statistics, "max", kind))
    return (min(lows), max(highs)) if lows else None


_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _statistic(statistics: Any, bound: str, kind: pa.DataType) -> Any:
    """A footer's `min` or `max` as Python. A time-zoned timestamp (the lake's are UTC) is
    converted here from its raw count: pyarrow's own conversion of one imports pandas, 1.3 s
    of a process that reads a few footers and nothing else."""
    if not (pa.types.is_timestamp(kind) and kind.tz):
        return getattr(statistics, bound)
    per_second = _PER_SECOND[kind.unit]
    seconds, rest = divmod(int(getattr(statistics, f"{bound}_raw")), per_second)
    return _EPOCH + dt.timedelta(seconds=seconds, microseconds=rest * 1_000_000 // per_second)
