"""Policy what-if for the advisory role (issue #17 §7): `clemency whatif` builds a round's
decisions under changed rules with the real dbt project into a restricted scenario area,
and compares them with the published decisions in an audited, counts-only report.

One demo-like lake (the 300 inmates of tests/test_reports.py) is built for the module, and
two scenarios on it: every parameter asked for at its catalogue value, and the Law on
Amnesty 2018 Art. 11(1) third of the term lowered to a quarter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import stat
from dataclasses import dataclass
from pathlib import Path

import adversary
import duckdb
import pytest
from conftest import DEMO_AS_OF, copy_of_demo_lake
from openpyxl import load_workbook
from test_disclosure import _assert_html_table, _hidden_values, _Page
from test_personal_data import Scanner, simulated_people
from typer.testing import CliRunner

from clemency.cli import app
from clemency.lake.audit import load_runs
from clemency.lake.layout import Lake
from clemency.paths import TRANSFORMS_DIR
from clemency.reports.i18n import t
from clemency.transform.rule_parameters import ParameterError, parameters, parse_settings

ROUND = "2025-2"
AS_OF = DEMO_AS_OF
GENERATED = dt.datetime(2025, 12, 1, 8, 0, tzinfo=dt.UTC)
runner = CliRunner()


# --- bad input: one line naming it, nothing built ------------------------------------------

BAD = [
    (["--set", "time_servd=1/4"], "time_servd"),  # unknown parameter
    (["--set", "max_prior_convictions=two"], "max_prior_convictions"),  # wrong type
    (["--set", "repeat_theft.applies=maybe"], "repeat_theft.applies"),  # wrong type
    (["--set", "time_served=0/3"], "(0, 1]"),  # a fraction outside (0, 1]
    (["--set", "time_served=4/3"], "(0, 1]"),
    (["--set", "time_served=0.25"], "a/b"),  # a fraction is a/b
    (["--set", "max_remaining_months=120"], "ambiguous"),  # several bars have a cap
    (["--set", "cutoff_date=2025-09-30"], "cutoff_date"),  # the round's date, not a rule
]


@pytest.mark.parametrize(("setting", "named"), BAD)
def test_a_setting_the_rules_cannot_take_is_refused_naming_it(setting, named):
    with pytest.raises(ParameterError) as refused:
        parse_settings(ROUND, setting[1:])
    assert named in str(refused.value) and "\n" not in str(refused.value)


def test_an_unknown_round_is_refused_naming_the_known_ones():
    with pytest.raises(ParameterError, match=r"--round 2031-1: no such amnesty round"):
        parse_settings("2031-1", ["time_served=1/4"])


def test_names_are_the_seeds_own_and_fractions_pair_numerator_and_denominator():
    known = {p.name: p for p in parameters(ROUND)}
    # Law on Amnesty 2018 Art. 11(1): a third of the term; 2025-2's remaining-term bar: 8 years
    assert known["rounds.time_served"].value == "1/3"
    assert known["rounds.time_served"].columns == (
        "time_served_numerator",
        "time_served_denominator",
    )
    assert known["round_bars.remaining_over_8y.max_remaining_months"].value == "96"
    assert (
        "1244/2025/QĐ-CTN"
        in known["round_bars.remaining_over_8y.max_remaining_months"].legal_source
    )
    (change,) = parse_settings(ROUND, ["remaining_over_8y.max_remaining_months=120"])
    assert (change.catalogue_value, change.scenario_value) == ("96", "120")
    assert not any(name.endswith(("_numerator", "_denominator", ".verify")) for name in known)


# --- the lake and two scenarios ------------------------------------------------------------


def _hashes(*folders: Path) -> dict[str, str]:
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_relative_to(folder / "scenarios")
    }


def _published(lake: Lake) -> dict[str, str]:
    """The published marts and pointer, the person-level marts, the lake's warehouse, and
    the checkout's dbt project (a scenario builds a copy, never writes the original)."""
    found = _hashes(lake.curated, lake.restricted_curated, TRANSFORMS_DIR)
    found[str(lake.warehouse)] = hashlib.sha256(lake.warehouse.read_bytes()).hexdigest()
    return found


@dataclass(frozen=True)
class Run:
    lake: Lake
    before: dict[str, str]
    after: dict[str, str]
    unchanged: dict  # the CLI's scenario for catalogue values: id, output
    lowered: dict  # time_served=1/4


def _whatif(lake: Lake, *args: str):
    return runner.invoke(app, ["whatif", "--round", ROUND, *args],
                         env={"CLEMENCY_LAKE": str(lake.root), "COLUMNS": "300"})  # fmt: skip


def _scenario_of(output: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith("scenario: "))
    return line.split()[1]


@pytest.fixture(scope="module")
def run(demo_lake_template, tmp_path_factory) -> Run:
    lake = copy_of_demo_lake(demo_lake_template, tmp_path_factory.mktemp("whatif"))
    before = _published(lake)
    known = {p.name: p for p in parameters(ROUND)}
    same = [
        f"{name}={known[name].value}"
        for name in (
            "rounds.time_served",
            "rounds.special",
            "rounds.max_prior_convictions",
            "round_bars.remaining_over_8y.max_remaining_months",
            "round_bars.repeat_theft.applies",
            "behaviour_quarters.over_15y.quarters_required",
        )
    ]
    scenarios = {}
    for key, sets in (("unchanged", same), ("lowered", ["time_served=1/4"])):
        result = _whatif(lake, *(arg for s in sets for arg in ("--set", s)), "--lang", "en")
        assert result.exit_code == 0, result.output
        scenarios[key] = {"id": _scenario_of(result.output), "output": result.output}
    return Run(lake, before, _published(lake), scenarios["unchanged"], scenarios["lowered"])


def _decisions(lake: Lake, scenario_id: str) -> dict[str, dict]:
    """person_key -> (published, scenario) decision of the round, read in the test only."""
    con = duckdb.connect()
    area = lake.scenario(scenario_id)
    rows = con.execute(
        "SELECT person_key, b.status, a.status, b.met_criteria, a.met_criteria, "
        "b.unmet_criteria, a.unmet_criteria, b.required_served_days, a.required_served_days "
        "FROM read_parquet(?) b JOIN read_parquet(?) a USING (person_key, round_id) "
        "WHERE round_id = ?",
        [str(lake.mart("amnesty_eligibility", AS_OF)), str(area.mart("amnesty_eligibility")),
         ROUND],
    ).fetchall()  # fmt: skip
    names = ["status", "status_after", "met", "met_after", "unmet", "unmet_after",
             "required", "required_after"]  # fmt: skip
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


@pytest.mark.slow
@pytest.mark.broker
def test_the_catalogues_own_values_change_nobodys_decision(run):
    assert "people who change status: 0" in run.unchanged["output"]
    decisions = _decisions(run.lake, run.unchanged["id"])
    assert len(decisions) > 100
    for person, d in decisions.items():
        assert d["status"] == d["status_after"], person
        assert (d["met"], d["unmet"]) == (d["met_after"], d["unmet_after"]), person


@pytest.mark.slow
@pytest.mark.broker
def test_a_quarter_instead_of_a_third_only_moves_people_towards_time_served(run):
    """Art. 11(1)'s fraction judges time_served alone: with a quarter, whoever served a
    third has served a quarter; nobody needs more days, nobody misses a criterion they met."""
    decisions = _decisions(run.lake, run.lowered["id"])
    newly = 0
    for person, d in decisions.items():
        if "time_served" in d["met"]:
            assert "time_served" in d["met_after"], person
        newly += "time_served" in d["met_after"] and "time_served" not in d["met"]
        assert set(d["unmet_after"]) <= set(d["unmet"]), person
        if d["required"] is not None:
            assert d["required_after"] <= d["required"], person
        if d["status"] == "eligible":
            assert d["status_after"] == "eligible", person
    assert newly > 0, "the lowered fraction lets some people meet time_served"
    changed = sum(d["status"] != d["status_after"] for d in decisions.values())
    assert f"people who change status: {changed}" in run.lowered["output"]


@pytest.mark.slow
@pytest.mark.broker
def test_the_published_marts_pointer_warehouse_and_checkout_are_untouched(run):
    assert run.before == run.after
    assert any(name.endswith("LATEST.json") for name in run.before)
    assert run.lake.latest_as_of() == AS_OF


def _report(run: Run, scenario_id: str):
    from clemency.reports.whatif_report import whatif_report

    audits: list = []
    report = whatif_report(run.lake, scenario_id, "en", generated_at=GENERATED, audits=audits)
    return report, audits[0]


@pytest.mark.slow
@pytest.mark.broker
def test_the_report_passes_the_disclosure_audit_and_prints_no_hidden_count(run):
    report, audit = _report(run, run.lowered["id"])
    assert not audit.disclosed
    assert audit.hidden, "a 300-inmate lake has small counts by agency and province"
    tables = [table for section in report.sections for table in section.tables]
    folder = run.lake.whatif_reports(run.lowered["id"])
    html = folder / f"whatif-{ROUND}-en.html"
    page = _Page()
    page.feed(html.read_text(encoding="utf-8"))
    with_rows = [table for table in tables if table.rows]
    assert len(page.tables) == len(with_rows)
    for table, printed in zip(with_rows, page.tables, strict=True):
        _assert_html_table(table, printed, "en")
    hidden = _hidden_values(audit)
    assert set(hidden) <= {"wi_agency", "wi_province"}  # national tables are always shown
    workbook = load_workbook(folder / f"whatif-{ROUND}-en.xlsx")  # the cover, then a sheet each
    for table, ws in zip(tables, workbook.worksheets[1:], strict=True):
        for r, row in enumerate(table.rows):
            for c, kind in enumerate(table.kinds):
                printed = ws.cell(row=r + 2, column=c + 1).value
                if (r, c) in table.hidden:
                    assert printed is None, (table.key, r, c)
                elif kind == "int":
                    assert printed == row[c], (table.key, r, c)
    # the changed parameter and its legal source are printed at the top
    assert any("rounds.time_served 1/3 → 1/4" in line and "Law on Amnesty 2018" in line
               for line in report.meta)  # fmt: skip
    text = html.read_text(encoding="utf-8")
    assert text.index("rounds.time_served") < text.index("<table")


def _read_whatif(run: Run, scenario_id: str, keys: list[str]) -> adversary.Reader:
    """An independent reader of the printed workbook: people per (agency, province, status
    before, status after) are the unknowns; it knows which agencies and provinces hold
    facilities (the public registry, here from the mart), that the national tables, the
    agency and the province tables add them up, and that a hidden count is at least 1
    unless its line is not broken down."""
    from clemency.reports.data import provinces
    from clemency.reports.round_report import province_label

    statuses = adversary.STATUSES
    seeds = {p["name_vi"]: p for p in provinces()}
    combos = duckdb.connect().execute(
        "SELECT DISTINCT coalesce(agency, ''), coalesce(province, '') FROM read_parquet(?) "
        "WHERE round_id = ?", [str(run.lake.mart("amnesty_eligibility", AS_OF)), ROUND]
    ).fetchall()  # fmt: skip
    combos = [(a, province_label(p, "en", seeds) or "?") for a, p in combos]
    path = run.lake.whatif_reports(scenario_id) / f"whatif-{ROUND}-en.xlsx"
    printed = adversary.from_xlsx(path, keys, "en")
    reader = adversary.Reader(5)

    def atoms(agency=None, province=None, before=None, after=None, changed=None) -> list[int]:
        return [
            reader.atom(a, p, b, c)
            for a, p in combos
            for b in statuses
            for c in statuses
            if agency in (None, a) and province in (None, p) and before in (None, b)
            and after in (None, c) and changed in (None, b != c)
        ]  # fmt: skip

    for key, dim in (("wi_status", None), ("wi_moves", None), ("wi_agency", "agency"),
                     ("wi_province", "province")):  # fmt: skip
        table = printed[key]
        lost = adversary.withheld_lines(table, "en")
        for row in [*table.rows, *([table.total] if dim else [])]:
            for c, value in enumerate(row[1:], 1):
                where = _printed_cell(key, dim, row[0], table.columns[c], c)
                floor = 0 if {row[0], table.columns[c]} & lost else 1
                reader.fact(f"{key}[{row[0]}][{table.columns[c]}]", atoms(**where), value, floor)
    return reader


def _printed_cell(key: str, dim: str | None, row: str, header: str, c: int) -> dict:
    """The people a printed cell counts, from its table, row label and column header."""

    def state(label: str) -> str:
        bare = label.removeprefix("Before: ").removeprefix("After: ")
        return next(s for s in adversary.STATUSES if bare == t(s, "en"))

    if key == "wi_status":
        return {"before" if c == 1 else "after": state(row)}
    if key == "wi_moves":
        after = {"after": state(header)} if header.startswith("After: ") else {}
        return {"before": state(row), **after}
    place = {} if row == t("total", "en") else {dim: "" if row == "Unknown" else row}
    if header.startswith("Before: "):
        return {**place, "before": state(header)}
    if header.startswith("After: "):
        return {**place, "after": state(header)}
    return place if c == 1 else {**place, "changed": True}


@pytest.mark.slow
@pytest.mark.broker
def test_an_independent_reader_of_the_workbook_derives_no_hidden_count(run):
    report, audit = _report(run, run.lowered["id"])
    keys = [table.key for section in report.sections for table in section.tables]
    reader = _read_whatif(run, run.lowered["id"], keys)
    intervals = reader.intervals()
    assert len(intervals) >= len(audit.hidden), "the reader sees every hidden count"
    assert not reader.disclosed()


@pytest.mark.slow
@pytest.mark.broker
def test_the_reader_derives_counts_when_only_small_ones_are_hidden(run, monkeypatch):
    """The reader is strong enough to matter: without complements it derives cells."""
    import clemency.reports.whatif_report as whatif_report
    from clemency.reports import disclosure

    def primary_only(model):
        disclosure.primary(model)
        return disclosure.audit(model)

    monkeypatch.setattr(whatif_report, "protect", primary_only)
    out = run.lake.root / "primary-only"
    whatif_report.build_whatif_report(run.lake, run.lowered["id"], "en", generated_at=GENERATED,
                                      out_dir=out)  # fmt: skip
    report, _ = _report(run, run.lowered["id"])
    keys = [table.key for section in report.sections for table in section.tables]
    monkeypatch.setattr(run.lake, "whatif_reports", lambda _: out)
    assert len(_read_whatif(run, run.lowered["id"], keys).disclosed()) > 3


@pytest.mark.slow
@pytest.mark.broker
def test_the_scenario_is_restricted_and_the_report_names_nobody(run):
    lake = run.lake
    for scenario in (run.unchanged["id"], run.lowered["id"]):
        area = lake.scenario(scenario).root
        for folder in (lake.restricted, lake.scenarios, area):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        opened = [p for p in area.rglob("*") if stat.S_IMODE(p.stat().st_mode) & 0o077]
        assert not opened, opened[:3]
        # its warehouse (a copy of every citizen ID) is gone; its decisions stay
        assert not lake.scenario(scenario).warehouse.exists()
        assert lake.scenario(scenario).mart("amnesty_eligibility").exists()
    people = simulated_people()
    scanner = Scanner(people.ids | people.names)
    reports = sorted(p for p in (lake.reports / "whatif").rglob("*") if p.is_file())
    assert len(reports) >= 4  # HTML and XLSX of each scenario
    hits = [hit for path in reports for hit in scanner.file(path, path.name)]
    assert not hits, hits[:3]
    records = [r for r in load_runs(lake) if r.command == "whatif"]
    assert {r.run_id for r in records} == {run.unchanged["id"], run.lowered["id"]}
    for record in records:  # the scenario's id is its run id; its trail names nobody
        assert record.status == "succeeded"
        assert not scanner.content(str(record).encode(), record.run_id)


@pytest.mark.slow
@pytest.mark.broker
@pytest.mark.parametrize(("setting", "named"), [*BAD, (["--as-of", "2025-13-01"], "--as-of")])
def test_bad_input_is_one_line_and_builds_nothing(run, setting, named):
    lake = run.lake
    scenarios = sorted(lake.scenarios.iterdir())
    result = _whatif(lake, *setting)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and named in lines[0], result.output
    assert sorted(lake.scenarios.iterdir()) == scenarios


@pytest.mark.slow
@pytest.mark.broker
def test_an_unknown_round_from_the_command_line_builds_nothing(run):
    scenarios = sorted(run.lake.scenarios.iterdir())
    result = runner.invoke(app, ["whatif", "--round", "2019-1", "--set", "time_served=1/4"],
                           env={"CLEMENCY_LAKE": str(run.lake.root), "COLUMNS": "300"})  # fmt: skip
    assert result.exit_code == 1
    assert "--round 2019-1: no such amnesty round (rounds: 2025-1, 2025-2)" in result.output
    assert sorted(run.lake.scenarios.iterdir()) == scenarios
