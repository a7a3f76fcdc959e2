"""Suppression that is proven, not hoped (issue #14 §1).

From the source: the demo's agency table, where per-table suppression hid a cell that the
printed totals give away. Then random tables, each checked by a brute-force or integer
program written here (not the audit under test), and built reports read back from their
HTML, XLSX and PDF by a reader who tries to derive every hidden count (`adversary.py`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import adversary
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from scipy.optimize import Bounds, LinearConstraint, milp

from clemency.lake.audit import load_runs
from clemency.reports import disclosure
from clemency.reports.data import Table
from clemency.reports.disclosure import (
    DisclosureError,
    DisclosureModel,
    Place,
    apply,
    protect,
    register_table,
)
from clemency.reports.i18n import number, t
from clemency.reports.privacy import MARK, suppress
from clemency.reports.round_report import count_table

GENERATED = dt.datetime(2025, 12, 1, 8, 0, tzinfo=dt.UTC)
STATUSES = ["eligible", "almost_eligible", "ineligible", "excluded"]

# --- the demo breach, from the source ------------------------------------------------------

# The 2025-2 agency table: MND's one "almost eligible" person, an "unknown agency" row of
# zeros, the national totals printed underneath.
AGENCIES = ["MoPS", "MND", "unknown"]
BREACH = [[8_200, 125, 4_100, 700], [310, 1, 150, 40], [0, 0, 0, 0]]


def _interval_of_printed_grid(cells, visible, row_totals, column_totals, target, floor):
    """[least, greatest] of cell `target` given the printed grid: visible cells, row and
    column totals, non-negative integers, hidden cells at least `floor`."""
    height, width = len(cells), len(cells[0])
    n = height * width
    rows, lower, upper = [], [], []

    def add(indices, lo, hi):
        row = np.zeros(n)
        row[indices] = 1
        rows.append(row)
        lower.append(lo)
        upper.append(hi)

    for r, c in itertools.product(range(height), range(width)):
        i = r * width + c
        add([i], *((cells[r][c],) * 2 if visible[r][c] else (floor, np.inf)))
    for r, total in enumerate(row_totals):
        if total is not None:
            add([r * width + c for c in range(width)], total, total)
    for c, total in enumerate(column_totals):
        add([r * width + c for r in range(height)], total, total)
    constraint = LinearConstraint(np.array(rows), lower, upper)
    objective = np.zeros(n)
    objective[target[0] * width + target[1]] = 1
    ends = []
    for sense in (1, -1):
        result = milp(sense * objective, integrality=np.ones(n), bounds=Bounds(0, np.inf),
                      constraints=[constraint], options={"mip_rel_gap": 0})  # fmt: skip
        ends.append(round(sense * result.fun))
    return tuple(ends)


def test_the_old_per_table_suppression_leaves_the_demo_breach_derivable():
    old = suppress(BREACH, threshold=5, row_totals=True)
    assert (1, 1) in old.hidden  # MND's almost-eligible count is hidden...
    assert (2, 1) in old.hidden and BREACH[2][1] == 0  # ...with a zero of "unknown"
    visible = [[cell is not None for cell in row] for row in old.cells]
    column_totals = [sum(col) for col in zip(*BREACH, strict=True)]  # printed: 126
    # the old rule hides zeros, so a hidden cell may be 0: even so the totals pin it
    assert _interval_of_printed_grid(
        BREACH, visible, old.row_totals, column_totals, (1, 1), floor=0
    ) == (1, 1)  # 126 - 125


def _agency_model(cells: list[list[int]], threshold: int = 5) -> tuple[DisclosureModel, Table]:
    model = DisclosureModel(threshold)
    atoms = {(a, s): cells[i][j] for i, a in enumerate(AGENCIES) for j, s in enumerate(STATUSES)}
    model.family("people", ("agency", "status"), atoms)
    table = count_table("agency", "By agency", ["Agency"], [[a] for a in AGENCIES], STATUSES,
                        [list(row) for row in cells], "en", total_header="Considered")  # fmt: skip
    columns = {1: (None, {}), **{2 + j: (None, {"status": s}) for j, s in enumerate(STATUSES)}}
    register_table(model, table, [("people", {"agency": a}) for a in AGENCIES], columns,
                   total=True, protected_total=True)  # fmt: skip
    return model, table


def test_the_new_protection_leaves_nothing_of_the_demo_breach_derivable():
    model, table = _agency_model(BREACH)
    protect(model)
    apply(model, [table], "en")
    assert table.rows[1][3] is None  # MND "almost eligible" (column 3: after considered)
    assert table.rows[2][1:] == [0, 0, 0, 0, 0]  # zeros stay printed
    cells = [row[2:] for row in table.rows]
    visible = [[v is not None for v in row] for row in cells]
    row_totals = [row[1] for row in table.rows]
    totals = table.total[2:]
    for r, c in itertools.product(range(3), range(4)):
        if not visible[r][c]:  # the new rule never hides a zero: a hidden cell is >= 1
            lo, hi = _interval_of_printed_grid(BREACH, visible, row_totals, totals, (r, c), 1)
            assert lo <= BREACH[r][c] <= hi
            assert hi - lo >= 5 and hi >= 5, (AGENCIES[r], STATUSES[c], lo, hi)


def test_a_cell_nothing_can_protect_fails_the_build_naming_it():
    # one small count whose only neighbours are national figures: a - b, both printed
    model = DisclosureModel(5)
    model.family("people", ("who",), {("a",): 2, ("b",): 8})
    family = model.families["people"]
    national = Place("national", "National totals", 0, 1, "Everyone", "People")
    small = Place("national", "National totals", 1, 1, "Group A", "People")
    other = Place("national", "National totals", 2, 1, "Group B", "People")
    model.show("people", family.select(), 10, national, protected=True)
    model.show("people", family.select(who="a"), 2, small)
    model.show("people", family.select(who="b"), 8, other, protected=True)
    with pytest.raises(DisclosureError) as raised:
        protect(model)
    message = str(raised.value)
    assert "\n" not in message
    assert "'National totals'" in message and "'Group A'" in message and "'People'" in message
    assert "2" not in message.replace("'", "")  # the error names the cell, not its value


def test_one_mark_for_every_hidden_cell():
    # "<5" would prove a count under 5 while "–" only hides: the report uses one mark
    model, table = _agency_model(BREACH)
    protect(model)
    apply(model, [table], "en")
    from clemency.reports.html import cell_text

    shown = {cell_text(table, r, c, None, "en") for (r, c) in table.hidden}
    assert shown == {MARK}


# --- random families, checked by brute force or an integer program written here -----------

COUNTS = [0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 9, 12, 30]


@st.composite
def status_families(draw):
    """Facilities (each in an agency and a province, so that some agency or province has
    one facility, some facility one status), counts with zeros and single small cells."""
    facilities = [f"F{i}" for i in range(draw(st.integers(1, 4)))]
    statuses = STATUSES[: draw(st.integers(2, 3))]
    agency = {f: draw(st.sampled_from(["A", "B"])) for f in facilities}
    province = {f: draw(st.sampled_from(["P", "Q", "R"])) for f in facilities}
    counts = {f: [draw(st.sampled_from(COUNTS)) for _ in statuses] for f in facilities}
    return facilities, statuses, agency, province, counts, draw(st.sampled_from([3, 5]))


def _status_report(case):
    """The facility, agency and province tables of a family, through the report's own
    table builder and registration, then protected and applied."""
    facilities, statuses, agency, province, counts, threshold = case
    model = DisclosureModel(threshold)
    family = model.family(
        "status",
        ("facility", "agency", "province", "status"),
        {(f, agency[f], province[f], s): counts[f][j] for f in facilities
         for j, s in enumerate(statuses)},
    )  # fmt: skip
    assert family.keys
    columns = {1: (None, {}), **{2 + j: (None, {"status": s}) for j, s in enumerate(statuses)}}
    tables = []
    for key, groups in [
        ("facility", {f: [f] for f in facilities}),
        ("agency", _groups(agency)),
        ("province", _groups(province)),
    ]:
        labels = list(groups)
        grid = [
            [sum(counts[f][j] for f in groups[g]) for j in range(len(statuses))] for g in labels
        ]
        table = count_table(key, key, [key], [[g] for g in labels], list(statuses), grid, "en",
                            total_header="Considered")  # fmt: skip
        rows = [("status", {key: g}) for g in labels]
        register_table(model, table, rows, columns, total=True, protected_total=True)
        tables.append(table)
    protect(model)
    apply(model, tables, "en")
    withheld = {(table, kind, index) for table, kind, index in model.withheld}
    return {table.key: table for table in tables}, withheld


def _groups(of: dict[str, str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for f, g in of.items():
        groups.setdefault(g, []).append(f)
    return groups


def _printed_facts(case, tables, withheld):
    """Every printed count as (where, facility-status cells it adds up, value or None,
    the least a hidden one can be)."""
    facilities, statuses, agency, province, counts, threshold = case
    facts = []
    for key, groups in [("facility", {f: [f] for f in facilities}), ("agency", _groups(agency)),
                        ("province", _groups(province))]:  # fmt: skip
        table = tables[key]
        for r, row in enumerate(table.rows):
            members = groups[row[0]]
            for c in range(1, len(table.columns)):
                chosen = statuses if c == 1 else [statuses[c - 2]]
                cells = [(f, s) for f in members for s in chosen]
                lost = (key, "row", r) in withheld or (key, "column", c) in withheld
                facts.append(((key, row[0], table.columns[c]), cells, row[c], 0 if lost else 1))
        for c in range(1, len(table.columns)):
            chosen = statuses if c == 1 else [statuses[c - 2]]
            cells = [(f, s) for f in facilities for s in chosen]
            facts.append(((key, "total", table.columns[c]), cells, table.total[c], 1))
    # a count printed twice (a province of one facility is that facility's row) is one
    # count: withheld in one table, it may be 0 wherever it is printed
    lost = {frozenset(cells) for _, cells, _, floor in facts if floor == 0}
    return [(w, cells, v, 0 if frozenset(cells) in lost else floor) for w, cells, v, floor in facts]


def _brute_force(case, facts):
    """Every assignment of the facility-status cells the printed counts leave open."""
    facilities, statuses, *_ = case
    known = {
        cells[0]: value
        for _, cells, value, _ in facts
        if len(cells) == 1 and isinstance(value, int)
    }
    keys, values = _facility_values(case)
    national = {s: sum(v for (_, c), v in zip(keys, values, strict=True) if c == s)
                for s in statuses}  # fmt: skip
    free = [(f, s) for f in facilities for s in statuses if (f, s) not in known]
    ranges = [range(national[s] + 1) for _, s in free]
    if np.prod([len(r) for r in ranges], dtype=float) > 4000:
        return None
    seen: dict = {}
    for chosen in itertools.product(*ranges):
        cell = {**known, **dict(zip(free, chosen, strict=True))}
        totals = [sum(cell[x] for x in cells) for _, cells, _, _ in facts]
        if all(_consistent(total, fact) for total, fact in zip(totals, facts, strict=True)):
            for total, (where, _, value, _) in zip(totals, facts, strict=True):
                if not isinstance(value, int):
                    lo, hi = seen.get(where, (total, total))
                    seen[where] = (min(lo, total), max(hi, total))
    return seen


def _consistent(total: int, fact) -> bool:
    _, _, value, floor = fact
    return total == value if isinstance(value, int) else total >= floor


def _facility_values(case):
    facilities, statuses, _, _, counts, _ = case
    keys = [(f, s) for f in facilities for s in statuses]
    return keys, [counts[f][j] for f in facilities for j in range(len(statuses))]


def _integer_program(case, facts):
    keys, _ = _facility_values(case)
    index = {key: i for i, key in enumerate(keys)}
    rows, lower, upper = [], [], []
    for _, cells, value, floor in facts:
        row = np.zeros(len(keys))
        row[[index[c] for c in cells]] = 1
        rows.append(row)
        lower.append(value if isinstance(value, int) else floor)
        upper.append(value if isinstance(value, int) else np.inf)
    constraint = LinearConstraint(np.array(rows), lower, upper)
    found = {}
    for where, cells, value, _ in facts:
        if isinstance(value, int):
            continue
        c = np.zeros(len(keys))
        c[[index[x] for x in cells]] = 1
        ends = []
        for sense in (1, -1):
            result = milp(sense * c, integrality=np.ones(len(keys)), bounds=Bounds(0, np.inf),
                          constraints=[constraint], options={"mip_rel_gap": 0})  # fmt: skip
            assert result.status == 0, result.message
            ends.append(round(sense * result.fun))
        found[where] = tuple(ends)
    return found


@given(status_families())
def test_random_families_never_leave_a_derivable_hidden_cell(case):
    facilities, statuses, agency, province, counts, threshold = case
    tables, withheld = _status_report(case)
    facts = _printed_facts(case, tables, withheld)
    intervals = _brute_force(case, facts)
    if intervals is None:
        intervals = _integer_program(case, facts)
    for where, (lo, hi) in intervals.items():
        assert not (lo >= 1 and (hi - lo < threshold or hi < threshold)), (where, lo, hi)
    truth = {}
    for (key, row, column), cells, _, floor in facts:
        value = sum(counts[f][statuses.index(s)] for f, s in cells)
        truth[(key, row, column)] = value
        printed = next(v for w, _, v, _ in facts if w == (key, row, column))
        if row != "total" and 0 < value < threshold and value != _national_value(case, cells):
            assert printed is None, (key, row, column)  # every small count is hidden
        if printed is None and value == 0:
            assert floor == 0, (key, row, column)  # a zero is hidden only when withheld


def _national_value(case, cells):
    """The national figure with exactly these cells, if any (a facility that is the whole
    country prints the national figures, which stay visible)."""
    facilities, statuses, _, _, counts, _ = case
    for s in statuses:
        if sorted(cells) == sorted((f, s) for f in facilities):
            return sum(counts[f][statuses.index(s)] for f in facilities)
    if sorted(cells) == sorted((f, s) for f in facilities for s in statuses):
        return sum(map(sum, counts.values()))
    return None


# --- built reports, read back --------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hand-written lake of test_report_hostile (small facilities, 1–2 people per cell)."""
    from test_report_hostile import _write_lake

    return _write_lake(tmp_path_factory.mktemp("disclosure-hostile") / "lake")


def _round_report(source, lang="vi"):
    from clemency.reports.round_report import round_report

    audits: list = []
    report = round_report(source, "2025-2", lang=lang, generated_at=GENERATED, audits=audits)
    return report, audits[0]


def test_a_reader_of_the_hostile_report_derives_no_hidden_cell(hostile):
    report, audit = _round_report(hostile)
    assert audit.hidden_cells[disclosure.PRIMARY] > 0
    reader = adversary.read_round_report(adversary.from_report(report), "vi", 5)
    assert reader.intervals(), "the reader audits the hidden cells"
    assert not reader.disclosed()


def test_the_reader_catches_primary_suppression_alone(hostile, monkeypatch):
    """The reader is strong enough to matter: without complements it derives cells."""
    import clemency.reports.round_report as round_report

    def primary_only(model):
        disclosure.primary(model)
        return disclosure.audit(model)

    monkeypatch.setattr(round_report, "protect", primary_only)
    report, _ = _round_report(hostile)
    reader = adversary.read_round_report(adversary.from_report(report), "vi", 5)
    assert len(reader.disclosed()) > 5


def test_the_work_release_report_is_audited_too(hostile):
    from clemency.reports.work_release_report import work_release_report

    audits: list = []
    report = work_release_report(hostile, 2025, generated_at=GENERATED, audits=audits)
    (audit,) = audits
    assert not audit.disclosed and audit.hidden_cells[disclosure.PRIMARY] > 0
    facility = next(tb for s in report.sections for tb in s.tables if tb.key == "wr_facility")
    assert facility.hidden and all(facility.rows[r][c] is None for r, c in facility.hidden)
    annex = next(tb for s in report.sections for tb in s.tables if tb.key == "dq_disclosure")
    assert annex.rows[1][1] == number(audit.hidden_cells[disclosure.PRIMARY], "vi")


# the demo-like lake of tests/test_reports.py (its module fixture, built again here)
from test_reports import lake  # noqa: E402,F401


@pytest.fixture(scope="module")
def built(lake, tmp_path_factory):  # noqa: F811
    from clemency.reports.round_report import build_round_report

    files = build_round_report(lake, "2025-2", tmp_path_factory.mktemp("disclosure"),
                               generated_at=GENERATED)  # fmt: skip
    report, audit = _round_report(lake)
    tables = [table for section in report.sections for table in section.tables]
    return files, report, audit, tables


def _hidden_values(audit) -> dict[str, set[int]]:
    """Per table key, the true values of its hidden counts."""
    found: dict[str, set[int]] = {}
    for q in audit.hidden:
        for place in q.places:
            found.setdefault(place.table, set()).add(q.value)
    return found


class _Page(HTMLParser):
    """The tables (thead, tbody, tfoot cell texts), notes and chart texts, in page order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, list[list[str]]]] = []
        self.notes: list[str] = []
        self.charts: list[list[str]] = []
        self.part = ""
        self.note = False
        self.text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"thead": [], "tbody": [], "tfoot": []})
        elif tag in ("thead", "tbody", "tfoot"):
            self.part = tag
        elif tag == "tr" and self.tables:
            self.tables[-1][self.part].append([])
        elif tag == "svg" and attrs.get("role") == "img":
            self.charts.append([])
        if tag in ("td", "th", "p", "text"):
            self.text = []
            self.note = tag == "p" and attrs.get("class") == "note"

    def handle_endtag(self, tag):
        if self.text is None or tag not in ("td", "th", "p", "text"):
            return
        text = "".join(self.text)
        if tag in ("td", "th") and self.tables:
            self.tables[-1][self.part][-1].append(text)
        elif tag == "p" and self.note:
            self.notes.append(text)
        elif tag == "text" and self.charts:
            self.charts[-1].append(text)
        self.text = None

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)


@pytest.mark.slow
@pytest.mark.broker
def test_every_hidden_cell_prints_as_the_mark_and_no_text_prints_its_value(built):
    files, report, audit, tables = built
    lang = report.lang
    hidden_values = _hidden_values(audit)
    assert audit.hidden, "a 300-inmate lake has small cells"
    page = _Page()
    page.feed(files["html"].read_text(encoding="utf-8"))
    with_rows = [table for table in tables if table.rows]
    assert len(page.tables) == len(with_rows)
    for table, html in zip(with_rows, page.tables, strict=True):
        _assert_html_table(table, html, lang)
    # every note, in page order; a table's notes never print one of its hidden counts
    expected = [(table, note) for table in tables for note in table.notes]
    assert [note for _, note in expected] == page.notes
    for table, note in expected:
        if table.key in hidden_values:
            _assert_note_prints_no_hidden_count(table, note, hidden_values[table.key], lang)
    # every chart prints national figures only: values its table shows
    charted = [table for table in tables if table.chart and table.chart_data]
    assert len(page.charts) >= len(charted)
    for table in charted:
        for label, value in table.chart_data["items"]:
            rows = [row for row in table.rows if row[0] == label]
            shown = {row[-1] for row in rows} | {
                sum(v for v in row[2:] if isinstance(v, int)) for row in rows
            }
            assert value in shown, (table.key, label)
    _assert_workbook(files["xlsx"], tables, hidden_values, lang)


def _assert_html_table(table: Table, html: dict[str, list[list[str]]], lang: str) -> None:
    """A hidden count shows the mark; every visible count shows its own value."""
    for r, row in enumerate(table.rows):
        for c, kind in enumerate(table.kinds):
            shown = html["tbody"][r][c]
            if (r, c) in table.hidden:
                assert shown == MARK, (table.key, r, c)
            elif kind == "int" and row[c] is not None:
                assert shown == number(row[c], lang), (table.key, r, c)
    for c, value in enumerate(table.total or []):
        if value is MARK:
            assert html["tfoot"][0][c] == MARK, (table.key, c)


def _assert_note_prints_no_hidden_count(table: Table, note: str, hidden: set[int], lang: str):
    """A note is one of the fixed texts, or holds no number equal to a hidden count of its
    table (its own labels aside: "Aged 70 or over" is a label, not a count)."""
    threshold = table.threshold
    if note == t("privacy_note_audited", lang, threshold=threshold):
        return
    prefix, _, suffix = t("withheld_note", lang, lines="\x00").partition("\x00")
    if note.startswith(prefix) and note.endswith(suffix):
        named = note[len(prefix) : len(note) - len(suffix)]
        labels = {str(c) for c in table.columns} | {str(r[0]) for r in table.rows}
        assert adversary._split(named, labels), note  # only labels
        return
    text = note
    for label in sorted({str(c) for c in table.columns} | {str(r[0]) for r in table.rows},
                        key=len, reverse=True):  # fmt: skip
        text = text.replace(label, " ")
    printed = {int(n.replace(".", "").replace(",", "")) for n in adversary.NUMBER.findall(text)}
    assert not printed & hidden, (table.key, note)


def _assert_workbook(path: Path, tables: list[Table], hidden: dict[str, set[int]], lang: str):
    """Every cell of every sheet: hidden counts empty (totals: the mark), visible counts
    their values, the notes those of the table (after the workbook's own)."""
    assert len(load_workbook(path).worksheets) == len(tables) + 1  # the cover, then one each
    workbook = adversary.from_xlsx(path, [tb.key for tb in tables], lang)
    for table in tables:
        printed = workbook[table.key]
        for r, row in enumerate(table.rows):
            for c, kind in enumerate(table.kinds):
                if (r, c) in table.hidden:
                    assert printed.rows[r][c] is None, (table.key, r, c)
                elif kind == "int":
                    assert printed.rows[r][c] == row[c], (table.key, r, c)
        for c, value in enumerate(table.total or []):
            if value is MARK:
                assert printed.total[c] == MARK, (table.key, c)
        notes = [n for n in printed.notes if n != t("xlsx_suppressed_note", lang,
                                                     threshold=table.threshold)]  # fmt: skip
        assert notes == [str(n) for n in table.notes], table.key
        for note in notes:
            if table.key in hidden:
                _assert_note_prints_no_hidden_count(table, note, hidden[table.key], lang)


@pytest.mark.slow
@pytest.mark.broker
def test_the_pdf_prints_every_hidden_cell_as_the_mark(built):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    files, report, audit, tables = built
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(files["pdf"]), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    from clemency.reports.html import cell_text

    # every text the PDF prints, from the report: the marks must be exactly these
    texts = [report.title, *report.meta, *(label for label, _ in report.cards)]
    for section in report.sections:
        texts.append(section.title)
        for table in section.tables:
            texts += [table.title, *table.columns, *table.notes]
            if table.chart_data:
                texts += [
                    table.chart_data["title"],
                    *(str(x) for x, _ in table.chart_data["items"]),
                ]
            texts += [cell_text(table, r, c, v, report.lang) for r, row in enumerate(table.rows)
                      for c, v in enumerate(row)]  # fmt: skip
            texts += [cell_text(table, None, c, v, report.lang) for c, v in
                      enumerate(table.total or [])]  # fmt: skip
    marks = sum(len(table.hidden) for table in tables)
    assert marks and text.count(MARK) == sum(x.count(MARK) for x in texts)
    flat = "".join(text.split())
    for table in tables:
        for note in table.notes:
            assert "".join(note.split())[:60] in flat, (table.key, note)


@pytest.mark.slow
@pytest.mark.broker
def test_a_reader_of_the_workbook_derives_no_hidden_cell(built):
    files, report, audit, tables = built
    printed = adversary.from_xlsx(files["xlsx"], [table.key for table in tables], report.lang)
    reader = adversary.read_round_report(printed, report.lang, 5)
    assert reader.intervals(), "the reader audits the hidden cells"
    assert not reader.disclosed()


@pytest.mark.slow
@pytest.mark.broker
def test_the_annex_and_the_run_record_carry_the_audit(built, lake):  # noqa: F811
    files, report, audit, tables = built
    annex = next(table for table in tables if table.key == "dq_disclosure")
    values = {row[0]: row[1] for row in annex.rows}
    assert values[t("dq_hidden_primary")] == number(audit.hidden_cells[disclosure.PRIMARY])
    assert values[t("dq_hidden_complementary")] == number(audit.hidden_cells[disclosure.COMPLEMENT])
    assert values[t("dq_tables_audited")].startswith(f"{len(audit.tables)}: ")
    lo, hi = audit.narrowest[1:]
    assert (
        values[t("dq_narrowest")] == f"[{lo:.0f}, {hi:.0f}] · {audit.narrowest[0].places[0].title}"
    )
    assert hi - lo >= 5  # the narrowest is still at least the threshold wide
    marks = sum(len(table.hidden) for table in tables)
    totals = sum(1 for table in tables for v in (table.total or []) if v is MARK)
    assert marks + totals == sum(audit.hidden_cells.values())  # every hidden print is a mark
    (run,) = [r for r in load_runs(lake, command="report")
              if any(o["path"].endswith(files["html"].name) for o in r.outputs)][:1]  # fmt: skip
    recorded = run.outputs[0]["disclosure_audit"]
    assert recorded["seconds"] >= 0 and recorded["hidden_cells"] == audit.hidden_cells


# --- the courts' review channel (Decision 1244): its cells are no difference of totals ----


@pytest.mark.slow
@pytest.mark.broker
def test_a_reader_derives_no_hidden_courts_cell_from_the_printed_totals(built):
    """The demo has one person on suspension at the cutoff: the courts table hides that
    court's count, and the reader, who knows the national figures, the MoPS and MND rows,
    every facility's total and the courts table's own totals, still cannot pin it."""
    files, report, audit, tables = built
    courts = next(table for table in tables if table.key == "courts")
    assert courts.rows and courts.hidden, "the demo's court cell is small: it must be hidden"
    agency = next(table for table in tables if table.key == "agency")
    assert t("col_court") in [row[0] for row in agency.rows]  # the third channel's row
    reader = adversary.read_round_report(adversary.from_report(report), report.lang, 5)
    intervals = reader.intervals()
    hidden = {where: span for where, span in intervals.items() if where.startswith("courts/")}
    assert hidden, "the reader tries the courts table's hidden cells"
    assert all(hi - lo >= 5 for lo, hi in hidden.values()), hidden
    assert not reader.disclosed()


@pytest.mark.slow
@pytest.mark.broker
def test_without_complements_the_courts_cell_is_national_minus_the_agencies(lake, monkeypatch):  # noqa: F811
    """The reader is strong enough to matter for the courts: with primary suppression only,
    the court's considered count is the national total less the MoPS and MND rows."""
    import clemency.reports.round_report as round_report

    def primary_only(model):
        disclosure.primary(model)
        return disclosure.audit(model)

    monkeypatch.setattr(round_report, "protect", primary_only)
    report, _ = _round_report(lake)
    reader = adversary.read_round_report(adversary.from_report(report), "vi", 5)
    assert any(where.startswith(("courts/", "agency/")) for where, _ in reader.disclosed())
