"""Build an amnesty round's decisions under changed rules (`clemency whatif`), apart from
everything published.

The real dbt project builds the scenario, with one difference: its seeds. A scenario area
under the restricted zone (`Lake.scenario`, mode 700) gets a copy of the checkout's dbt
project whose seeds hold the changed cells (dbt cannot take a seed path on its command
line, and a project whose paths lead back into the checkout would have dbt write compiled
SQL there). dbt then runs with the scenario's own warehouse, target and
logs, and its `lake` variable is the scenario folder, so the one mart it is asked for lands
in `<scenario>/curated/`. The published marts, `curated/LATEST.json` and the lake's
warehouse are never opened for writing; the published decisions of the same as-of date are
only read, by the comparison report.

The scenario's id is its run id on the audit trail (`clemency runs <id>`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from clemency.errors import PipelineError
from clemency.lake import atomic
from clemency.lake.audit import RunRecord, audited, file_entry
from clemency.lake.layout import Lake, ScenarioArea
from clemency.paths import TRANSFORMS_DIR
from clemency.transform.dbt import raw_offsets, run_dbt
from clemency.transform.rule_parameters import (
    TABLES,
    Change,
    ParameterError,
    changed_seed,
    parse_settings,
    round_rule_version,
)

MART = "amnesty_eligibility"  # the decisions a scenario rebuilds (and everything upstream)
PROJECT_FOLDERS = ("models", "macros", "tests", "seeds")  # dbt_project.yml's paths


class ScenarioError(PipelineError):
    """A what-if that cannot be built as asked (no published set to compare with, …)."""


@dataclass(frozen=True)
class Scenario:
    scenario_id: str
    round_id: str
    as_of: dt.date
    area: ScenarioArea
    changes: list[Change]

    @property
    def decisions(self) -> Path:
        return self.area.mart(MART)


def build_scenario(
    lake: Lake, round_id: str, settings: list[str], as_of: dt.date | None = None
) -> Scenario:
    """Check `settings` (`name=value`, see rule_parameters) against the round's rules, then
    build the round's decisions under them at `as_of` (default: the latest published set)
    into a new scenario area. Bad input raises before anything is written."""
    changes = parse_settings(round_id, settings)
    as_of = as_of or lake.latest_as_of()
    if as_of is None:
        raise ScenarioError("no published set of marts to compare with: run `clemency transform`")
    published = lake.mart(MART, as_of)
    check_round_published(published, round_id, as_of)
    arguments = {
        "round_id": round_id,
        "as_of": as_of.isoformat(),
        "settings": [change.as_typed for change in changes],
    }
    with audited(lake, "whatif", arguments) as record:
        area = lake.scenario(record.run_id)
        try:
            return _build(lake, area, Scenario(record.run_id, round_id, as_of, area, changes),
                          published, record)  # fmt: skip
        finally:
            # The decisions are all a scenario keeps: its warehouse was dbt's workspace, a
            # second copy of every citizen ID the lake's warehouse holds (built or not).
            for database in (
                area.warehouse,
                area.warehouse.with_name(area.warehouse.name + ".wal"),
            ):
                database.unlink(missing_ok=True)


def _build(
    lake: Lake, area: ScenarioArea, scenario: Scenario, published: Path, record: RunRecord
) -> Scenario:
    area.restrict()
    write_project(area, scenario.changes, scenario.round_id)
    record.inputs = [file_entry(published, lake, role="published"), *raw_offsets(lake)]
    run_dbt(
        lake,
        scenario.as_of,
        "build",
        "--select",
        f"+{MART}",
        # only the tests of what is built: a test also reading an unbuilt model would fail
        "--indirect-selection",
        "cautious",
        "--exclude",
        "test_type:unit",
        project_dir=area.project,
        area=area,
    )
    built = area.mart(MART)
    atomic.write_json(area.manifest, manifest(scenario, lake, published), mode=0o600)
    record.add_output(built, lake, rows=pq.ParquetFile(built).metadata.num_rows)
    record.add_output(area.manifest, lake)
    return scenario


def check_round_published(published: Path, round_id: str, as_of: dt.date) -> None:
    """The round must be a round of the rules and have decisions in the published set."""
    round_rule_version(round_id)  # a round the seeds do not know: ParameterError
    if not published.exists():
        raise ScenarioError(f"no published decisions for as-of {as_of}: {published} is missing")
    with duckdb.connect() as con:
        rounds = [
            r
            for (r,) in con.execute(
                "SELECT DISTINCT round_id FROM read_parquet(?) ORDER BY 1", [str(published)]
            ).fetchall()
        ]
    if round_id not in rounds:
        raise ParameterError(
            f"--round {round_id}: no decisions in the published set of as-of {as_of} "
            f"(rounds there: {', '.join(rounds) or 'none'})"
        )


def write_project(area: ScenarioArea, changes: list[Change], round_id: str) -> None:
    """The scenario's dbt project: a copy of the checkout's (models, macros, tests, seeds,
    `dbt_project.yml`) with `changes` applied to the seeds. A copy, not links to the
    checkout: dbt writes compiled SQL beside what it reads when a path leads outside its
    project, and the scenario keeps the exact code and rules it was built with."""
    if area.project.exists():
        shutil.rmtree(area.project)
    for folder in PROJECT_FOLDERS:
        source = TRANSFORMS_DIR / folder
        for path in sorted(source.rglob("*")):
            if path.is_file():
                atomic.copy(path, area.project / folder / path.relative_to(source), mode=0o600)
    atomic.copy(TRANSFORMS_DIR / "dbt_project.yml", area.project / "dbt_project.yml", mode=0o600)
    for table in TABLES:
        mine = [change for change in changes if change.seed == table.seed]
        if mine:
            target = area.seeds / "rules" / f"{table.seed}.csv"
            atomic.write_text(target, changed_seed(table.seed, mine, round_id), mode=0o600)
    for made in [area.project, *area.project.rglob("*")]:
        if made.is_dir():  # created with the process's umask: closed like the rest
            os.chmod(made, 0o700)


def manifest(scenario: Scenario, lake: Lake, published: Path) -> dict:
    """What the comparison report reads: the round, the as-of date, both sets of decisions
    (lake-relative) and every change with its value before and after and its source."""
    return {
        "scenario_id": scenario.scenario_id,
        "round_id": scenario.round_id,
        "rule_version": round_rule_version(scenario.round_id),
        "as_of": scenario.as_of.isoformat(),
        "published_decisions": str(published.relative_to(lake.root)),
        "scenario_decisions": str(scenario.decisions.relative_to(lake.root)),
        "changes": [change.as_json() for change in scenario.changes],
    }
