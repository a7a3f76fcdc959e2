"""When a build may keep person-level rows from the last one (clemency/transform/
person_level.py). A kept row is only right if it was computed from the same project, for an
earlier date, and by a build that finished: these tests try each way it could be wrong.
That the kept rows and a whole build give the same marts is proven over simulated days in
tests/test_incremental.py."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import duckdb
import yaml  # type: ignore[import-untyped]

from clemency.lake.layout import Lake
from clemency.paths import TRANSFORMS_DIR
from clemency.transform.person_level import (
    BASIS_TABLE,
    person_level_models,
    record_basis,
    take_basis,
)
from clemency.transform.warehouse_state import person_level_fingerprint

DAY = dt.date(2025, 12, 1)
FILES = ("raw/facility.events/partition=0/a.parquet",)


def _warehouse(tmp_path) -> Lake:
    lake = Lake(tmp_path / "lake")
    lake.warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(lake.warehouse)) as connection:
        for model in (*person_level_models(), "stg_raw__facility_deliveries"):
            connection.execute(f"create table main.{model} as select 1 as row_id")
    return lake


def _tables(lake: Lake) -> set[str]:
    with duckdb.connect(str(lake.warehouse), read_only=True) as connection:
        return {row[0] for row in connection.execute("show tables").fetchall()}


def test_a_basis_is_taken_once_for_a_later_day_of_the_same_project(tmp_path):
    lake = _warehouse(tmp_path)
    record_basis(lake, DAY, "project-a", FILES)
    basis = take_basis(lake, DAY + dt.timedelta(days=1), "project-a", keep=True, whole=True)
    assert basis is not None and basis.as_of == DAY and basis.staged_files == FILES
    assert set(person_level_models()) <= _tables(lake)  # kept: the build updates them
    # taken out: should this build fail, the next one finds no basis and keeps nothing
    assert BASIS_TABLE.removeprefix("main.") not in _tables(lake)
    assert take_basis(lake, DAY + dt.timedelta(days=1), "project-a", keep=True, whole=True) is None


def test_no_basis_for_the_same_or_an_earlier_day_another_project_or_a_kept_nothing_build(
    tmp_path,
):
    refused = {
        "the same day again": (DAY, "project-a", True),
        "a backfill of an earlier day": (DAY - dt.timedelta(days=3), "project-a", True),
        "a changed model, macro or seed": (DAY + dt.timedelta(days=1), "project-b", True),
        "a full refresh or a partial build": (DAY + dt.timedelta(days=1), "project-a", False),
    }
    for why, (as_of, project, keep) in refused.items():
        lake = _warehouse(tmp_path / why.replace(" ", "-"))
        record_basis(lake, DAY, "project-a", FILES)
        assert take_basis(lake, as_of, project, keep=keep, whole=True) is None, why
        left = _tables(lake)
        # a whole build then builds the person-level tables whole (their columns may have
        # changed), and leaves every other table alone
        assert not set(person_level_models()) & left, why
        assert "stg_raw__facility_deliveries" in left, why


def test_a_partial_build_leaves_the_tables_but_no_basis(tmp_path):
    lake = _warehouse(tmp_path)
    record_basis(lake, DAY, "project-a", FILES)
    assert (
        take_basis(lake, DAY + dt.timedelta(days=1), "project-a", keep=False, whole=False) is None
    )
    assert set(person_level_models()) <= _tables(lake)  # what a selected model reads
    assert take_basis(lake, DAY + dt.timedelta(days=2), "project-a", keep=True, whole=True) is None


def test_the_person_level_models_are_the_ones_that_recompute_by_the_scope():
    # each model dbt_project.yml gives the pre-hook that deletes the recomputed rows must
    # apply recomputed() to what it reads, or it would append every row again on top of
    # the kept ones; and every one of them is dropped when no row may be kept
    project = yaml.safe_load((TRANSFORMS_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    hooked = {
        name
        for name, config in project["models"]["clemency"]["intermediate"].items()
        if isinstance(config, dict) and "forget_recomputed" in str(config.get("+pre-hook"))
    }
    applying = {
        path.stem
        for path in (TRANSFORMS_DIR / "models").rglob("*.sql")
        if re.search(r"\brecomputed\(", path.read_text(encoding="utf-8"))
    }
    assert applying == hooked
    assert {"int_behaviour_at_evaluation", "int_amnesty_criteria"} <= applying
    assert set(person_level_models()) == applying | {"int_person_keys"}


def test_any_change_to_a_seed_or_model_changes_the_fingerprint(tmp_path):
    project = tmp_path / "transforms"
    shutil.copytree(TRANSFORMS_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    before = person_level_fingerprint(project)
    assert person_level_fingerprint(project) == before
    for changed in (
        project / "seeds" / "rules" / "amnesty_rounds.csv",
        project / "models" / "intermediate" / "int_people.sql",
        project / "macros" / "recomputed.sql",
    ):
        changed.write_text(changed.read_text(encoding="utf-8") + "\n")
        after = person_level_fingerprint(project)
        assert after != before, changed.name
        before = after


def test_another_pseudonym_key_changes_the_fingerprint(monkeypatch):
    # int_person_keys holds each person's pseudonym under the key: under another key, none
    # of its rows may be kept
    monkeypatch.setenv("CLEMENCY_PSEUDONYM_KEY", "one key of at least thirty-two characters")
    first = person_level_fingerprint()
    monkeypatch.setenv("CLEMENCY_PSEUDONYM_KEY", "another key, also thirty-two characters")
    assert person_level_fingerprint() != first
