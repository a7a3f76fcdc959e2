"""The person-level tables' basis: what a build can keep of the last one's rows.

The person-level models (one row per person and evaluation date: dbt_project.yml,
`&person_level`) are incremental tables. A build recomputes the rows of the evaluation dates
that moved (work release and status are judged at the as-of date itself) and of the people
whose events arrived since the build the tables were computed for, its *basis*, and keeps
the rest (transforms/macros/recomputed.sql, model int_evaluation_scope). Most rows are the
amnesty rounds', at their fixed cutoffs, and few people have a new event on a given day.

The basis is kept in the warehouse beside the tables it describes (table BASIS_TABLE: a
copy of the warehouse carries its own): the as-of date of the last whole build, the
fingerprint of the project that computed it (models, macros, seeds, dbt and DuckDB) and
the raw files it had staged. Every build takes it out before dbt starts, and a whole build
that succeeds writes its own, so a failed or partial build leaves none. A build keeps rows
only from a basis for an earlier date by the same project, and not when it is partial or
stages every raw file again; without one, the tables are dropped before a whole build and
dbt builds them whole (a changed model may have changed their columns).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.paths import TRANSFORMS_DIR
from clemency.transform.warehouse_state import lake_relative, open_warehouse

BASIS_TABLE = "main.clemency_person_level_basis"  # not a dbt model: written by this module


@dataclass(frozen=True)
class EvaluationBasis:
    as_of: dt.date  # the as-of date the kept rows were computed for
    staged_files: tuple[str, ...]  # raw files staged by then, as source_file names them


@cache
def person_level_models(project_dir: Path = TRANSFORMS_DIR) -> tuple[str, ...]:
    """The person-level tables: the intermediate models dbt_project.yml makes incremental
    (the `&person_level` ones, and int_person_keys)."""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    intermediate = project["models"]["clemency"]["intermediate"]
    return tuple(
        sorted(
            name
            for name, config in intermediate.items()
            if isinstance(config, dict) and config.get("+materialized") == "incremental"
        )
    )


def staged_raw_files(lake: Lake) -> tuple[str, ...]:
    """The raw files a build starting now stages (every one on disk), named as the delivery
    tables' source_file names them."""
    return tuple(sorted(lake_relative(lake, path) for path in lake.raw.glob("*/*/*.parquet")))


def take_basis(
    lake: Lake, as_of: dt.date, fingerprint: str, *, keep: bool, whole: bool
) -> EvaluationBasis | None:
    """Before a build at `as_of`: take the basis out of the warehouse and return it if rows
    may be kept from it (`keep`, an earlier date, the project of `fingerprint`). When none
    is returned, a `whole` build drops the person-level tables first."""
    if not lake.warehouse.exists():
        return None
    basis = None
    with open_warehouse(lake, read_only=False) as connection:
        found = connection.execute(
            "select 1 from information_schema.tables "
            "where table_schema = 'main' and table_name = ?",
            [BASIS_TABLE.removeprefix("main.")],
        ).fetchone()
        if found:
            row = connection.execute(
                f"select as_of_date, sha256, staged_files from {BASIS_TABLE}"
            ).fetchone()
            connection.execute(f"drop table {BASIS_TABLE}")
            if keep and row is not None and row[1] == fingerprint and row[0] < as_of:
                basis = EvaluationBasis(row[0], tuple(row[2]))
        if basis is None and whole:
            for model in person_level_models():
                connection.execute(f"drop table if exists main.{model}")
    return basis


def record_basis(lake: Lake, as_of: dt.date, fingerprint: str, staged: tuple[str, ...]) -> None:
    """After a whole build at `as_of` that staged `staged`: the next build's basis."""
    with open_warehouse(lake, read_only=False) as connection:
        connection.execute(
            f"create or replace table {BASIS_TABLE} as "
            "select ?::date as as_of_date, ?::varchar as sha256, ?::varchar[] as staged_files",
            [as_of, fingerprint, list(staged)],
        )


def write_run_basis(path: Path, basis: EvaluationBasis | None) -> None:
    """The run file dbt reads as source run.evaluation_basis (`Lake.dbt_evaluation_basis`,
    beside the warehouse dbt runs on): the basis, or a null date (nothing kept)."""
    row = {
        "basis_as_of_date": basis.as_of.isoformat() if basis else None,
        "staged_files": list(basis.staged_files) if basis else [],
    }
    atomic.write_json(path, [row], mode=0o600)
