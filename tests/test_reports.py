"""Monitoring reports: suppression, reconciliation with the marts, privacy, reproducibility.

One small lake (300 inmates) is built for the whole module by the demo and reused.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import DEMO_AS_OF, copy_of_demo_lake
from openpyxl import load_workbook

from clemency.lake.layout import Lake
from clemency.reports import charts
from clemency.reports.i18n import t
from clemency.reports.privacy import PRIMARY, SECONDARY, is_protected, suppress
from clemency.transform.rule_parameters import read_seed

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ROUND = "2025-2"
AS_OF = DEMO_AS_OF
GENERATED = dt.datetime(2025, 12, 1, 8, 0, tzinfo=dt.UTC)


# --- privacy: pure -------------------------------------------------------------------------


def test_small_cells_and_their_complements_are_hidden():
    result = suppress([[10, 3, 20], [12, 8, 9], [30, 40, 50]], threshold=5)
    assert result.hidden[(0, 1)] == PRIMARY
    # row 0 would reveal the 3 from its total: the next-smallest cell (10) goes too,
    # then column 0 and column 1 each need a second hidden cell (row 1: 12 and 8)
    assert result.hidden[(0, 0)] == SECONDARY
    assert {(1, 0), (1, 1)} <= set(result.hidden)
    assert result.cells[2] == [30, 40, 50]
    assert result.column_totals == [52, 51, 79]  # national totals stay visible
    assert is_protected(result)


def test_zeros_are_shown_and_threshold_is_configurable():
    assert suppress([[0, 7], [9, 11]], threshold=5).count == 0
    stricter = suppress([[0, 7], [9, 11]], threshold=10)
    assert stricter.hidden[(0, 1)] == PRIMARY and stricter.hidden[(1, 0)] == PRIMARY
    assert is_protected(stricter)
    with pytest.raises(ValueError):
        suppress([[1, 2], [3]])


def test_suppression_never_leaves_a_derivable_cell_property():
    rng = random.Random(2025)
    for _ in range(300):
        rows, cols = rng.randint(2, 8), rng.randint(2, 6)
        grid = [
            [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 15, 40, 120]) for _ in range(cols)]
            for _ in range(rows)
        ]
        row_totals = rng.random() < 0.7
        threshold = rng.choice([3, 5, 10])
        result = suppress(grid, threshold, row_totals=row_totals)
        assert is_protected(result), grid
        assert not result.unprotected
        for r in range(rows):  # no visible small count
            for c in range(cols):
                visible = result.cells[r][c]
                assert visible is None or visible == 0 or visible >= threshold
            hidden_in_row = sum(v is None for v in result.cells[r])
            total_hidden = row_totals and result.row_totals[r] is None
            # a row with a hidden cell hides two or more, or hides its total too
            assert hidden_in_row != 1 or total_hidden or not row_totals
        for c in range(cols):
            assert sum(result.cells[r][c] is None for r in range(rows)) != 1


def test_single_row_tables_report_what_cannot_be_protected():
    result = suppress([[3, 10]], threshold=5)
    assert result.unprotected  # the national total equals the one facility cell


def test_charts_escape_text_and_reference_nothing():
    svg = charts.bar_chart("a <b> & c", [("x<y", 3), ("z", 0)])
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "x&lt;y" in svg
    line = charts.timeline("T", [(dt.date(2025, 7, 3), "<signed>", "actual")])
    assert "&lt;signed&gt;" in line
    assert "http" not in svg + line and "<script" not in svg + line


# --- the lake and the reports ----------------------------------------------------------------


@pytest.fixture(scope="module")
def lake(demo_lake_template, tmp_path_factory) -> Lake:
    return copy_of_demo_lake(demo_lake_template, tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def round_files(lake, tmp_path_factory) -> dict[str, Path]:
    from clemency.reports.round_report import build_round_report

    out = tmp_path_factory.mktemp("round-vi")
    return build_round_report(lake, ROUND, out, generated_at=GENERATED)


@pytest.fixture(scope="module")
def mart(lake) -> dict:
    con = duckdb.connect()
    path = str(lake.mart("amnesty_eligibility"))
    statuses = dict(
        con.execute(
            "SELECT status, count(*) FROM read_parquet(?) WHERE round_id = ? GROUP BY 1",
            [path, ROUND],
        ).fetchall()
    )
    keys = {k for (k,) in con.execute("SELECT DISTINCT person_key FROM read_parquet(?)", [path])
            .fetchall()}  # fmt: skip
    return {"statuses": statuses, "considered": sum(statuses.values()), "keys": keys}


def _sheet(wb, title: str):
    for ws in wb.worksheets:
        if ws.title[3:].startswith(title[:28]):
            return ws
    raise AssertionError(f"no sheet {title!r} in {wb.sheetnames}")


def _column(ws, header: str) -> int:
    return [c.value for c in ws[1]].index(header) + 1


def _value(ws, cell) -> int:
    """A cell's number; a SUM formula is evaluated over the sheet's own cells."""
    if isinstance(cell.value, str) and cell.value.startswith("=SUM("):
        letter, first, last = re.fullmatch(
            r"=SUM\(([A-Z]+)(\d+):[A-Z]+(\d+)\)", cell.value
        ).groups()
        return sum(ws[f"{letter}{r}"].value or 0 for r in range(int(first), int(last) + 1))
    return cell.value


@pytest.mark.slow
@pytest.mark.broker
def test_xlsx_totals_reconcile_with_the_marts(round_files, mart):
    wb = load_workbook(round_files["xlsx"])
    national = _sheet(wb, t("sec_national"))
    values = {row[0]: row[1] for row in national.iter_rows(min_row=2, values_only=True)}
    assert values[t("considered")] == mart["considered"]
    for status in ("eligible", "almost_eligible", "ineligible", "excluded"):
        assert values[t(status)] == mart["statuses"].get(status, 0)
    assert isinstance(values[t("considered")], int)  # typed, not text

    for title, rows_expected in [(t("sec_agency"), None), (t("sec_province"), 34)]:
        ws = _sheet(wb, title)
        col = _column(ws, t("col_considered"))
        body = [r for r in ws.iter_rows(min_row=2) if r[0].value not in (None, t("total"))]
        if rows_expected:
            assert len(body) >= rows_expected  # every province, zero rows included
        # agencies and provinces are suppressed like facilities: visible cells are 0 or >= 5
        assert all(r[col - 1].value in (None, 0) or r[col - 1].value >= 5 for r in body)
        total_row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == t("total"))
        assert _value(ws, total_row[col - 1]) == mart["considered"]
        assert ws.freeze_panes == "A2" and ws["A1"].font.bold

    facility = _sheet(wb, t("sec_facility"))
    total_row = next(r for r in facility.iter_rows(min_row=2) if r[0].value == t("total"))
    for status in ("eligible", "almost_eligible", "ineligible", "excluded"):
        col = _column(facility, t(status))
        assert _value(facility, total_row[col - 1]) == mart["statuses"].get(status, 0)
        for row in facility.iter_rows(min_row=2, max_row=total_row[0].row - 1):
            value = row[col - 1].value
            assert value is None or value == 0 or value >= 5  # small cells left empty


@pytest.mark.slow
@pytest.mark.broker
def test_report_tables_are_protected_and_names_nobody(lake, mart):
    import adversary

    from clemency.reports.round_report import round_report

    report = round_report(lake, ROUND, generated_at=GENERATED)
    hidden_tables = [tb for s in report.sections for tb in s.tables if tb.hidden]
    assert hidden_tables, "a 300-inmate lake has small facility cells"
    for table in hidden_tables:  # blanked in the table itself, not only by the renderers
        assert all(table.rows[r][c] is None for r, c in table.hidden)
    # Two hidden cells per row and column is not enough when tables share their totals (an
    # agency row is the sum of its facilities): a reader of every printed count, solving
    # for each hidden one by integer programming, narrows none below the threshold.
    reader = adversary.read_round_report(adversary.from_report(report), report.lang, 5)
    assert reader.intervals() and not reader.disclosed()


@pytest.mark.slow
@pytest.mark.broker
def test_outputs_hold_no_url_ids_or_person_keys(round_files, mart):
    html = round_files["html"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    assert not re.search(r"url\(", html) and "http://" not in html and "https://" not in html
    assert "<script" not in html.lower()
    texts = [html, round_files["pdf"].read_bytes().decode("latin-1")]
    with zipfile.ZipFile(round_files["xlsx"]) as book:
        texts += [book.read(name).decode("utf-8") for name in book.namelist()]
    for text in texts:
        assert not re.search(r"(?<!\d)\d{12}(?!\d)", text)
        found = [key for key in mart["keys"] if key in text]
        assert not found, f"person keys in a report: {len(found)}"


@pytest.mark.slow
@pytest.mark.broker
def test_vietnamese_by_default_english_on_request(lake, round_files, tmp_path):
    from clemency.reports.round_report import build_round_report

    html = round_files["html"].read_text(encoding="utf-8")
    assert "<h1>Báo cáo kết quả thực hiện đặc xá đợt 2025-2</h1>" in html
    assert "Theo tỉnh, thành phố" in html and "Phụ lục: chất lượng dữ liệu" in html
    english = build_round_report(lake, ROUND, tmp_path, lang="en", generated_at=GENERATED)
    text = english["html"].read_text(encoding="utf-8")
    assert "<h1>Amnesty round 2025-2 report</h1>" in text and "By province" in text
    assert "Báo cáo" not in text
    assert _sheet(load_workbook(english["xlsx"]), "National totals") is not None


def _pdf_title(data: bytes) -> str:
    """The document title, a UTF-16BE PDF string with octal escapes."""
    raw = re.search(rb"/Title \((.*?)(?<!\\)\)", data, re.S).group(1)
    unescaped = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), raw)
    unescaped = re.sub(rb"\\(.)", rb"\1", unescaped)
    return unescaped.decode("utf-16")


@pytest.mark.slow
@pytest.mark.broker
def test_pdf_is_a4_with_vietnamese_font_and_title(round_files):
    data = round_files["pdf"].read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    # text in the page streams is encoded as font-subset glyph codes, so it cannot be
    # searched as bytes: check the embedded DejaVu fonts, the page count and the title.
    assert b"+DejaVuSans" in data and b"+DejaVuSans-Bold" in data
    assert int(re.search(rb"/Count (\d+)", data).group(1)) >= 2
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in data
    assert _pdf_title(data) == "Báo cáo kết quả thực hiện đặc xá đợt 2025-2"


@pytest.mark.broker
def test_pdf_text_holds_the_vietnamese_headings(round_files):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(round_files["pdf"]), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for heading in (
        "Báo cáo kết quả thực hiện đặc xá đợt 2025-2",
        "Tổng hợp toàn quốc",
        "Theo tỉnh, thành phố",
    ):
        assert heading in text, heading


def test_missing_font_is_named(tmp_path):
    from clemency.reports.pdf import FontMissing, register_fonts

    with pytest.raises(FontMissing, match=re.escape(str(tmp_path / "DejaVuSans.ttf"))):
        register_fonts(tmp_path)


@pytest.mark.slow
@pytest.mark.broker
def test_same_inputs_give_the_same_bytes(lake, round_files, tmp_path):
    from clemency.reports.round_report import build_round_report

    again = build_round_report(lake, ROUND, tmp_path / "again", generated_at=GENERATED)
    for kind in ("html", "xlsx", "pdf"):
        assert again[kind].read_bytes() == round_files[kind].read_bytes(), kind
    later = build_round_report(
        lake, ROUND, tmp_path / "later", generated_at=GENERATED + dt.timedelta(hours=1)
    )
    before = round_files["html"].read_text(encoding="utf-8").splitlines()
    after = later["html"].read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1 and "2025-12-01 08:00 UTC" in changed[0][0]


@pytest.mark.slow
@pytest.mark.broker
def test_annex_shows_lineage_and_freshness(lake, round_files):
    html = round_files["html"].read_text(encoding="utf-8")
    runs = {p.stem for p in lake.ingest_ledger.glob("*.parquet")}
    assert runs and all(run in html for run in runs)
    assert "2025-2.v1" in html and t("sec_freshness") in html and "facility.events" in html
    wb = load_workbook(round_files["xlsx"])
    offsets = _sheet(wb, t("sec_offsets"))
    assert offsets.max_row >= 4 and all(
        isinstance(r[2], int) for r in offsets.iter_rows(min_row=2, values_only=True)
    )
    # referential gaps, from the data_quality_gaps mart of the same set: each kind, counted
    gaps = {r[0]: r[1:] for r in _sheet(wb, t("sec_gaps")).iter_rows(min_row=2, values_only=True)}
    published = {g["gap"]: g for g in pq.read_table(lake.mart("data_quality_gaps")).to_pylist()}
    assert set(gaps) == set(published) and published
    assert all(gaps[g][0] == published[g]["gap_rows"] for g in published)


@pytest.mark.slow
@pytest.mark.broker
def test_work_release_report_counts_returns_by_reason(lake, tmp_path):
    from clemency.reports.work_release_report import build_work_release_report

    files = build_work_release_report(lake, 2025, tmp_path, generated_at=GENERATED)
    con = duckdb.connect()
    raw = [str(p) for p in lake.raw.glob("facility.events/partition=*/*.parquet")]
    violations = con.execute(
        "SELECT count(*) FROM read_parquet(?) WHERE event_type = 'work_release.returned' "
        "AND json_extract_string(payload, '$.reason') = 'violation' "
        "AND json_extract_string(payload, '$.date') LIKE '2025-%'",
        [raw],
    ).fetchone()[0]
    wb = load_workbook(files["xlsx"])
    returns = _sheet(wb, t("sec_wr_returns"))
    by_code = {r[1]: r[2] for r in returns.iter_rows(min_row=2, values_only=True) if r[1]}
    assert by_code["violation"] == violations
    html = files["html"].read_text(encoding="utf-8")
    assert "Báo cáo thí điểm đưa phạm nhân ra ngoài trại giam" in html
    assert t("sec_wr_distance") in html and "http" not in html
    # the distance limit is the pilot policy's (the seed the mart applied), not a number of
    # the report's own: each MoPS prison's sites within it, counted from the registry
    header, policies = read_seed("work_release_policy")
    (limit,) = {float(row[header.index("max_site_distance_km")]) for row in policies}
    distance = _sheet(wb, t("sec_wr_distance"))
    registry = {
        r["facility_id"]: r for r in pq.read_table(lake.mart("facility_registry")).to_pylist()
    }
    checked = 0
    for row in distance.iter_rows(min_row=2, values_only=True):
        facility = str(row[0]).rsplit("(", 1)[-1].rstrip(")")
        if facility in registry:
            sites = registry[facility]["work_sites"] or []
            assert row[2] == sum(site["distance_km"] <= limit for site in sites), row
            checked += 1
    assert checked
    assert f"{limit:g} km" in html


@pytest.mark.slow
@pytest.mark.broker
def test_render_artefacts(round_files):
    """PNG previews for people to look at (only where the tools exist)."""
    ARTIFACTS.mkdir(exist_ok=True)
    made = []
    chromium = shutil.which("chromium")
    if chromium:
        target = ARTIFACTS / "round-report-html.png"
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={target}",
             "--window-size=1280,2400", round_files["html"].as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        assert target.stat().st_size > 10_000
        made.append(target)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        prefix = ARTIFACTS / "round-report-pdf"
        subprocess.run(
            [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", str(round_files["pdf"]),
             str(prefix)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        assert list(ARTIFACTS.glob("round-report-pdf*.png"))
        made.append(prefix)
    if not made:
        pytest.skip("neither chromium nor pdftoppm is installed")


@pytest.mark.broker
def test_person_level_export_only_behind_its_flag(lake, tmp_path):
    import stat

    from typer.testing import CliRunner

    from clemency.cli import app

    env = {"CLEMENCY_LAKE": str(lake.root)}
    plain = CliRunner().invoke(app, ["report", "--round", ROUND, "--out", str(tmp_path)], env=env)
    assert plain.exit_code == 0, plain.output
    assert not (tmp_path / "restricted").exists()

    flagged = CliRunner().invoke(
        app,
        ["report", "--round", ROUND, "--out", str(tmp_path), "--restricted-person-export"],
        env=env,
    )
    assert flagged.exit_code == 0, flagged.output
    (export,) = (tmp_path / "restricted").glob("*.parquet")
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    rows = pq.read_table(export).to_pylist()
    mart = pq.read_table(lake.mart("amnesty_eligibility")).to_pylist()
    assert len(rows) == sum(1 for r in mart if r["round_id"] == ROUND)
    assert all(len(r["person_key"]) == 32 and not r["person_key"].isdigit() for r in rows)

    from clemency.lake.audit import load_runs, sha256_of

    (taken,) = load_runs(lake, command="restricted_export")  # who took the list is on record
    assert taken.status == "succeeded" and taken.arguments["round_id"] == ROUND
    assert taken.outputs[0]["sha256"] == sha256_of(export)
    assert taken.outputs[0]["rows"] == len(rows)
    read = lake.mart("amnesty_eligibility").relative_to(lake.root)  # the latest set's snapshot
    assert taken.inputs[0]["path"] == str(read) and str(read).startswith("restricted/curated/")
    reports = load_runs(lake, command="report")
    assert reports and {o["path"].rsplit(".", 1)[-1] for o in reports[0].outputs} == {
        "html",
        "xlsx",
        "pdf",
    }


@pytest.mark.broker
def test_demo_portal_lists_its_reports_with_their_checksums(lake, tmp_path_factory):
    from test_report_output import _assert_links_resolve

    from clemency.lake.audit import sha256_of

    page = lake.portal_page()
    html = page.read_text(encoding="utf-8")
    linked = set(_assert_links_resolve(page))
    round_folder = lake.report_folder(ROUND, AS_OF)
    demo_files = [round_folder / f"dac-xa-{ROUND}-vi.{kind}" for kind in ("html", "xlsx", "pdf")]
    demo_files.append(lake.report_folder("summary", AS_OF) / f"summary-{AS_OF}.html")
    for path in demo_files:
        assert path.resolve() in linked and sha256_of(path) in html, path
    assert t("portal_current", "vi", as_of=AS_OF.isoformat()) in html
    assert t("dq_unknown", "vi") not in html  # the demo's as-of has its snapshot
    assert "<script" not in html and "http" not in html

    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("chromium is not installed: the demo portal was checked, not rendered")
    from test_report_output import _page_requests

    ARTIFACTS.mkdir(exist_ok=True)
    work = tmp_path_factory.mktemp("portal-chromium")
    requests = _page_requests(chromium, page, work, ARTIFACTS / "portal-demo.png")
    assert all(url.startswith("file://") for url in requests), requests


# --- the reports read the marts only (issue 14 §3) and the three review channels (§4) -------


@pytest.mark.slow
@pytest.mark.broker
def test_round_report_needs_no_raw_event(lake, round_files, tmp_path):
    """With raw/ gone, the report is the same: every figure comes from the marts."""
    from clemency.reports.round_report import build_round_report

    copy = tmp_path / "lake"
    shutil.copytree(lake.root, copy, symlinks=True, ignore=shutil.ignore_patterns("raw", "locks"))
    assert not (copy / "raw").exists()
    files = build_round_report(Lake(copy), ROUND, tmp_path / "out", generated_at=GENERATED)
    ours = load_workbook(files["xlsx"])
    theirs = load_workbook(round_files["xlsx"])
    assert ours.sheetnames == theirs.sheetnames
    for name in ours.sheetnames[1:]:  # the cover names the output folder
        mine = list(ours[name].iter_rows(values_only=True))
        assert mine == list(theirs[name].iter_rows(values_only=True)), name


@pytest.mark.slow
@pytest.mark.broker
def test_annex_counts_records_by_the_vietnam_day(lake, round_files):
    """The annex's records per topic and day are the raw records grouped by the day they
    were recorded in Vietnam (UTC+7), the marts' point-in-time rule, not by the UTC day."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # the count below names its zone itself
    files = [str(p) for p in lake.raw.glob("*/partition=*/*.parquet")]
    expected = {
        (day, topic): n
        for day, topic, n in con.execute(
            "SELECT CAST(timezone('Asia/Ho_Chi_Minh', recorded_at) AS DATE), kafka_topic, "
            "count(*) FROM read_parquet(?, union_by_name = true) WHERE kafka_topic IS NOT NULL "
            "GROUP BY ALL",
            [files],
        ).fetchall()
    }
    ws = _sheet(load_workbook(round_files["xlsx"]), t("sec_ingest_days"))
    header = [c.value for c in ws[1]]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] != t("total")]
    assert len(rows) == 14
    for row in rows:
        day = row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(str(row[0]))
        day = day.date() if isinstance(day, dt.datetime) else day
        assert day <= AS_OF
        for topic, printed in zip(header[1:], row[1:], strict=True):
            assert printed == expected.get((day, topic), 0), (day, topic)


@pytest.mark.slow
@pytest.mark.broker
def test_annex_freshness_is_dbt_source_freshness(lake, round_files):
    """The freshness table is dbt's source freshness of the three raw sources at the as-of
    date: the source_freshness mart, computed in the build, holds what `dbt source
    freshness` (run by hand, macro duckdb__collect_freshness) reports, with the columns and
    types the mart had when it was written from dbt's sources.json."""
    import json

    from clemency.transform.dbt import TransformError, run_dbt

    mart = pq.read_table(lake.mart("source_freshness"))
    assert [(f.name, str(f.type)) for f in mart.schema] == [
        ("source_name", "string"), ("table_name", "string"), ("status", "string"),
        ("max_loaded_at", "timestamp[us, tz=UTC]"), ("snapshotted_at", "timestamp[us, tz=UTC]"),
        ("age_hours", "double"), ("warn_after", "string"), ("error_after", "string"),
        ("as_of_date", "date32[day]"),
    ]  # fmt: skip
    published = {r["table_name"]: r for r in mart.to_pylist()}
    assert set(published) == {"facility_events", "court_events", "reference_events"}
    try:
        run_dbt(lake, AS_OF, "source", "freshness")
    except TransformError:  # dbt exits 1 when a source is past its error_after
        pass
    results = json.loads((lake.dbt_target / "sources.json").read_text(encoding="utf-8"))
    by_dbt = {r["unique_id"].rsplit(".", 1)[1]: r for r in results["results"]}
    assert set(by_dbt) == set(published)
    for name, row in published.items():
        dbt_says = by_dbt[name]
        criteria = {k: f"{v['count']} {v['period']}" for k, v in dbt_says["criteria"].items()
                    if k != "filter" and v and v.get("count") is not None}  # fmt: skip
        assert row["status"] == dbt_says["status"], name
        assert row["max_loaded_at"] == dt.datetime.fromisoformat(dbt_says["max_loaded_at"])
        assert row["age_hours"] == pytest.approx(dbt_says["max_loaded_at_time_ago_in_s"] / 3600)
        assert (row["warn_after"], row["error_after"]) == (
            criteria.get("warn_after"),
            criteria.get("error_after"),
        ), name
        assert row["as_of_date"] == AS_OF
    # measured against the end of the as-of day in Vietnam, not the clock of the build
    end_of_day = dt.datetime.combine(
        AS_OF + dt.timedelta(days=1), dt.time(), dt.UTC
    ) - dt.timedelta(hours=7)
    assert all(row["snapshotted_at"] == end_of_day for row in published.values())
    ws = _sheet(load_workbook(round_files["xlsx"]), t("sec_freshness"))
    shown = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] in published}
    assert set(shown) == set(published)
    for name, row in published.items():
        assert shown[name][-1] == row["status"] and shown[name][3] == row["warn_after"]


@pytest.mark.slow
@pytest.mark.broker
def test_people_on_suspension_are_the_courts_channel(lake, round_files):
    """Decision 1244: a person on temporary suspension at the cutoff is reviewed by the
    courts, not by the agency of their last facility; the agency table prints the courts as
    a third channel and no "unknown agency" row, and the courts table lists each court."""
    con = duckdb.connect()
    rows = con.execute(
        "SELECT review_channel, is_suspended, court_id, count(*) FROM read_parquet(?) "
        "WHERE round_id = ? GROUP BY ALL",
        [str(lake.mart("amnesty_eligibility")), ROUND],
    ).fetchall()
    assert all((channel == "courts") == bool(suspended) for channel, suspended, _, _ in rows)
    assert all((court is not None) == bool(suspended) for _, suspended, court, _ in rows)
    wb = load_workbook(round_files["xlsx"])
    agencies = [
        r[0] for r in _sheet(wb, t("sec_agency")).iter_rows(min_row=2, max_row=6, values_only=True)
    ]
    assert {"MoPS", "MND", t("col_court")} <= set(agencies) and t("unknown") not in agencies
    courts = {c for channel, _, c, _ in rows if channel == "courts"}
    listed = list(_sheet(wb, t("sec_courts")).iter_rows(min_row=2, values_only=True))
    body = listed[: next(i for i, row in enumerate(listed) if row[0] == t("total"))]
    assert len(body) == len(courts) and all(row[0].startswith("Tòa án nhân dân") for row in body)
    # every grant is a channel's or counted, with its reason, as unattributed
    granted = con.execute(
        "SELECT coalesce(sum(people), 0) FROM read_parquet(?) WHERE round_id = ? AND is_granted",
        [str(lake.mart("round_lifecycle")), ROUND],
    ).fetchone()[0]
    national = _sheet(wb, t("sec_national"))
    values = {row[0]: row[1] for row in national.iter_rows(min_row=2, values_only=True)}
    assert values[t("granted")] == granted
    unattributed = _sheet(wb, t("sec_unattributed"))
    codes = [r[1] for r in unattributed.iter_rows(min_row=2, values_only=True) if r[1]]
    assert codes == ["not_considered", "unknown_agency"]


def test_work_sites_are_judged_by_the_limit_the_mart_applied():
    """The distance table counts a prison's sites within the policy's limit as the mart
    carries it (work_release_policy.max_site_distance_km), at the limit included; a prison
    the mart has no one of gets the national limit when there is one, else no count."""
    from clemency.reports.work_release_report import _distance_table

    sites = [("s1", 5.0), ("s2", 10.0), ("s3", 10.01), ("s4", 60.0)]
    registry = {
        f: {"agency": "MoPS", "kind": "prison", "name": f, "work_sites": sites}
        for f in ("P1", "P2")
    }
    per_facility = [{"facility_id": "P1", "nearest_site_km": 5.0, "site_limit_km": 10.0}]
    rows = {row[0]: row for row in _distance_table(registry, per_facility, "en").rows}
    assert rows["P1"][1:3] == [4, 2] and rows["P2"][1:3] == [4, 2]
    two_limits = [
        *per_facility,
        {"facility_id": "P3", "nearest_site_km": 1.0, "site_limit_km": 70.0},
    ]
    rows = {row[0]: row for row in _distance_table(registry, two_limits, "en").rows}
    assert rows["P1"][2] == 2 and rows["P2"][2] is None
