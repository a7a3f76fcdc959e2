"""Fast checks of the dbt project's yml (no dbt run): the required columns, keys and closed
lists of values that each model's one `model_checks` test lists, and the raw sources'
freshness model against models/staging/__sources.yml, where the thresholds are set. Slow
checks compile those tests (no lake: the lint target's in-memory DuckDB): the checks dbt
parsed are the ones the yml lists, and their SQL passes sqlfluff, which skips their file
as a macro."""

from __future__ import annotations

import functools
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from clemency.paths import TRANSFORMS_DIR
from clemency.transform.dbt import dbt_executable

MODELS = TRANSFORMS_DIR / "models"
SEEDS = TRANSFORMS_DIR / "seeds"


def _documents(pattern: str, folder: Path = MODELS) -> list[tuple[Path, dict]]:
    return [
        (path, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        for path in sorted(folder.rglob(pattern))
    ]


def _models() -> list[tuple[Path, dict]]:
    """Every model's yml entry, and every seed's: a seed's checks are one model_checks test
    too (run when the seeds are loaded)."""
    return [
        (path, node)
        for folder, kind in ((MODELS, "models"), (SEEDS, "seeds"))
        for path, doc in _documents("*.yml", folder)
        for node in doc.get(kind) or []
    ]


def _test_name(test: object) -> str:
    return test if isinstance(test, str) else next(iter(test))  # type: ignore[call-overload]


def _plain(test: object, kind: str) -> bool:
    """`test` is a `kind` test with no config of its own (no `where`, severity, `config:`,
    name…): only dbt's arguments, all of which model_checks carries."""
    if isinstance(test, str):
        return test == kind
    return _test_name(test) == kind and set(test[kind] or {}) <= {"arguments"}


CHECKS_TEST = "model_checks"


def _checks_of(path: Path, model: dict) -> dict:
    """The arguments of the model's one model_checks test ({} when it has none), checked:
    at most one per model, named `model_checks_<model>`, with something to check."""
    where = f"{path.relative_to(TRANSFORMS_DIR)}: {model['name']}"
    tests = [t[CHECKS_TEST] for t in model.get("data_tests") or [] if _test_name(t) == CHECKS_TEST]
    assert len(tests) <= 1, f"{where}: one {CHECKS_TEST} test per model"
    if not tests:
        return {}
    assert tests[0].get("name") == f"{CHECKS_TEST}_{model['name']}", where
    arguments = tests[0]["arguments"]
    assert arguments and set(arguments) <= {"not_null", "keys", "accepted_values"}, where
    return arguments


def _undocumented(model: dict, listed: object) -> list[str]:
    documented = {column["name"] for column in _documenting(model).get("columns") or []}
    return sorted(set(listed) - documented)  # type: ignore[call-overload]


def _documenting(model: dict) -> dict:
    """The yml entry that documents `model`'s columns: its own, or for a typed event table
    (models/staging/<system>/base/, which holds its view's checks) its view's, the same
    columns (`stg_<system>__<name>` is the table's rows recorded by the as-of date)."""
    name = model["name"]
    if not name.startswith("base_"):
        return model
    return _entries()["stg_" + name.removeprefix("base_")]


@functools.cache
def _entries() -> dict[str, dict]:
    """Every model's and seed's yml entry by name (read once: the ymls do not change)."""
    return {entry["name"]: entry for _, entry in _models()}


def _column_tests(model: dict) -> list[tuple[str, object]]:
    return [
        (column["name"], test)
        for column in model.get("columns") or []
        for test in column.get("data_tests") or []
    ]


def _accepted(accepted: object) -> tuple[list, bool]:
    """A column's accepted values and whether they are quoted: a list, or accepted_values'
    own arguments (`{values: [...], quote: false}`)."""
    if isinstance(accepted, dict):
        return accepted["values"], accepted.get("quote", True)
    return accepted, True  # type: ignore[return-value]


def _listed_checks(arguments: dict) -> set[tuple]:
    """The checks of a model_checks test's arguments: (kind, columns or values), one each."""
    checks: set[tuple] = {("not_null", column) for column in arguments.get("not_null") or []}
    checks |= {("key", tuple(key)) for key in arguments.get("keys") or []}
    for column, accepted in (arguments.get("accepted_values") or {}).items():
        values, quote = _accepted(accepted)
        checks.add(("accepted_values", column, json.dumps(values), quote))
    return checks


def _yml_checks() -> set[tuple]:
    """Every check the models' ymls list: (model, kind, columns or values)."""
    return {
        (model["name"], *check)
        for path, model in _models()
        for check in _listed_checks(_checks_of(path, model))
    }


def test_models_check_required_columns_in_their_one_model_checks_test():
    """One model_checks node per model (transforms/tests/generic/model_checks.sql) instead
    of a node per check (dbt's per-node cost): a column-level not_null is left only where it
    has its own config (a `where`, a severity). Each column its `not_null` lists is a column
    the model documents."""
    checked = 0
    for path, model in _models():
        where = f"{path.relative_to(TRANSFORMS_DIR)}: {model['name']}"
        for name, test in _column_tests(model):
            assert not _plain(test, "not_null"), f"{where}.{name}: list it in {CHECKS_TEST}"
        listed = _checks_of(path, model).get("not_null")
        if listed is None:
            continue
        assert listed and len(set(listed)) == len(listed), f"{where}: {listed}"
        assert not _undocumented(model, listed), (
            f"{where}: not_null lists columns the model does not document: "
            f"{_undocumented(model, listed)}"
        )
        checked += len(listed)
    assert checked >= 224  # the columns of the not_null_columns tests it replaced


def test_models_check_their_keys_in_their_one_model_checks_test():
    """Its `keys` instead of a `unique` node per key column and a `unique_combination` node
    per key of several columns: either is left only where it has its own config. A key of
    one column is checked as `unique` did (nulls left out), one of several as
    `unique_combination` (nulls grouped), so a key of one column stands for a `unique` and
    must not have been a unique_combination."""
    keys = 0
    for path, model in _models():
        where = f"{path.relative_to(TRANSFORMS_DIR)}: {model['name']}"
        for name, test in _column_tests(model):
            assert not _plain(test, "unique"), f"{where}.{name}: list it in {CHECKS_TEST}"
        for test in model.get("data_tests") or []:
            assert not _plain(test, "unique_combination"), f"{where}: list it in {CHECKS_TEST}"
        arguments = _checks_of(path, model).get("keys")
        if arguments is None:
            continue
        listed = [tuple(key) for key in arguments]
        assert listed and len(set(listed)) == len(listed), f"{where}: {listed}"
        for key in listed:
            assert key and len(set(key)) == len(key), f"{where}: key {key}"
            assert not _undocumented(model, key), (
                f"{where}: keys lists columns the model does not document: "
                f"{_undocumented(model, key)}"
            )
        keys += len(listed)
    # the tests they replaced on models: 37 `unique`, 22 `unique_combination`, and the
    # work sites' `unique` on `facility_id || '|' || site_id` (which took 'a|b', 'c' and
    # 'a', 'b|c' for the same site)
    assert keys >= 60


def test_models_check_closed_lists_in_their_one_model_checks_test():
    """Its `accepted_values` instead of an `accepted_values` node per column: a
    column-level accepted_values is left only where it has its own config. Each column
    listed is documented and maps to its values, or to accepted_values' own arguments."""
    columns = 0
    for path, model in _models():
        where = f"{path.relative_to(TRANSFORMS_DIR)}: {model['name']}"
        for name, test in _column_tests(model):
            assert not _plain(test, "accepted_values"), f"{where}.{name}: list it in {CHECKS_TEST}"
        listed = _checks_of(path, model).get("accepted_values")
        if listed is None:
            continue
        assert listed, where
        assert not _undocumented(model, listed), (
            f"{where}: accepted_values lists columns the model does not document: "
            f"{_undocumented(model, listed)}"
        )
        for name, accepted in listed.items():
            if isinstance(accepted, dict):
                assert set(accepted) <= {"values", "quote"}, f"{where}.{name}: {accepted}"
            values, _ = _accepted(accepted)
            assert values and isinstance(values, list), f"{where}.{name}: {accepted}"
            assert len(set(map(str, values))) == len(values), f"{where}.{name}: {accepted}"
        columns += len(listed)
    assert columns >= 26  # the column-level accepted_values tests they replaced (models only)


@pytest.fixture(scope="module")
def compiled_checks(tmp_path_factory) -> dict[str, dict]:
    """The manifest's model_checks nodes, compiled (no lake: the lint target)."""
    folder = tmp_path_factory.mktemp("compiled-checks")
    target = folder / "target"
    variables = {"lake": str(folder / "restricted"), "raw": str(folder / "raw")}
    subprocess.run(
        [
            dbt_executable(), "compile", "--target", "lint", "--no-use-colors",
            "--project-dir", str(TRANSFORMS_DIR), "--profiles-dir", str(TRANSFORMS_DIR),
            "--target-path", str(target), "--log-path", str(folder / "logs"),
            "--vars", json.dumps(variables), "--select", f"test_name:{CHECKS_TEST}",
        ],
        check=True, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )  # fmt: skip
    nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    return {
        name: node
        for name, node in nodes.items()
        if (node.get("test_metadata") or {}).get("name") == CHECKS_TEST
    }


@pytest.mark.slow
def test_dbt_runs_the_checks_the_ymls_list(compiled_checks):
    """What dbt parsed of the model_checks tests is what the ymls list, model by model, and
    each is a test of the default config (an error when it fails, no `where`). (When
    model_checks replaced not_null_columns, unique_keys and accepted_values_columns, the
    same comparison of the two manifests found the same checks.)"""
    parsed = set()
    for node in compiled_checks.values():
        assert node["attached_node"].startswith(("model.", "seed.")), node["name"]
        model = node["attached_node"].split(".")[-1]
        parsed |= {(model, *check) for check in _listed_checks(node["test_metadata"]["kwargs"])}
        config = node["config"]
        assert (config["severity"], config["where"], config["error_if"]) == ("ERROR", None, "!= 0")
    assert parsed == _yml_checks()
    assert len({check[0] for check in parsed}) >= 66 + 17  # models and seeds with checks


@pytest.mark.slow
def test_the_model_checks_compile_to_sql_that_sqlfluff_passes(compiled_checks):
    """sqlfluff's dbt templater skips tests/generic/ (macros), so `make sqllint` never sees
    the SQL of model_checks: lint what it compiles to, with the project's rules, for the
    models with the fewest and the most of each of its arguments (none, one and many take
    different branches of its Jinja). RF06 and LT13 are compilation's (dbt quotes the
    relation's name; a `{% test %}` block starts with a newline), not the macro's."""
    from sqlfluff.core import FluffConfig, Linter

    config = FluffConfig.from_path(
        str(TRANSFORMS_DIR),
        overrides={"templater": "raw", "exclude_rules": "ST06,ST07,ST09,AM04,RF06,LT13"},
    )
    linted = set()
    for argument in ("not_null", "keys", "accepted_values"):
        by_size = sorted(
            (len(node["test_metadata"]["kwargs"].get(argument) or ()), node["name"])
            for node in compiled_checks.values()
        )
        linted |= {by_size[0][1], by_size[-1][1]}
    sql = {node["name"]: node["compiled_code"] for node in compiled_checks.values()}
    for test in sorted(linted):
        violations = Linter(config=config).lint_string(sql[test]).get_violations()
        assert not violations, (test, [v.desc() for v in violations], sql[test])
    assert len(linted) >= 3, linted


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


def test_person_key_in_duckdb_is_the_pseudonym_of_each_id(monkeypatch):
    """The marts' `person_key(person_id)` (the dbt plugin's function, which remembers the
    ids it keyed) gives every id the HMAC `clemency explain` computes, the same on a
    repeated id, and keeps a missing id missing."""
    import duckdb

    from clemency.lake.pseudonym import person_key
    from clemency.transform.dbt_plugin import Plugin

    key = "a-test-key-of-forty-characters-or-so-xxxx"
    monkeypatch.setenv("CLEMENCY_PSEUDONYM_KEY", key)
    monkeypatch.setenv("CLEMENCY_ENVIRONMENT", "test")
    conn = duckdb.connect()
    Plugin.__new__(Plugin).configure_connection(conn)
    ids = [f"{n % 3000:012d}" if n % 97 else None for n in range(10_000)]
    conn.execute("create table people as select unnest(?) as person_id", [ids])
    keyed = conn.execute("select person_id, person_key(person_id) from people").fetchall()
    assert len(keyed) == len(ids)
    assert all(
        pseudonym == (None if person_id is None else person_key(key, person_id))
        for person_id, pseudonym in keyed
    )
    assert sum(pseudonym is None for _, pseudonym in keyed) == ids.count(None) > 0
