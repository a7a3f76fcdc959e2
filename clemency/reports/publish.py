"""Where a report's files go and how they get there.

Each report lands in `reports/<round id or programme>/<as_of>/` (`Lake.report_folder`), so
a report of another as-of date (a backfill) never replaces this one. Its formats are
rendered to temporary files and only renamed into place once all of them are complete
(`atomic.atomic_targets`): a report killed half-way, or a disk that fills up, leaves the
previous good files byte for byte and no partial file under a final name. Every report is
a run on the audit trail, each file with its SHA-256, format, subject and as-of date; the
portal (`reports/index.html`) is rebuilt from that trail after every report run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clemency.lake import atomic, locks
from clemency.lake.audit import RunRecord, audited, file_entry
from clemency.lake.layout import Lake, report_folder
from clemency.reports.data import Report
from clemency.reports.disclosure import Audit

REPORT_LOCK_WAIT_S = 120.0  # another report of the same lake is being written
FORMATS = ("html", "xlsx", "pdf")


def _render_html(report: Report, temporary: Path) -> None:
    from clemency.reports.html import render_html

    temporary.write_text(render_html(report), encoding="utf-8")


def _render_xlsx(report: Report, temporary: Path) -> None:
    from clemency.reports.xlsx import workbook_bytes

    temporary.write_bytes(workbook_bytes(report))


def _render_pdf(report: Report, temporary: Path) -> None:
    from clemency.reports.pdf import render_pdf

    render_pdf(report, temporary)


# format -> writes the whole file to the temporary path `atomic` hands out
RENDERERS: dict[str, Callable[[Report, Path], None]] = {
    "html": _render_html,
    "xlsx": _render_xlsx,
    "pdf": _render_pdf,
}


def write_formats(report: Report, out_dir: Path, stem: str, subject: str) -> dict[str, Path]:
    """Write `report` as HTML, XLSX and PDF into `<out_dir>/<subject>/<as_of>/<stem>.*`, all
    three or none; return their paths."""
    if report.as_of is None:
        raise ValueError(f"report {report.title!r} has no as-of date to name its folder")
    return write_files(report, report_folder(Path(out_dir), subject, report.as_of), stem)


def write_files(
    report: Report, folder: Path, stem: str, formats: tuple[str, ...] = FORMATS
) -> dict[str, Path]:
    """Write `report` in each of `formats` as `<folder>/<stem>.<format>`, all or none."""
    targets = {kind: folder / f"{stem}.{kind}" for kind in formats}
    with atomic.atomic_targets(list(targets.values())) as temporaries:
        for kind, temporary in zip(formats, temporaries, strict=True):
            try:
                RENDERERS[kind](report, temporary)
            except OSError as error:  # a full disk names the file it stopped, not the last
                raise atomic.write_error(targets[kind], error) from error
    return targets


def sweep_temporaries(folder: Path) -> list[Path]:
    """Delete the hidden temporaries a killed report left in `folder`. Called under the
    report lock, which every report writer holds, so none of them is being written."""
    stale = sorted(folder.glob(atomic.TEMPORARY_GLOB)) if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def output_details(report: Report, subject: str, kind: str) -> dict[str, Any]:
    """What the audit trail (and so the portal) says of one report file besides its SHA-256."""
    return {
        "subject": subject,
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "format": kind,
        "lang": report.lang,
        "title": report.title,
        "generated_at": report.generated_at.isoformat(),
    }


def write_audited_report(
    lake: Lake,
    arguments: dict[str, Any],
    build: Callable[[], Report],
    out_dir: Path,
    stem: str,
    audits: list[Audit] | None = None,
    *,
    subject: str,
) -> dict[str, Path]:
    """Build a report and write its formats as one run on the audit trail: its inputs the
    curated marts as they are now, its outputs the files written (with what the small-count
    audit `build` appends to `audits` found, and how long it took). Then rebuild the portal."""
    with (
        audited(lake, "report", arguments) as record,
        # one report writer at a time per lake: two never interleave their files
        locks.hold(lake, "report", REPORT_LOCK_WAIT_S, record.run_id),
    ):
        read = [lake.mart(name) for name in ("amnesty_eligibility", "work_release_eligibility")]
        record.inputs = [file_entry(path, lake) for path in read if path.exists()]
        report = build()
        if report.as_of is not None:
            sweep_temporaries(report_folder(Path(out_dir), subject, report.as_of))
        files = write_formats(report, out_dir, stem, subject)
        details = {"disclosure_audit": audits[-1].summary()} if audits else {}
        for kind, path in files.items():
            record.add_output(path, lake, **output_details(report, subject, kind), **details)
    rebuild_portal(lake)
    return files


def write_audited_page(
    lake: Lake,
    arguments: dict[str, Any],
    subject: str,
    as_of: dt.date,
    name: str,
    render: Callable[[RunRecord], tuple[str, str, dt.datetime]],
) -> Path:
    """A one-page HTML report (the run summary): `render(record)` gives its HTML, title and
    generation time; written atomically into `reports/<subject>/<as_of>/<name>` as a report
    run on the audit trail, then the portal is rebuilt."""
    target = lake.report_folder(subject, as_of) / name
    with (
        audited(lake, "report", arguments) as record,
        locks.hold(lake, "report", REPORT_LOCK_WAIT_S, record.run_id),
    ):
        page, title, generated_at = render(record)
        sweep_temporaries(target.parent)
        atomic.write_text(target, page)
        record.add_output(
            target, lake, subject=subject, as_of=as_of.isoformat(), format="html", lang="vi",
            title=title, generated_at=generated_at.isoformat(),
        )  # fmt: skip
    rebuild_portal(lake)
    return target


def rebuild_portal(lake: Lake) -> list[Path]:
    """Rewrite `reports/index.html` and `index.en.html` from the audit trail, as a run of its
    own (`clemency runs --command portal`). It starts after the report's record is final, and
    under the report lock, so the last rebuild always sees every finished report."""
    from clemency.reports.portal import write_portal

    with (
        audited(lake, "portal", {}) as record,
        locks.hold(lake, "report", REPORT_LOCK_WAIT_S, record.run_id),
    ):
        pages = write_portal(lake)
        for page in pages:
            record.add_output(page, lake)
    return pages
