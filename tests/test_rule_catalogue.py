"""The criterion catalogue (transforms/seeds/rules/criteria.csv) is complete and is the one
home of every criterion: each one has a kind, its judging columns in the criteria model, its
figures in the mart, a legal source, labels in Vietnamese and English and a dbt unit test at
its edges; the README rules table, the report labels and `clemency explain` agree with it;
and no limit is spelled in the rules' SQL or in explain outside the seeds.

The unit-test convention: a dbt unit test names the criteria it holds at their edges in
`config: {meta: {criteria: [<program>.<code>, ...]}}`, and its description cites the law,
decision, guidance or decree the edges come from.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import string
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from clemency.ops import explain
from clemency.paths import REPO_ROOT, TRANSFORMS_DIR
from clemency.reports import i18n

RULES = TRANSFORMS_DIR / "seeds" / "rules"
CATALOGUE_PATH = RULES / "criteria.csv"
KINDS = {"bar", "time", "required", "informational"}
PROGRAMS = {
    "amnesty": ("int_amnesty_criteria", "amnesty_eligibility"),
    "work_release": ("int_work_release_criteria", "work_release_eligibility"),
}
# what a unit test's description must cite for its edges to count as derived from a source
SOURCES = re.compile(
    r"Law on Amnesty|Resolution \d|Decision \d|Guidance \d|Decree \d|Penal Code|docs/contracts\.md"
)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


CATALOGUE = _read_csv(CATALOGUE_PATH)
IDS = [f"{row['program']}.{row['code']}" for row in CATALOGUE]


def _unit_tests() -> list[dict]:
    found = []
    for path in sorted((TRANSFORMS_DIR / "models").rglob("_unit_tests__*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found.extend(document.get("unit_tests") or [])
    return found


def _tagged(test: dict) -> list[str]:
    return ((test.get("config") or {}).get("meta") or {}).get("criteria") or []


UNIT_TESTS = _unit_tests()


def _sql_code(path: Path) -> str:
    """The SQL of a model or macro without its comments (-- lines, Jinja {# #})."""
    text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())


def _mart_columns(mart: str) -> set[str]:
    document = yaml.safe_load((TRANSFORMS_DIR / "models" / "marts" / f"{mart}.yml").read_text())
    (model,) = document["models"]
    return {column["name"] for column in model["columns"]}


def _rules_table() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "rules_table", REPO_ROOT / "scripts" / "rules_table.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalogue_has_one_row_per_programme_and_code_in_order():
    assert {row["program"] for row in CATALOGUE} == set(PROGRAMS)
    assert len(set(IDS)) == len(IDS), "a criterion is declared twice"
    for program in PROGRAMS:
        positions = sorted(int(row["position"]) for row in CATALOGUE if row["program"] == program)
        assert positions == list(range(1, len(positions) + 1)), program


@pytest.mark.parametrize("row", CATALOGUE, ids=IDS)
def test_criterion_has_a_kind_and_its_judging_columns(row):
    assert row["kind"] in KINDS
    assert row["meets_column"].startswith("meets_")
    if row["kind"] == "time":
        assert row["window_column"].endswith("_within_window"), "a time criterion needs a window"
    else:
        assert not row["window_column"], "only a time criterion can be almost met"
    model, _ = PROGRAMS[row["program"]]
    sql = _sql_code(TRANSFORMS_DIR / "models" / "intermediate" / f"{model}.sql")
    for column in filter(None, [row["meets_column"], row["window_column"]]):
        assert re.search(rf"\bas {column}\b", sql), f"{model}.sql never computes {column}"


@pytest.mark.parametrize("row", CATALOGUE, ids=IDS)
def test_criterion_has_a_legal_source(row):
    assert row["law"].strip(), "no law or resolution"
    assert row["article"].strip(), "no article (write '(article: verify)' and verify=true)"
    assert row["verify"] in {"true", "false"}
    if "verify" in row["article"] + row["round_source"]:
        assert row["verify"] == "true", "a citation marked verify needs verify=true"


@pytest.mark.parametrize("row", CATALOGUE, ids=IDS)
def test_criterion_has_labels_the_reports_use(row):
    assert row["label_vi"].strip() and row["label_en"].strip()
    assert row["label_vi"] != row["label_en"], "the Vietnamese label is not a translation"
    assert i18n.t(row["code"], "vi") == row["label_vi"]
    assert i18n.t(row["code"], "en") == row["label_en"]
    assert row["code"] in i18n.CRITERIA


def test_a_code_two_programmes_share_has_one_label():
    labels: dict[str, set[tuple[str, str]]] = {}
    for row in CATALOGUE:
        labels.setdefault(row["code"], set()).add((row["label_vi"], row["label_en"]))
    assert {code: pair for code, pair in labels.items() if len(pair) > 1} == {}


@pytest.mark.parametrize("row", CATALOGUE, ids=IDS)
def test_criterion_has_a_unit_test_at_its_edges(row):
    criterion = f"{row['program']}.{row['code']}"
    tests = [test for test in UNIT_TESTS if criterion in _tagged(test)]
    assert tests, f"no dbt unit test has config.meta.criteria [{criterion}]"
    cited = [test["name"] for test in tests if SOURCES.search(test.get("description") or "")]
    assert cited, f"the unit tests of {criterion} cite no legal source in their description"


def test_unit_tests_name_only_criteria_of_the_catalogue():
    stale = sorted({c for test in UNIT_TESTS for c in _tagged(test) if c not in IDS})
    assert stale == [], "unit tests name criteria the catalogue does not have"


@pytest.mark.parametrize("row", CATALOGUE, ids=IDS)
def test_criterion_figures_are_mart_columns_and_explain_shows_them(row):
    _, mart = PROGRAMS[row["program"]]
    figures = row["figure_columns"].split()
    assert figures, "a criterion without figures cannot be explained"
    missing = sorted(set(figures) - _mart_columns(mart))
    assert missing == [], f"{mart} has no column {missing}"
    placeholders = {name for _, name, _, _ in string.Formatter().parse(row["explain_en"]) if name}
    assert placeholders, "the explain text shows no figure"
    assert placeholders <= set(figures), "the explain text uses a column that is not a figure"
    details = explain._details(row["program"], dict.fromkeys(figures))
    assert details[row["code"]]["kind"] == row["kind"]
    assert set(figures) <= set(details[row["code"]])


def test_explain_covers_every_criterion_of_the_catalogue():
    for program in PROGRAMS:
        codes = [row["code"] for row in CATALOGUE if row["program"] == program]
        assert list(explain._details(program, {})) == codes


def test_readme_rules_table_is_the_catalogue():
    module = _rules_table()
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    wanted = module.with_table(readme, module.render(CATALOGUE))
    assert wanted == readme, "README.md's rules table differs: run scripts/rules_table.py"
    assert len(re.findall(r"^\| `", readme.split(module.START)[1], flags=re.M)) >= len(CATALOGUE)


def test_round_bars_name_catalogue_criteria_and_carry_sources():
    amnesty_bars = {row["code"] for row in CATALOGUE if row["program"] == "amnesty"}
    for bar in _read_csv(RULES / "amnesty_round_bars.csv"):
        assert bar["criterion"] in amnesty_bars, bar["bar_id"]
        assert bar["legal_source"].strip() and bar["verify"] in {"true", "false"}, bar["bar_id"]
        assert bar["applies"] in {"true", "false"}, bar["bar_id"]


def _limits() -> set[str]:
    """The limits the rule seeds hold (14 and over: smaller ones are calendar arithmetic)."""
    columns = {
        "amnesty_rounds.csv": ["life_reduced_min_years", "stricter_life_min_years",
                               "special_stricter_life_min_years", "almost_window_days"],
        "amnesty_round_bars.csv": ["max_remaining_months", "min_term_months_exclusive",
                                   "max_term_months_inclusive"],
        "amnesty_behaviour_quarters.csv": ["min_term_months_exclusive",
                                           "max_term_months_inclusive", "quarters_required"],
        "amnesty_special_categories.csv": ["age_years"],
        "work_release_policy.csv": ["max_site_distance_km", "max_remaining_months",
                                    "min_age_years", "max_age_years_exclusive",
                                    "almost_window_days"],
        "work_release_bands.csv": ["min_term_months_exclusive", "max_term_months_inclusive",
                                   "consecutive_good_months"],
    }  # fmt: skip
    found = set()
    for name, wanted in columns.items():
        for row in _read_csv(RULES / name):
            found |= {row[c] for c in wanted if row[c] and float(row[c]) >= 14}
    return {str(int(float(value))) for value in found}


def test_no_limit_is_spelled_in_the_rules_sql_or_in_explain():
    limits = _limits()
    assert {"50", "84", "90", "96", "120"} <= limits
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(sorted(limits)) + r")(?:\.0)?(?![\w.])")
    sources = [
        *sorted((TRANSFORMS_DIR / "models").rglob("*.sql")),
        *sorted((TRANSFORMS_DIR / "macros").rglob("*.sql")),
    ]
    hits = [
        f"{path.relative_to(REPO_ROOT)}: {line.strip()}"
        for path in sources
        for line in _sql_code(path).splitlines()
        if pattern.search(line)
    ]
    python = Path(explain.__file__)
    hits += [
        f"{python.relative_to(REPO_ROOT)}: {line.strip()}"
        for line in python.read_text(encoding="utf-8").splitlines()
        if pattern.search(line.split("#", 1)[0])
    ]
    assert hits == [], "limits spelled outside the seeds:\n" + "\n".join(hits)
