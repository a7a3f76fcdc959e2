"""The dbt unit tests of every eligibility rule (transforms/models/**/_unit_tests__*.yml).

dbt runs them all once per module; each one is then its own pytest case (id = the unit
test's name), judged from dbt's run_results.json, so a failure names the rule that broke
and shows dbt's diff, and a unit test that dbt never ran fails instead of vanishing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.paths import TRANSFORMS_DIR
from clemency.transform.dbt import TransformError, ensure_raw_topics, run_dbt

pytestmark = pytest.mark.slow

AS_OF = dt.date(2025, 11, 30)


@dataclass(frozen=True)
class UnitTest:
    name: str
    model: str
    defined_in: str

    @property
    def unique_id(self) -> str:
        """dbt's id of the node: `unit_test.<project>.<model>.<name>`."""
        return f"unit_test.{PROJECT}.{self.model}.{self.name}"


def _project_name() -> str:
    project = yaml.safe_load((TRANSFORMS_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["name"]


def _defined_unit_tests() -> list[UnitTest]:
    """Every unit test of the _unit_tests__*.yml files, read at collection time."""
    found = []
    for path in sorted((TRANSFORMS_DIR / "models").rglob("_unit_tests__*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        where = str(path.relative_to(TRANSFORMS_DIR))
        for entry in document.get("unit_tests") or []:
            found.append(UnitTest(entry["name"], entry["model"], where))
    return found


PROJECT = _project_name()
UNIT_TESTS = _defined_unit_tests()


@dataclass(frozen=True)
class DbtRun:
    results: dict[str, dict]  # run_results.json's results, by unique_id
    error: str | None  # run_dbt's TransformError (dbt exits 1 when a unit test fails)
    run_results: Path
    lake: Lake  # built from an empty raw zone


@pytest.fixture(scope="module")
def unit_test_run(tmp_path_factory) -> Iterator[DbtRun]:
    """Build the upstream relations once, run every dbt unit test once, read run_results."""
    lake = Lake(tmp_path_factory.mktemp("dbt-unit") / "lake")
    with pytest.MonkeyPatch.context() as patch:
        # module scope runs before conftest's per-test _no_ambient_settings: do its work here
        for name in [n for n in os.environ if n.startswith("CLEMENCY_")]:
            patch.delenv(name)
        # unit tests need the upstream relations to exist (dbt reads their column types),
        # and an empty lake is enough: every raw topic resolves to an empty file. The data
        # tests of that empty build would check nothing, so they are left out.
        ensure_raw_topics(lake)
        built = run_dbt(lake, AS_OF, "build", "--exclude", "resource_type:test", "test_type:unit")
        target = Path(built.command[built.command.index("--target-path") + 1])
        run_results = target / "run_results.json"
        run_results.unlink()  # the build's; only the unit-test run's may be judged
        error = None
        try:
            run_dbt(lake, AS_OF, "test", "--select", "test_type:unit", "--no-use-colors")
        except TransformError as failed:
            error = str(failed)
    if not run_results.exists():  # dbt did not get as far as running the tests
        pytest.fail(f"dbt wrote no {run_results}:\n{error}", pytrace=False)
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    yield DbtRun({result["unique_id"]: result for result in results}, error, run_results, lake)


@pytest.mark.parametrize("unit_test", UNIT_TESTS, ids=[test.name for test in UNIT_TESTS])
def test_rule_unit_test_passes(unit_test_run, unit_test):
    result = unit_test_run.results.get(unit_test.unique_id)
    assert result is not None, (
        f"{unit_test.unique_id} ({unit_test.defined_in}) is not in "
        f"{unit_test_run.run_results}: dbt did not run it (dbt said: {unit_test_run.error})"
    )
    assert result["status"] == "pass", (
        f"{unit_test.unique_id} ({unit_test.defined_in}): {result['status']}\n{result['message']}"
    )


def test_dbt_ran_only_the_unit_tests_the_yml_defines(unit_test_run):
    assert len(UNIT_TESTS) >= 33  # every rule's edges (see the _unit_tests__*.yml files)
    defined = {test.unique_id for test in UNIT_TESTS}
    assert len(defined) == len(UNIT_TESTS), "two unit tests of the same model share a name"
    ran = {node for node in unit_test_run.results if node.startswith("unit_test.")}
    assert sorted(ran - defined) == [], "unit tests dbt ran that no _unit_tests__*.yml defines"
    if all(result["status"] == "pass" for result in unit_test_run.results.values()):
        assert unit_test_run.error is None  # dbt failed, yet not in any node it reported


def test_a_null_in_a_required_column_fails_naming_the_model_and_the_column(
    unit_test_run, monkeypatch
):
    """A model's checks are one model_checks test (transforms/tests/generic/
    model_checks.sql); when a required column has a null, the one-line error
    `clemency transform` shows names the test, hence the model, and the column."""
    lake = unit_test_run.lake
    write_json = atomic.write_json

    def with_a_null(path, rows, **kwargs):  # the as-of file, with a row without a date
        if Path(path).name == lake.dbt_as_of_dates.name:
            rows = [*rows, {"as_of_date": None}]
        return write_json(path, rows, **kwargs)

    monkeypatch.setattr(atomic, "write_json", with_a_null)
    with pytest.raises(TransformError) as failed:
        run_dbt(lake, AS_OF, "test", "--select", "stg_run__as_of_dates")
    first = str(failed.value).splitlines()[0]
    assert "test model_checks_stg_run__as_of_dates." in first, first
    assert first.endswith(": null in as_of_date (1 row)"), first


@contextmanager
def _planted(lake: Lake, table: str, columns: str, rows: str) -> Iterator[None]:
    """`rows` inserted into a table of the module's build (the first of `columns` a text
    starting `planted-`, or null), deleted again afterwards: the other tests read the same
    warehouse. Each connection is closed before dbt opens the file."""
    with duckdb.connect(str(lake.warehouse)) as connection:
        connection.execute(f"insert into {table} ({columns}) values {rows}")
    try:
        yield
    finally:
        marker = columns.split(",")[0]
        with duckdb.connect(str(lake.warehouse)) as connection:
            connection.execute(
                f"delete from {table} where {marker} like 'planted-%' or {marker} is null"
            )


SPANS = "int_bail_postponement_spans", "event_id, span_kind, start_date"


def test_a_duplicated_key_fails_naming_the_model_and_the_key(unit_test_run):
    """When a key has duplicates, the one-line error names the test, hence the model, the
    key's columns and, after them, every other kind of check of the model that failed (two
    facts without a round: their nulls too). A key of several columns groups nulls
    (unique_combination: the two facts of one person and no round are duplicates). The
    first failed test is told, and how many more failed: dbt runs the two in the order of
    their ids with one thread."""
    lake = unit_test_run.lake
    with (
        _planted(
            lake, "int_amnesty_facts",
            "person_id, round_id, has_pending_review, has_barring_review",
            "('planted-1', null, false, false), ('planted-1', null, false, false),"
            " ('planted-2', 'r1', false, false)",
        ),
        _planted(lake, *SPANS, "('planted-1', 'bail', '2025-01-01'), (null, 'bail', '2025-01-01')"),
        pytest.raises(TransformError) as failed,
    ):  # fmt: skip
        run_dbt(
            lake, AS_OF, "test", "--threads", "1", "--select",
            "model_checks_int_amnesty_facts", "model_checks_int_bail_postponement_spans",
        )  # fmt: skip
    first = str(failed.value).splitlines()[0]
    assert "test model_checks_int_amnesty_facts." in first, first
    assert first.endswith(
        ": null in round_id (2 rows); duplicated person_id, round_id (1 key) (and 1 more)"
    ), first


def test_a_broken_rule_seed_fails_its_one_check_naming_the_seed(unit_test_run):
    """A seed's checks are one model_checks test too (run whenever the seeds are loaded): a
    round listed twice and a round without its rule set fail it, the one-line error naming
    the seed, the key and the column."""
    lake = unit_test_run.lake
    with (
        _planted(
            lake, "amnesty_rounds", "round_id, rule_version",
            "('planted-1', 'planted-a'), ('planted-1', 'planted-b'), ('planted-2', null)",
        ),
        pytest.raises(TransformError) as failed,
    ):  # fmt: skip
        run_dbt(lake, AS_OF, "test", "--select", "model_checks_amnesty_rounds")
    first = str(failed.value).splitlines()[0]
    assert "test model_checks_amnesty_rounds." in first, first
    assert first.endswith(": null in rule_version (1 row); duplicated round_id (1 key)"), first


# Planted rows of the spans model and the end of the one-line error they give.
SPANS_FAILURES = {
    # a key of one column is checked as dbt's `unique` does: the two spans without an
    # event_id are not a duplicated key (they fail the not-null check of the same test),
    # the two with the same one are
    "a key of one column leaves its nulls out": (
        "('planted-1', 'bail', '2025-01-01'), ('planted-1', 'bail', '2025-01-01'),"
        " (null, 'bail', '2025-01-01'), (null, 'bail', '2025-01-01')",
        ": null in event_id (2 rows); duplicated event_id (1 key)",
    ),
    # a column with a value outside its closed list is named with the rows; a null is not
    # unexpected (as in dbt's accepted_values), only null: span_kind is required too
    "an unexpected value names its column": (
        "('planted-1', 'parole', '2025-01-01'), ('planted-2', 'parole', '2025-01-01'),"
        " ('planted-3', null, '2025-01-01')",
        ": null in span_kind (1 row); unexpected values in span_kind (2 rows)",
    ),
}


@pytest.mark.parametrize(("planted", "expected"), SPANS_FAILURES.values(), ids=SPANS_FAILURES)
def test_a_failed_check_of_the_spans_names_the_model_and_what_failed(
    unit_test_run, planted, expected
):
    lake = unit_test_run.lake
    with _planted(lake, *SPANS, planted), pytest.raises(TransformError) as failed:
        run_dbt(lake, AS_OF, "test", "--select", "model_checks_int_bail_postponement_spans")
    first = str(failed.value).splitlines()[0]
    assert "test model_checks_int_bail_postponement_spans." in first, first
    assert first.endswith(expected), first
