"""Fast checks of the dbt project's yml (no dbt run): the required columns each model's one
`not_null_columns` test lists, and the raw sources' freshness model against
models/staging/__sources.yml, where the thresholds are set."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from clemency.paths import TRANSFORMS_DIR

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


def test_models_check_required_columns_with_one_not_null_columns_test():
    """One not_null_columns node per model instead of a not_null node per column (dbt's
    per-node cost): a column-level not_null is left only where it has its own config (a
    `where`, a severity). Each column the test lists is a column the model documents."""
    checked = 0
    for path, model in _models():
        where = f"{path.relative_to(TRANSFORMS_DIR)}: {model['name']}"
        columns = {column["name"]: column for column in model.get("columns") or []}
        for name, column in columns.items():
            plain = [t for t in column.get("data_tests") or [] if t == "not_null"]
            assert not plain, f"{where}.{name}: list it in the model's not_null_columns test"
        merged = [
            test["not_null_columns"]
            for test in model.get("data_tests") or []
            if _test_name(test) == "not_null_columns"
        ]
        assert len(merged) <= 1, f"{where}: one not_null_columns test per model"
        for test in merged:
            listed = test["arguments"]["columns"]
            assert listed and len(set(listed)) == len(listed), f"{where}: {listed}"
            assert not set(listed) - set(columns), (
                f"{where}: not_null_columns lists columns the model does not document: "
                f"{sorted(set(listed) - set(columns))}"
            )
            assert test.get("name") == f"not_null_columns_{model['name']}", where
            checked += len(listed)
    assert checked >= 217  # the column-level not_null tests they replaced (models only)


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
