"""Report output: one folder per round (or programme) and as-of date, every format written
atomically (a failure half-way leaves the previous good files byte for byte), and the
portal `reports/index.html` rebuilt from the audit trail, current = the highest as-of date.

The reports here are small hand-made `Report`s written by the real writers (HTML through
Jinja2, XLSX with openpyxl, PDF with reportlab), so no dbt build is needed; the demo's own
portal is checked in tests/test_reports.py.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
import urllib.parse
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pytest

from clemency.lake import atomic
from clemency.lake.atomic import LakeWriteError
from clemency.lake.audit import load_runs, sha256_of
from clemency.lake.layout import Lake
from clemency.reports import publish
from clemency.reports.data import Report, Section, Table
from clemency.reports.i18n import t
from clemency.reports.portal import write_portal
from clemency.reports.privacy import PRIMARY

ROUND = "2025-2"
CURRENT = dt.date(2025, 11, 30)
OLDER = dt.date(2025, 10, 1)
GENERATED = dt.datetime(2025, 12, 1, 8, 0, tzinfo=dt.UTC)
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"  # as conftest.ARTIFACTS (not imported: the children
# below import this module, and conftest would bring the broker along)


def sample_report(as_of: dt.date, generated_at: dt.datetime, title: str = "Báo cáo thử") -> Report:
    rows = [[f"Trại giam số {i}", 10 + i, 3 * i] for i in range(30)]
    table = Table(
        key="facilities",
        title="Theo cơ sở giam giữ",
        columns=["Cơ sở", "Xét", "Đủ điều kiện"],
        kinds=["text", "int", "int"],
        rows=rows,
        total=["Tổng", sum(r[1] for r in rows), sum(r[2] for r in rows)],
        hidden={(1, 2): PRIMARY},
        notes=["Số dưới 5 được ẩn."],
    )
    return Report(
        lang="vi",
        title=title,
        meta=[f"Số liệu đến {as_of.isoformat()}"],
        cards=[("Xét", 735)],
        sections=[Section("Theo cơ sở", [table])],
        generated_at=generated_at,
        as_of=as_of,
    )


def write(
    lake: Lake,
    as_of: dt.date,
    generated_at: dt.datetime,
    subject: str = ROUND,
    title: str = "Báo cáo thử",
) -> dict[str, Path]:
    return publish.write_audited_report(
        lake,
        {"round_id": subject},
        lambda: sample_report(as_of, generated_at, title),
        lake.reports,
        f"dac-xa-{subject}-vi",
        subject=subject,
    )


def _state(folder: Path) -> dict[str, bytes]:
    """Every file of a folder, hidden ones included, with its bytes."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _assert_whole(files: dict[str, Path]) -> None:
    assert files["html"].read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert zipfile.ZipFile(files["xlsx"]).testzip() is None  # a valid zip, every entry intact
    pdf = files["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


# --- where reports go --------------------------------------------------------------------


def test_each_report_lands_in_its_round_and_as_of_folder(tmp_path):
    lake = Lake(tmp_path / "lake")
    files = write(lake, CURRENT, GENERATED)
    folder = lake.reports / ROUND / CURRENT.isoformat()
    assert files == {kind: folder / f"dac-xa-{ROUND}-vi.{kind}" for kind in publish.FORMATS}
    _assert_whole(files)
    (run,) = load_runs(lake, command="report")
    recorded = {output["format"]: output for output in run.outputs}
    for kind, path in files.items():
        assert recorded[kind]["sha256"] == sha256_of(path)
        assert recorded[kind]["path"] == str(path.relative_to(lake.root))
        assert (recorded[kind]["subject"], recorded[kind]["as_of"]) == (ROUND, "2025-11-30")
        assert recorded[kind]["generated_at"] == GENERATED.isoformat()


@pytest.mark.parametrize("subject", ["../etc", "a/b", "..", ".hidden", ""])
def test_a_subject_that_is_not_a_plain_folder_name_is_refused(tmp_path, subject):
    with pytest.raises(ValueError, match="not a plain folder name"):
        Lake(tmp_path).report_folder(subject, CURRENT)


def test_a_round_id_cannot_take_a_programme_folder(tmp_path):
    from clemency.lake.layout import round_report_subject

    with pytest.raises(ValueError, match="'work-release' is the name of a reports folder"):
        round_report_subject("work-release")


def test_a_report_without_an_as_of_date_is_refused(tmp_path):
    report = sample_report(CURRENT, GENERATED)
    report.as_of = None
    with pytest.raises(ValueError, match="has no as-of date"):
        publish.write_formats(report, tmp_path, "r", ROUND)
    assert not any(tmp_path.rglob("*"))


# --- atomic: a failure half-way leaves the previous files --------------------------------


@pytest.mark.parametrize("failing", publish.FORMATS)
def test_a_full_disk_half_way_through_a_format_leaves_the_previous_files(
    tmp_path, monkeypatch, failing
):
    lake = Lake(tmp_path / "lake")
    first = write(lake, CURRENT, GENERATED)
    folder = first["html"].parent
    before = _state(folder)
    real = publish.RENDERERS[failing]

    def half_then_enospc(report: Report, temporary: Path) -> None:
        real(report, temporary)  # the real renderer, then the disk fills half-way through
        data = temporary.read_bytes()
        temporary.write_bytes(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setitem(publish.RENDERERS, failing, half_then_enospc)
    later = GENERATED + dt.timedelta(hours=1)  # different bytes in every format
    with pytest.raises(LakeWriteError, match=f"could not write .*\\.{failing} .*No space left"):
        write(lake, CURRENT, later)

    assert _state(folder) == before  # every previous file byte for byte, no temporary left
    _assert_whole(first)
    failed, succeeded = load_runs(lake, command="report")
    assert failed.status == "failed" and "No space left" in (failed.error or "")
    assert succeeded.status == "succeeded"


# The child process writes a report under a file-size limit (RLIMIT_FSIZE, the kernel's
# own "file too large" mid-write), or pauses half-way through one format to be killed.
CHILD = textwrap.dedent(
    """
    import datetime as dt, resource, signal, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from test_report_output import CURRENT, GENERATED, write
    from clemency.lake.layout import Lake
    from clemency.reports import publish

    lake, mode, arg = Lake(Path(sys.argv[2])), sys.argv[3], sys.argv[4]
    if mode == "limit":
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(arg), int(arg)))
    else:
        real = publish.RENDERERS[arg]

        def half_then_wait(report, temporary):
            real(report, temporary)
            data = temporary.read_bytes()
            temporary.write_bytes(data[: len(data) // 2])
            print("half", flush=True)
            time.sleep(120)

        publish.RENDERERS[arg] = half_then_wait
    write(lake, CURRENT, GENERATED + dt.timedelta(hours=1))
    """
)


def _child(lake: Lake, mode: str, arg: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-c", CHILD, str(REPO / "tests"), str(lake.root), mode, arg]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("failing", publish.FORMATS)
def test_a_real_file_size_limit_mid_write_leaves_the_previous_files(tmp_path, failing):
    """The kernel stops the write (EFBIG) inside openpyxl's zip, reportlab's PDF or the HTML:
    the limit sits between the sizes of the formats written before and the failing one."""
    lake = Lake(tmp_path / "lake")
    first = write(lake, CURRENT, GENERATED)
    folder = first["html"].parent
    before = _state(folder)
    sizes = {kind: path.stat().st_size for kind, path in first.items()}
    order = list(publish.FORMATS)
    earlier = [sizes[kind] for kind in order[: order.index(failing)]]
    limit = (max(earlier, default=sizes[failing] // 2) + sizes[failing]) // 2
    assert all(size < limit for size in earlier) and limit < sizes[failing]

    child = _child(lake, "limit", str(limit))
    _, stderr = child.communicate(timeout=120)

    assert child.returncode != 0
    message = stderr.decode()
    assert f"could not write {first[failing]}" in message and "File too large" in message
    assert _state(folder) == before
    _assert_whole(first)


@pytest.mark.parametrize("killed", publish.FORMATS)
def test_a_report_killed_half_way_leaves_the_previous_files(tmp_path, killed):
    """SIGKILL while a format is half written: no `finally` runs, and still the final names
    hold the previous files; the half-written temporary is hidden (`.<name>.<pid>-….tmp`)."""
    lake = Lake(tmp_path / "lake")
    first = write(lake, CURRENT, GENERATED)
    folder = first["html"].parent
    before = _state(folder)

    child = _child(lake, "kill", killed)
    assert child.stdout is not None
    assert child.stdout.readline() == b"half\n", child.stderr.read() if child.stderr else ""
    child.kill()
    child.wait(timeout=30)

    after = _state(folder)
    visible = {name: data for name, data in after.items() if not name.startswith(".")}
    assert visible == before
    leftovers = sorted(set(after) - set(before))
    assert leftovers and set(leftovers) == {p.name for p in folder.glob(atomic.TEMPORARY_GLOB)}
    _assert_whole(first)
    (running,) = load_runs(lake, command="report", status="running")  # the kill shows

    again = write(lake, CURRENT, GENERATED + dt.timedelta(hours=2))  # the next run sweeps
    assert sorted(_state(folder)) == sorted(before)
    _assert_whole(again)


# --- the portal ---------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [(tag, name, value or "") for name, value in attrs if name in ("href", "src")]

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _assert_links_resolve(page: Path) -> list[Path]:
    """Every href/src of the page: relative, no scheme, no `//host`, an existing file."""
    targets = []
    for tag, name, value in _parse(page).urls:
        parsed = urllib.parse.urlsplit(value)
        assert not parsed.scheme and not parsed.netloc, (tag, name, value)
        assert not value.startswith("/"), (tag, name, value)
        target = (page.parent / urllib.parse.unquote(parsed.path)).resolve()
        assert target.is_file(), (tag, name, value)
        targets.append(target)
    return targets


def _gaps_snapshot(lake: Lake, as_of: dt.date, gap_rows: list[int]) -> None:
    table = pa.table(
        {
            "gap": [f"gap_{i}" for i in range(len(gap_rows))],
            "gap_rows": gap_rows,
            "checked_rows": [1000] * len(gap_rows),
            "stops_the_build_past_share": [True] * len(gap_rows),
            "as_of_date": [as_of] * len(gap_rows),
        }
    )
    atomic.write_parquet(lake.mart("data_quality_gaps", as_of), table)


@pytest.fixture
def portal_lake(tmp_path) -> Lake:
    """Two rounds, the work-release programme and a backfill of an older as-of date written
    last; one as-of with referential gaps in its snapshot, one with none, one unknown."""
    lake = Lake(tmp_path / "lake")
    _gaps_snapshot(lake, CURRENT, [3, 0, 2])
    _gaps_snapshot(lake, OLDER, [0, 0])
    write(lake, CURRENT, GENERATED)
    write(lake, CURRENT, GENERATED, subject="2024-1")
    write(lake, dt.date(2025, 12, 31), GENERATED, subject="work-release", title="Lao động")
    write(lake, OLDER, GENERATED + dt.timedelta(days=1))  # the backfill, written last
    return lake


def test_portal_current_is_the_highest_as_of_never_the_last_written(portal_lake):
    lake = portal_lake
    current = lake.report_folder(ROUND, CURRENT)
    before = _state(current)
    write(lake, OLDER, GENERATED + dt.timedelta(days=2))  # another backfill
    assert _state(current) == before  # the backfill wrote its own folder only
    assert sorted(p.name for p in (lake.reports / ROUND).iterdir()) == ["2025-10-01", "2025-11-30"]

    text = " ".join(_parse(lake.portal_page()).text)
    assert t("portal_current", "vi", as_of="2025-11-30") in text
    assert t("portal_current", "vi", as_of="2025-10-01") not in text
    page = lake.portal_page().read_text(encoding="utf-8")
    # the current row comes first and is the one marked current
    first_row = page.index(f"{CURRENT.isoformat()}<br>{t('portal_is_current', 'vi')}")
    assert first_row < page.index(f"{OLDER.isoformat()}<br>{t('portal_older', 'vi')}")

    write(lake, dt.date(2025, 12, 15), GENERATED)  # a newer as-of does become current
    text = " ".join(_parse(lake.portal_page()).text)
    assert t("portal_current", "vi", as_of="2025-12-15") in text


def test_portal_lists_every_file_with_its_recorded_sha256(portal_lake):
    lake = portal_lake
    page = lake.portal_page()
    html = page.read_text(encoding="utf-8")
    linked = set(_assert_links_resolve(page))
    reports = {
        path.resolve()
        for path in lake.reports.rglob("*")
        if path.is_file() and path.parent != lake.reports
    }
    assert reports <= linked  # every report file of every round, programme and as-of
    for path in reports:
        assert sha256_of(path) in html, path
    for section in [t("portal_round", "vi", round=ROUND), t("portal_round", "vi", round="2024-1"),
                    t("portal_work_release", "vi")]:  # fmt: skip
        assert section in html
    assert html.index("2025-2") < html.index("2024-1") < html.index(t("portal_work_release"))
    assert t("dq_gaps", "vi", gaps="5", kinds=2) in html  # 3 + 2 in the snapshot of 11-30
    assert t("dq_no_gaps", "vi") in html  # 10-01
    assert t("dq_unknown", "vi") in html  # the work-release as-of has no snapshot
    assert t("dq_gate_none", "vi") in html


def test_portal_in_vietnamese_and_english_each_links_the_other(portal_lake):
    vi, en = portal_lake.portal_page("vi"), portal_lake.portal_page("en")
    assert vi.name == "index.html" and en.name == "index.en.html"
    assert '<html lang="vi">' in vi.read_text(encoding="utf-8")
    english = en.read_text(encoding="utf-8")
    assert '<html lang="en">' in english and t("portal_title", "en") in english
    assert t("portal_current", "en", as_of="2025-11-30") in english
    assert en.resolve() in _assert_links_resolve(vi)
    assert vi.resolve() in _assert_links_resolve(en)


def test_portal_links_the_dbt_docs_only_when_published(portal_lake):
    lake = portal_lake
    assert "dbt-docs" not in lake.portal_page().read_text(encoding="utf-8")
    atomic.write_text(lake.dbt_docs_site, "<!doctype html><title>dbt docs</title>")
    write_portal(lake)
    assert lake.dbt_docs_site.resolve() in _assert_links_resolve(lake.portal_page())


def test_portal_skips_files_written_elsewhere_or_removed(portal_lake, tmp_path):
    lake = portal_lake
    elsewhere = publish.write_audited_report(
        lake, {}, lambda: sample_report(CURRENT, GENERATED), tmp_path / "out", "x", subject=ROUND
    )
    older = lake.report_folder(ROUND, OLDER)
    shutil.rmtree(older)
    write_portal(lake)
    html = lake.portal_page().read_text(encoding="utf-8")
    _assert_links_resolve(lake.portal_page())
    assert str(elsewhere["html"].parent) not in html and "2025-10-01" not in html


def test_portal_shows_hostile_titles_and_ids_as_text(tmp_path):
    lake = Lake(tmp_path / "lake")
    write(lake, CURRENT, GENERATED, subject="x_script_", title="<script>alert(1)</script>")
    page = _parse(lake.portal_page())
    assert "script" not in page.tags
    assert all(not name.startswith("on") for _, name, _ in page.urls)


def test_portal_rebuilds_are_runs_on_the_audit_trail(portal_lake):
    (last, *_) = load_runs(portal_lake, command="portal")
    assert last.status == "succeeded"
    assert {o["path"] for o in last.outputs} == {"reports/index.html", "reports/index.en.html"}
    for output in last.outputs:
        assert output["sha256"] == sha256_of(portal_lake.root / output["path"])


# --- the portal in a browser --------------------------------------------------------------

# Headless Chromium without its own background traffic (updates, sync, accounts), every
# host name unresolvable, and a NetLog of every request the page makes.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1280,1600",
]  # fmt: skip


def _page_requests(chromium: str, page: Path, work: Path, screenshot: Path) -> list[str]:
    """The URLs the page itself asked for (NetLog requests with a page initiator; the
    browser's own have "not an origin"), after a screenshot of it."""
    netlog = work / "netlog.json"
    subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={work / 'profile'}",
         f"--log-net-log={netlog}", f"--screenshot={screenshot}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start
        and event.get("params", {}).get("initiator", "not an origin") != "not an origin"
    ]


def test_portal_in_headless_chromium_makes_no_external_request(portal_lake, tmp_path):
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("chromium is not installed (Debian package chromium)")
    lake = portal_lake
    atomic.write_text(lake.dbt_docs_site, "<!doctype html><title>dbt docs</title>")
    write_portal(lake)
    ARTIFACTS.mkdir(exist_ok=True)
    # the detector sees a page's external request: a page with one image from the web
    control = tmp_path / "control.html"
    control.write_text('<!doctype html><img src="https://example.org/x.png">', encoding="utf-8")
    assert _page_requests(chromium, control, tmp_path / "c", tmp_path / "c.png") == [
        "https://example.org/x.png"
    ]
    for lang, artefact in [("vi", "portal.png"), ("en", "portal-en.png")]:
        screenshot = ARTIFACTS / artefact
        requests = _page_requests(chromium, lake.portal_page(lang), tmp_path / lang, screenshot)
        assert all(url.startswith("file://") for url in requests), requests
        assert screenshot.stat().st_size > 10_000
        _assert_links_resolve(lake.portal_page(lang))
