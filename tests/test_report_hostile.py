"""Hostile text in every data-derived field the reports show: nothing is evaluated or executed.

Facility, site, province and agency names, reasons, nationalities, rule versions, decision
numbers, run ids and topic names come from external systems. A small lake is written by
hand (raw events, curated marts, ledger, quarantine, validation results; no dbt) with
such strings in every one of them, and the real builders write HTML, XLSX and PDF from it.
The outputs are then read back with real parsers: openpyxl, html.parser, pdftotext.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from clemency.lake.layout import Lake
from clemency.reports import safe_text
from clemency.reports.i18n import t

ROUND = "2025-2"
HOSTILE_ROUND = "=1+1/../../<script>alert('round')</script>"
AS_OF = dt.date(2025, 11, 30)
GENERATED = dt.datetime(2025, 12, 1, 8, 0, tzinfo=dt.UTC)
UTC = dt.UTC
VIETNAM = dt.timezone(dt.timedelta(hours=7))

# Names a facility or court system could publish. Keys name the attack.
HOSTILE = {
    "hyperlink": '=HYPERLINK("http://x","y")',
    "dde": "+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at": "@SUM(1)",
    "tab": "\t=1+2",
    "cr": "\r=3+4",
    "lf": "\n=5+6",
    "error_code": "#REF!",
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "svg": "</svg><script>alert(2)</script>",
    "entity": "&lt;i&gt;&amp;",
    "javascript": "javascript:alert(3)",
    "markup": "<b>bold</b><font color=red>red</font>",
    "control": "bell\x07nul\x00esc\x1bdel\x7fend",
    "rtl": "Trại RTL \u202egnp.exe\u202c xong",
    "noncharacter": "not\uffffchar",
    "long": "L" * 6000,
    "vietnamese": "Trại giam Xuân Lộc",
}
# the rest of the report data
AGENCY = "@SUM(1)<script>alert('agency')</script>"
PROVINCE = '=HYPERLINK("javascript:alert(\'province\')","Hà Nội")'
REASON = "=cmd|'/C calc'!A0 <script>alert('reason')</script>"
NATIONALITY = "+<img src=x onerror=alert('nat')>"
RULES = "-<b>rules</b>"
DECISION = "</title><script>alert('decision')</script>"
SITE = "@site\u202e<svg onload=alert('site')>"
RETURN_REASON = "=1+1<script>alert('return')</script>"
RUN = "=run<script>alert('run')</script>"
SUITE = "+suite</style><script>alert('suite')</script>"
TOPIC = "-topic\"><script>alert('topic')</script>"
QUARANTINE_REASON = "@q<script>alert('quarantine')</script>"
STRINGS = [*HOSTILE.values(), AGENCY, PROVINCE, REASON, NATIONALITY, RULES, DECISION, SITE,
           RETURN_REASON, RUN, SUITE, TOPIC, QUARANTINE_REASON]  # fmt: skip


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)


def _write_lake(root: Path) -> Lake:
    """Raw events, both marts, a ledger, a quarantine file and a validation result."""
    lake = Lake(root)
    facilities = {f"F{i:02d}": name for i, name in enumerate(HOSTILE.values())}
    events = []

    def add(kind, payload, day, person=None, source="F00", topic="facility.events"):
        events.append(
            {"event_type": kind, "payload": json.dumps(payload), "person_id": person,
             "source_id": source, "kafka_topic": topic, "recorded_at": _at(day),
             "occurred_at": _at(day)}
        )  # fmt: skip

    for i, (facility_id, name) in enumerate(facilities.items()):
        add(
            "facility.registered",
            {"facility_id": facility_id, "name": name, "kind": "prison",
             "agency": AGENCY if i % 5 == 1 else "MoPS",
             "province": PROVINCE if i % 3 == 0 else "Hà Nội",
             "work_sites": [{"site_id": f"{SITE}{i}", "distance_km": 12.5},
                            {"site_id": f"{name}-S", "distance_km": 80}]},
            "2025-01-02",
            source=facility_id,
            topic=TOPIC if i == 0 else "facility.events",
        )  # fmt: skip
    add(
        "amnesty_round.declared",
        {"round_id": ROUND, "decision_no": DECISION, "signed_date": "2025-07-03",
         "cutoff_date": "2025-08-31", "rule_version": RULES},
        "2025-07-03",
        source="CTN",
        topic="registry.events",
    )  # fmt: skip
    statuses = ["eligible", "almost_eligible", "ineligible", "excluded"]
    amnesty, work_release = [], []
    for i, facility_id in enumerate(facilities):
        for n in range(7):
            person = f"P{i:02d}{n}"
            status = statuses[(i + n) % 4]
            unmet = [] if status == "eligible" else ["time_served", REASON]
            common = {
                "person_key": f"k{i:02d}{n}", "as_of_date": AS_OF, "status": status,
                "unmet_criteria": unmet, "facility_id": facility_id,
                "agency": AGENCY if i % 5 == 1 else "MoPS",
                "review_channel": AGENCY if i % 5 == 1 else "MoPS", "court_id": None,
                "province": PROVINCE if i % 3 == 0 else "Hà Nội", "rule_version": RULES,
            }  # fmt: skip
            nationality = {0: NATIONALITY, 1: "#N/A"}.get(n, "VN") if i == 0 else "VN"
            amnesty.append(
                {**common, "round_id": ROUND, "special_categories": [], "nationality": nationality}
            )  # fmt: skip
            if i < 2:
                amnesty.append(
                    {**common, "round_id": HOSTILE_ROUND, "special_categories": [],
                     "nationality": "VN"}
                )  # fmt: skip
            placed = n < 2
            work_release.append(
                {**common, "policy_id": RULES, "nearest_site_km": 12.5,
                 "max_site_distance_km": 50.0, "is_placed_on_work_release": placed,
                 "work_release_site_id": f"{SITE}{i}" if placed else None}
            )  # fmt: skip
            if n < 3:
                add("amnesty.proposed", {"round_id": ROUND, "date": "2025-07-20"}, "2025-07-20",
                    person=person, source=facility_id)  # fmt: skip
                add("work_release.placed", {"site_id": f"{SITE}{i}", "date": "2025-03-01"},
                    "2025-03-01", person=person, source=facility_id)  # fmt: skip
                add("work_release.returned",
                    {"site_id": f"{SITE}{i}", "date": "2025-06-01",
                     "reason": RETURN_REASON if n else "violation"},
                    "2025-06-01", person=person, source=facility_id)  # fmt: skip
    raw = lake.raw / "facility.events" / "partition=0"
    raw.mkdir(parents=True)
    schema = pa.schema(
        [("event_type", pa.string()), ("payload", pa.string()), ("person_id", pa.string()),
         ("source_id", pa.string()), ("kafka_topic", pa.string()),
         ("recorded_at", pa.timestamp("us", tz="UTC")),
         ("occurred_at", pa.timestamp("us", tz="UTC"))]
    )  # fmt: skip
    pq.write_table(
        pa.Table.from_pylist(events, schema), raw / "facility.events+0+0000000000000000000.parquet"
    )
    lake.curated.mkdir(parents=True)
    lake.restricted_curated.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(amnesty), lake.mart("amnesty_eligibility"))
    pq.write_table(pa.Table.from_pylist(work_release), lake.mart("work_release_eligibility"))
    pq.write_table(
        pa.Table.from_pylist(
            [{"facility_id": f, "agency": AGENCY, "province": name, "people_admitted": 7,
              "as_of_date": AS_OF} for f, name in facilities.items()]
        ),
        lake.curated / "facility_population.parquet",
    )  # fmt: skip
    pq.write_table(
        pa.Table.from_pylist(
            [{"round_id": HOSTILE_ROUND, "status": "eligible", "reason": "all", "people": 3}]
        ),
        lake.curated / "round_funnel.parquet",
    )
    _write_report_marts(lake, events, amnesty)
    lake.ingest_ledger.mkdir(parents=True)
    pq.write_table(
        pa.Table.from_pylist(
            [
                {
                    "run_id": RUN,
                    "topic": TOPIC,
                    "partition": 0,
                    "offset_to": 42,
                    "consumed": 43,
                    "landed": 42,
                    "quarantined": 1,
                }
            ]  # fmt: skip
        ),
        lake.ingest_ledger / "run.parquet",
    )
    quarantine = lake.quarantine / "facility.events" / "partition=0"
    quarantine.mkdir(parents=True)
    pq.write_table(
        pa.Table.from_pylist([{"reason_codes": [QUARANTINE_REASON]}]),
        quarantine / "facility.events+0+0000000000000000007.parquet",
    )
    validation = lake.root / "validation"
    validation.mkdir()
    (validation / "run.json").write_text(
        json.dumps(
            {"run_id": RUN, "validated_at": "2025-11-30T10:00:00+00:00",
             "suites": [{"suite": SUITE, "topic": TOPIC, "rows": 10,
                         "evaluated_expectations": 3, "unexpected_rows": 1,
                         "failures": [{"name": SUITE, "severity": "critical",
                                       "unexpected_count": 1}]}]}
        ),
        encoding="utf-8",
    )  # fmt: skip
    return lake


def _write_report_marts(lake: Lake, events: list[dict], amnesty: list[dict]) -> None:
    """The aggregate marts dbt builds for the reports, computed here from the same events
    (the reports read no raw event), so that the hostile strings reach every table."""
    payloads = [(e, json.loads(e["payload"])) for e in events]
    decided = {(row["person_key"].removeprefix("k"), row["round_id"]): row for row in amnesty}

    def write(name: str, rows: list[dict]) -> None:
        pq.write_table(pa.Table.from_pylist(rows), lake.curated / f"{name}.parquet")

    write("amnesty_round_calendar", [
        {"round_id": p["round_id"], "decision_no": p["decision_no"],
         "signed_date": dt.date.fromisoformat(p["signed_date"]),
         "cutoff_date": dt.date.fromisoformat(p["cutoff_date"]), "rule_version": p["rule_version"],
         "apply_by": dt.date(2025, 7, 8), "facility_lists_by": dt.date(2025, 7, 18),
         "complaints_by": dt.date(2025, 7, 23), "court_lists_by": dt.date(2025, 7, 23),
         "appraisal_by": dt.date(2025, 8, 7), "as_of_date": AS_OF}
        for e, p in payloads if e["event_type"] == "amnesty_round.declared"
    ])  # fmt: skip
    lifecycle = []
    for e, p in payloads:
        if e["event_type"] != "amnesty.proposed":
            continue
        row = decided[(e["person_id"].removeprefix("P"), p["round_id"])]
        nationality = None if row["nationality"] == "#N/A" else row["nationality"]
        lifecycle.append(
            {"round_id": p["round_id"], "review_channel": row["review_channel"],
             "court_id": None, "court_province": None, "agency": row["agency"],
             "nationality": nationality, "is_proposed": True, "is_granted": False,
             "is_released": False, "proposal_timing": "late",
             "proposed_date": dt.date.fromisoformat(p["date"]), "effective_date": None,
             "grant_decision_no": None, "released_date": None, "unattributed_reason": None,
             "people": 1, "as_of_date": AS_OF}
        )  # fmt: skip
    write("round_lifecycle", lifecycle)
    write("facility_registry", [
        {"facility_id": p["facility_id"], "facility_name": p["name"], "facility_kind": p["kind"],
         "agency": p["agency"], "province": p["province"], "capacity": 100,
         "work_sites": p["work_sites"], "as_of_date": AS_OF}
        for e, p in payloads if e["event_type"] == "facility.registered"
    ])  # fmt: skip
    activity: dict[tuple, set] = {}
    for e, p in payloads:
        if e["event_type"].startswith("work_release."):
            movement = e["event_type"].removeprefix("work_release.")
            reasons = ["all", *([p["reason"]] if movement == "returned" else [])]
            for reason in reasons:
                key = (p["site_id"], e["source_id"], int(p["date"][:4]), movement, reason)
                activity.setdefault(key, set()).add(e["person_id"])
    write("work_release_activity", [
        {"site_id": site, "facility_id": facility, "movement_year": year, "movement": movement,
         "return_reason": reason, "people": len(people), "events": len(people),
         "as_of_date": AS_OF}
        for (site, facility, year, movement, reason), people in sorted(activity.items())
    ])  # fmt: skip
    landed: dict[tuple, int] = {}
    for e in events:
        key = (e["kafka_topic"], e["recorded_at"].astimezone(VIETNAM).date())
        landed[key] = landed.get(key, 0) + 1
    write("landed_events_daily", [
        {"kafka_topic": topic, "recorded_date": day, "events": n, "as_of_date": AS_OF}
        for (topic, day), n in sorted(landed.items())
    ])  # fmt: skip
    write("source_freshness", [
        {"source_name": "raw", "table_name": TOPIC, "status": "warn",
         "max_loaded_at": max(e["recorded_at"] for e in events), "age_hours": 12.0,
         "warn_after": "2 day", "error_after": "7 day", "as_of_date": AS_OF}
    ])  # fmt: skip


# --- the reports, built by the real builders -----------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, dict[str, Path]]:
    from clemency.reports.round_report import build_round_report
    from clemency.reports.work_release_report import build_work_release_report

    lake = _write_lake(tmp_path_factory.mktemp("hostile") / "lake")
    out = tmp_path_factory.mktemp("hostile-reports")
    return {
        "round": build_round_report(lake, ROUND, out / "round", generated_at=GENERATED),
        "work_release": build_work_release_report(lake, 2025, out / "wr", generated_at=GENERATED),
        "hostile_round": build_round_report(
            lake, HOSTILE_ROUND, out / "hostile-round", lang="en", generated_at=GENERATED
        ),
    }


KINDS = ["round", "work_release", "hostile_round"]
# Facility F<nn> is registered under the nn-th hostile name; its label is "name (F<nn>)".
LABELS = {key: f"{name} (F{i:02d})" for i, (key, name) in enumerate(HOSTILE.items())}
FORMULA_KEYS = ["hyperlink", "dde", "minus", "at", "tab", "cr", "lf"]


def _cells(path: Path):
    workbook = load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield sheet, cell


def _totals_rows(sheet) -> set[int]:
    return {c.row for c in sheet["A"] if c.value in (t("total", "vi"), t("total", "en"))}


@pytest.mark.parametrize("kind", KINDS)
def test_xlsx_holds_no_formula_but_its_own_sums(files, kind):
    from openpyxl.cell.cell import ERROR_CODES

    for sheet, cell in _cells(files[kind]["xlsx"]):
        where = f"{sheet.title}!{cell.coordinate} = {cell.value!r}"
        assert cell.data_type in ("s", "n", "d", "b", "f"), where  # never "e" (error)
        if cell.data_type == "f":
            letter = cell.column_letter
            assert cell.value == f"=SUM({letter}2:{letter}{cell.row - 1})", where
            assert cell.row in _totals_rows(sheet), where
        elif isinstance(cell.value, str):
            # what a spreadsheet could evaluate starts with the quote that makes it text
            assert not cell.value.lstrip().startswith(("=", "+", "-", "@")), where
            assert not cell.value.startswith(("\t", "\r", "\n")), where
            assert cell.value not in ERROR_CODES, where
            assert not safe_text.ILLEGAL_CHARS.search(cell.value), where
            assert not safe_text.BIDI_CONTROLS.search(cell.value), where


def test_xlsx_shows_hostile_text_neutralised_and_vietnamese_intact(files):
    round_values = {c.value for _, c in _cells(files["round"]["xlsx"]) if c.data_type == "s"}
    wr_values = {c.value for _, c in _cells(files["work_release"]["xlsx"]) if c.data_type == "s"}
    for key in FORMULA_KEYS:
        label = LABELS[key].replace("\r", "\n")  # CR is read back as LF in any XML
        assert "'" + label in round_values, key
        assert "'" + label in wr_values, key
    expected = [
        "'" + AGENCY,  # agency rows (and a column header of the reasons by agency)
        "'" + PROVINCE,
        "'" + REASON,
        "'" + NATIONALITY,
        "'#N/A",  # an Excel error code as a nationality: text, not an error cell
        "'" + RULES,
        "'" + RUN,
        "'" + SUITE,
        "'" + TOPIC,
        "'" + QUARANTINE_REASON,
        "Trại giam Xuân Lộc (F18)",
        "Trại RTL gnp.exe xong (F15)",  # the right-to-left override is gone
        "bell\ufffdnul\ufffdesc\ufffddel\ufffdend (F14)",  # controls shown, not fatal
        "not\ufffdchar (F16)",
        "L" * 6000 + " (F17)",
        LABELS["script"],
        LABELS["markup"],
        LABELS["entity"],
    ]
    for value in expected:
        assert value in round_values, value
    assert "'@site<svg onload=alert('site')>0" in wr_values
    assert "'" + RETURN_REASON in wr_values
    assert "07 Theo cơ sở giam giữ" in load_workbook(files["round"]["xlsx"]).sheetnames


class _Page(HTMLParser):
    """Every element, attribute and text run of a page, as a browser's tokenizer sees it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[tuple[str, str]] = []  # (enclosing element, text)
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, name, value) for name, value in attrs]
        if tag not in ("meta", "rect", "line", "path", "circle", "br", "img"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, name, value) for name, value in attrs]

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        self.text.append((self.stack[-1] if self.stack else "", data))


ELEMENTS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "div", "b",
            "nav", "ol", "li", "a", "section", "table", "thead", "tbody", "tfoot", "tr", "th",
            "td", "svg", "text", "rect", "line", "path", "circle"}  # fmt: skip


def _page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.mark.parametrize("kind", KINDS)
def test_html_has_no_active_content(files, kind):
    from clemency.reports.html import STYLE

    source = files[kind]["html"].read_text(encoding="utf-8")
    page = _page(files[kind]["html"])
    assert set(page.tags) <= ELEMENTS, set(page.tags) - ELEMENTS
    assert "script" not in page.tags and "img" not in page.tags
    for tag, name, value in page.attrs:
        assert not name.startswith("on"), (tag, name, value)
        assert "javascript:" not in (value or "").replace(" ", "").lower(), (tag, name, value)
        if name in ("href", "src"):
            assert (value or "").startswith("#"), (tag, name, value)
    assert [text for tag, text in page.text if tag == "style"] == [STYLE]
    assert not safe_text.ILLEGAL_CHARS.search(source) and not safe_text.BIDI_CONTROLS.search(source)


def test_html_shows_hostile_text_as_text(files):
    page = _page(files["round"]["html"])
    cells = {text for tag, text in page.text if tag == "td"}
    for key in ["hyperlink", "dde", "script", "attribute", "svg", "entity", "javascript",
                "markup", "vietnamese", "long"]:  # fmt: skip
        assert LABELS[key] in cells, key
    assert "Trại RTL gnp.exe xong (F15)" in cells
    assert "bell\ufffdnul\ufffdesc\ufffddel\ufffdend (F14)" in cells
    for value in [AGENCY, PROVINCE, REASON, NATIONALITY, RUN, SUITE, QUARANTINE_REASON]:
        assert value in cells, value
    headers = {text for tag, text in page.text if tag == "th"}
    assert AGENCY in headers and TOPIC in headers
    assert any(DECISION in text for tag, text in page.text if tag == "p")
    svg_text = {text for tag, text in _page(files["work_release"]["html"]).text if tag == "text"}
    assert RETURN_REASON in svg_text  # the returns chart labels its bars with the reasons
    hostile = _page(files["hostile_round"]["html"])
    assert ("title", f"Amnesty round {HOSTILE_ROUND} report") in hostile.text
    assert ("h1", f"Amnesty round {HOSTILE_ROUND} report") in hostile.text


def test_hostile_round_id_names_no_file_outside_the_output_folder(files):
    paths = files["hostile_round"]
    folder = paths["html"].parent
    for path in paths.values():
        assert path.parent == folder and path.is_file()
        assert "/" not in path.name and ".." not in path.name and "<" not in path.name


def test_run_summary_shows_hostile_text_as_text(tmp_path):
    from clemency.reports.summary import write_summary

    lake = _write_lake(tmp_path / "lake")
    page = _page(write_summary(lake, AS_OF, generated_at=GENERATED))
    assert set(page.tags) <= ELEMENTS and not any(n.startswith("on") for _, n, _ in page.attrs)
    cells = {text for tag, text in page.text if tag == "td"}
    for value in [AGENCY, HOSTILE_ROUND, TOPIC, QUARANTINE_REASON, HOSTILE["script"],
                  HOSTILE["vietnamese"], "Trại RTL gnp.exe xong"]:  # fmt: skip
        assert value in cells, value


def _pdf_text(path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdf_builds_and_prints_hostile_text_literally(files):
    for kind in KINDS:
        assert files[kind]["pdf"].read_bytes().startswith(b"%PDF-")
    # table cells wrap: compare without white space
    text = "".join(_pdf_text(files["round"]["pdf"]).split())
    for value in [HOSTILE["script"], HOSTILE["markup"], HOSTILE["entity"], HOSTILE["attribute"],
                  HOSTILE["hyperlink"], AGENCY, REASON, "TrạigiamXuânLộc(F18)"]:  # fmt: skip
        assert "".join(value.split()) in text, value
    assert "L" * 1900 in text and "L" * 2100 not in text  # cut to safe_text.PDF_MAX_CHARS
    wr = "".join(_pdf_text(files["work_release"]["pdf"]).split())
    assert "".join(RETURN_REASON.split()) in wr


# --- the rules themselves ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\n=1"),
        ("a\r\nb", "a\nb"),
        ("  =1", "'  =1"),
        ("#REF!", "'#REF!"),
        ("a=1", "a=1"),
        ("Trại giam Xuân Lộc", "Trại giam Xuân Lộc"),
        ("'quoted", "'quoted"),
        ("nul\x00bell\x07", "nul\ufffdbell\ufffd"),
        ("ab\u202ecd\u2066", "abcd"),
        ("half\ud800", "half\ufffd"),
        ("", ""),
        (7, 7),
        (2.5, 2.5),
        (dt.date(2025, 1, 2), dt.date(2025, 1, 2)),
        (None, None),
    ],
)
def test_xlsx_values(text, expected):
    from openpyxl import Workbook

    assert safe_text.xlsx(text) == expected
    cell = Workbook().active.cell(row=1, column=1, value=safe_text.xlsx(text))
    assert cell.data_type != "f" and cell.data_type != "e"


def test_xlsx_text_fits_a_cell():
    assert len(safe_text.xlsx("=" * 40_000)) == safe_text.MAX_CHARS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('"><img src=x onerror=alert(1)>', "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        ("it's", "it&#x27;s"),
        ("&lt;", "&amp;lt;"),
        ("Trại giam Xuân Lộc", "Trại giam Xuân Lộc"),
        ("x\u202ey\x00", "xy\ufffd"),
    ],
)
def test_html_text(text, expected):
    assert safe_text.html(text) == expected


def test_pdf_text_is_never_markup():
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    for text in ["<b>x</b>", "a < b & c", "&lt;", "<font color=red>", "<para>", "\x00<"]:
        escaped = safe_text.pdf(text)
        assert "<" not in escaped
        paragraph = Paragraph(escaped, ParagraphStyle("p"))
        assert paragraph.getPlainText() == safe_text.clean(text)


def test_file_part():
    assert safe_text.file_part("2025-2") == "2025-2"
    for hostile in ["../../etc/passwd", "..", "a/../b", "<x>", "", "C:\\x"]:
        part = safe_text.file_part(hostile)
        assert part and "/" not in part and "\\" not in part and ".." not in part


def test_rules_hold_for_any_text():
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from openpyxl import Workbook
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    tricky = st.text(
        st.sampled_from(list("=+-@#!'\"<>&;/ \t\r\naZ0ộ\x00\x1f\x7f\u202e\u2066\ud800"))
    )
    sheet = Workbook().active

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.text(), tricky))
    def check(text):
        cleaned = safe_text.clean(text)
        assert safe_text.clean(cleaned) == cleaned
        assert not safe_text.ILLEGAL_CHARS.search(cleaned) and not safe_text.BIDI_CONTROLS.search(
            cleaned
        )
        cleaned.encode("utf-8")  # never a lone surrogate

        value = safe_text.xlsx(text)
        cell = sheet.cell(row=1, column=1, value=value)  # never IllegalCharacterError
        assert cell.data_type == "s"
        shown = value[1:] if value != cleaned else value
        assert shown == cleaned
        assert not value.lstrip().startswith(("=", "+", "-", "@", "\t", "\r", "\n"))

        page = _Page()
        page.feed(f'<td>{safe_text.html(text)}</td><td title="{safe_text.html(text)}"></td>')
        page.close()
        assert page.tags == ["td", "td"]
        assert "".join(chunk for _, chunk in page.text) == cleaned
        assert page.attrs == [("td", "title", cleaned)]

        escaped = safe_text.pdf(text)
        assert "<" not in escaped
        Paragraph(escaped, ParagraphStyle("p"))  # parses as plain text

    check()
