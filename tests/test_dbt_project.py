"""Fast checks of the dbt project's yml (no dbt run): the required columns, keys and closed
lists of values that each model's one `not_null_columns`, `unique_keys` and
`accepted_values_columns` test lists, and the raw sources' freshness model against
models/staging/__sources.yml, where the thresholds are set. One slow check compiles those
generic tests (no lake: the lint target's in-memory DuckDB) for sqlfluff, which skips their
files as macros."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from clemency.paths import TRANSFORMS_DIR
from clemency.transform.dbt import dbt_executable

MODELS = TRANSFORMS_DIR / "models"


def _documents(pattern: str) -> list[tuple[Path, dict]]:
    return [
        (path, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        for path in sorted(MODELS.rglob(pattern))
    ]


def _models() -> list[tuple[Path, dict]]:
    return [(path, model) for path, doc in _documents("*.yml") for model in doc.get("models") or []]


def _test_name(test: object) -> str:
    return test if isinstance(test, str) else next(iter(test))  # type: ignore[call-overload]


def _plain(test: object, kind: str) -> bool:
    """`test` is a `kind` test with no config of its own (no `where`, severity, `config:`,
    name…): only dbt's arguments, all of which the merged tests carry."""
    if isinstance(test, str):
        return test == kind
    return _test_name(test) == kind and set(test[kind] or {}) <= {"arguments"}


def _merged(path: Path, model: dict, kind: str) -> dict | None:
    """The arguments of the model's one `kind` test (None when it has none), checked: at
    most one per model, named `<kind>_<model>`."""
    where = f"{path.relative_to(TRANSFORMS_DIR)}: {model['name']}"
    merged = [test[kind] for test in model.get("data_tests") or [] if _test_name(test) == kind]
    assert len(merged) <= 1, f"{where}: one {kind} test per model"
    if not merged:
        return None
    assert merged[0].get("name") == f"{kind}_{model['name']}", where
    return merged[0]["arguments"]


def _undocumented(model: dict, listed: object) -> list[str]:
    documented = {column["name"] for column in model.get("columns") or []}
    return sorted(set(listed) - documented)  # type: ignore[call-overload]


def _column_tests(model: dict) -> list[tuple[str, object]]:
    return [
        (column["name"], test)
        for column in model.get("columns") or []
        for test in column.get("data_tests") or []
    ]


def test_models_check_required_columns_with_one_not_null_columns_test():
    """One not_null_columns node per model instead of a not_null node per column (dbt's
    per-node cost): a column-level not_null is left only where it has its own config (a
    `where`, a severity). Each column the test lists is a column the model documents."""
    checked = 0
    for path, model in _models():
        where = f"{path.relative_to(TRANSFORMS_DIR)}: {model['name']}"
        for name, test in _column_tests(model):
            assert not _plain(test, "not_null"), f"{where}.{name}: list it in not_null_columns"
        arguments = _merged(path, model, "not_null_columns")
        if arguments is None:
            continue
        listed = arguments["columns"]
        assert listed and len(set(listed)) == len(listed), f"{where}: {listed}"
        assert not _undocumented(model, listed), (
            f"{where}: not_null_columns lists columns the model does not document: "
            f"{_undocumented(model, listed)}"
        )
        checked += len(listed)
    assert checked >= 217  # the column-level not_null tests they replaced (models only)


def test_models_check_their_keys_with_one_unique_keys_test():
    """One unique_keys node per model (transforms/tests/generic/unique_keys.sql) instead of a
    `unique` node per key column and a `unique_combination` node per key of several columns:
    either is left only where it has its own config. A key of one column is checked as
    `unique` did (nulls left out), one of several as `unique_combination` (nulls grouped), so
    a key of one column stands for a `unique` and must not have been a unique_combination."""
    keys = 0
    for path, model in _models():
        where = f"{path.relative_to(TRANSFORMS_DIR)}: {model['name']}"
        for name, test in _column_tests(model):
            assert not _plain(test, "unique"), f"{where}.{name}: list it in unique_keys"
        for test in model.get("data_tests") or []:
            assert not _plain(test, "unique_combination"), f"{where}: list it in unique_keys"
        arguments = _merged(path, model, "unique_keys")
        if arguments is None:
            continue
        listed = [tuple(key) for key in arguments["keys"]]
        assert listed and len(set(listed)) == len(listed), f"{where}: {listed}"
        for key in listed:
            assert key and len(set(key)) == len(key), f"{where}: key {key}"
            assert not _undocumented(model, key), (
                f"{where}: unique_keys lists columns the model does not document: "
                f"{_undocumented(model, key)}"
            )
        keys += len(listed)
    assert keys >= 59  # the tests they replaced on models: 37 `unique`, 22 `unique_combination`


def test_models_check_closed_lists_with_one_accepted_values_columns_test():
    """One accepted_values_columns node per model (transforms/tests/generic/
    accepted_values_columns.sql) instead of an `accepted_values` node per column: a
    column-level accepted_values is left only where it has its own config. Each column
    listed is documented and maps to its values, or to accepted_values' own arguments."""
    columns = 0
    for path, model in _models():
        where = f"{path.relative_to(TRANSFORMS_DIR)}: {model['name']}"
        for name, test in _column_tests(model):
            assert not _plain(test, "accepted_values"), (
                f"{where}.{name}: list it in accepted_values_columns"
            )
        arguments = _merged(path, model, "accepted_values_columns")
        if arguments is None:
            continue
        listed = arguments["columns"]
        assert listed, where
        assert not _undocumented(model, listed), (
            f"{where}: accepted_values_columns lists columns the model does not document: "
            f"{_undocumented(model, listed)}"
        )
        for name, accepted in listed.items():
            if isinstance(accepted, dict):
                assert set(accepted) <= {"values", "quote"}, f"{where}.{name}: {accepted}"
                accepted = accepted["values"]
            assert accepted and isinstance(accepted, list), f"{where}.{name}: {accepted}"
            assert len(set(map(str, accepted))) == len(accepted), f"{where}.{name}: {accepted}"
        columns += len(listed)
    assert columns >= 26  # the column-level accepted_values tests they replaced (models only)


MERGED_TESTS = ("not_null_columns", "unique_keys", "accepted_values_columns")


@pytest.mark.slow
def test_the_merged_tests_compile_to_sql_that_sqlfluff_passes(tmp_path):
    """sqlfluff's dbt templater skips tests/generic/ (macros), so `make sqllint` never sees
    the SQL of these tests: lint what they compile to, with the project's rules, for the
    models with the fewest and the most columns each lists (one column and many take
    different branches of their Jinja). RF06 and LT13 are compilation's (dbt quotes the
    relation's name; a `{% test %}` block starts with a newline), not the macro's."""
    from sqlfluff.core import FluffConfig, Linter

    target = tmp_path / "target"
    variables = {"lake": str(tmp_path / "restricted"), "raw": str(tmp_path / "raw")}
    subprocess.run(
        [
            dbt_executable(), "compile", "--target", "lint", "--no-use-colors",
            "--project-dir", str(TRANSFORMS_DIR), "--profiles-dir", str(TRANSFORMS_DIR),
            "--target-path", str(target), "--log-path", str(tmp_path / "logs"),
            "--vars", json.dumps(variables),
            "--select", *(f"test_name:{name}" for name in MERGED_TESTS),
        ],
        check=True, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )  # fmt: skip
    nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    config = FluffConfig.from_path(
        str(TRANSFORMS_DIR),
        overrides={"templater": "raw", "exclude_rules": "ST06,ST07,ST09,AM04,RF06,LT13"},
    )
    linted = []
    for name in MERGED_TESTS:
        compiled = sorted(
            (len(json.dumps(node["test_metadata"]["kwargs"])), node["name"], node["compiled_code"])
            for node in nodes.values()
            if (node.get("test_metadata") or {}).get("name") == name
        )
        assert compiled, f"dbt compiled no {name} test"
        for _, test, sql in {compiled[0][1]: compiled[0], compiled[-1][1]: compiled[-1]}.values():
            violations = Linter(config=config).lint_string(sql).get_violations()
            assert not violations, (test, [v.desc() for v in violations], sql)
            linted.append(test)
    assert len(linted) == 2 * len(MERGED_TESTS), linted


def _raw_rules() -> list[dict]:
    """Each raw source table's freshness rule, as macro raw_freshness_rules() reads it."""
    document = yaml.safe_load((MODELS / "staging" / "__sources.yml").read_text(encoding="utf-8"))
    (raw,) = [source for source in document["sources"] if source["name"] == "raw"]
    rules = []
    for table in raw["tables"]:
        config = {**raw.get("config", {}), **table.get("config", {})}
        freshness = config.get("freshness") or {}
        rules.append(
            {
                "source_name": "raw",
                "table_name": table["name"],
                "loaded_at_field": config.get("loaded_at_field"),
                "warn_after": freshness.get("warn_after"),
                "error_after": freshness.get("error_after"),
            }
        )
    return sorted(rules, key=lambda rule: rule["table_name"])


def test_source_freshness_depends_on_every_raw_source():
    """dbt learns a model's parents when it parses it, before the graph the model reads its
    sources from exists: the model names each raw table in a `depends_on` comment."""
    sql = (MODELS / "marts" / "source_freshness.sql").read_text(encoding="utf-8")
    named = re.findall(r"--\s*depends_on:\s*\{\{\s*source\('raw',\s*'(\w+)'\)\s*\}\}", sql)
    assert sorted(named) == [rule["table_name"] for rule in _raw_rules()]


def test_freshness_unit_tests_give_the_rules_of_sources_yml():
    """dbt's unit tests have no graph: each gives macro raw_freshness_rules() the rules it
    would read from __sources.yml, which must be the real ones."""
    rules = _raw_rules()
    assert all(rule["loaded_at_field"] and rule["warn_after"] for rule in rules)
    (document,) = [doc for _, doc in _documents("_unit_tests__source_freshness.yml")]
    tests = document["unit_tests"]
    assert tests
    for test in tests:
        given = test["overrides"]["macros"]["raw_freshness_rules"]
        assert sorted(given, key=lambda rule: rule["table_name"]) == rules, test["name"]
