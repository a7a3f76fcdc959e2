"""The report portal: `reports/index.html` (Vietnamese) and `reports/index.en.html`.

Static and self-contained like the reports (inline CSS, no script, no external URL), and
rebuilt from the audit trail after every report run (`publish.rebuild_portal`): every round
and programme, every as-of date, each file with its generation time and SHA-256 as the run
that wrote it recorded them, the data-quality status of that as-of date, and a link to the
dbt docs site when it is published. "Current" is the highest as-of date of a round or
programme, never the report written last: a backfill of an older date adds a row below.

Only files under `reports/` that still exist are listed (links always resolve); a report
written elsewhere with `--out` is not, and neither is a restricted person-level export
(another command on the trail).
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from clemency.lake import atomic
from clemency.lake.audit import load_runs
from clemency.lake.layout import (
    PORTAL_PAGES,
    SUMMARY_REPORTS,
    WORK_RELEASE_REPORTS,
    Lake,
)
from clemency.reports.i18n import LANGUAGES, number, t
from clemency.reports.templating import render, trusted

STYLE = """
body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2rem auto;color:#1d2733;max-width:72rem;
padding:0 1rem;font-size:14px}
h1{font-size:1.5rem;margin-bottom:.3rem}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:2px solid #2f6690;padding-bottom:.2rem}
.meta,.note{color:#5b6775;font-size:.9rem;margin:.15rem 0}
table{border-collapse:collapse;margin-top:.4rem}
th,td{border:1px solid #c9d1da;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f6}tr.current td{background:#f1f7ec}
td.sha{font-family:'DejaVu Sans Mono',monospace;font-size:.75rem;word-break:break-all;
max-width:17rem}
a{color:#2f6690}td a{white-space:nowrap}
"""
# the order of the sections: rounds (newest id first), then the programmes
PROGRAMMES = (WORK_RELEASE_REPORTS, SUMMARY_REPORTS)


@dataclass
class File:
    href: str  # relative to reports/, URL-quoted
    name: str
    format: str
    lang: str
    title: str
    generated_at: str
    sha256: str


@dataclass
class Subject:
    """A round or programme: its files by as-of date, the current one the highest date."""

    folder: str
    by_as_of: dict[dt.date, list[File]] = field(default_factory=dict)

    @property
    def current(self) -> dt.date:
        return max(self.by_as_of)


def report_files(lake: Lake) -> dict[str, Subject]:
    """Every report file still under reports/, as the last succeeded run that wrote it
    recorded it, grouped by subject folder and as-of date."""
    seen: set[str] = set()
    subjects: dict[str, Subject] = {}
    for record in load_runs(lake, command="report", status="succeeded"):  # newest first
        for output in record.outputs:
            path = output.get("path", "")
            if path in seen or not output.get("subject") or not output.get("as_of"):
                continue
            seen.add(path)
            target = lake.root / path
            if Path(path).is_absolute() or not target.is_relative_to(lake.reports):
                continue  # written with --out elsewhere: not the portal's
            if not target.is_file():
                continue  # removed since: a link must resolve
            relative = target.relative_to(lake.reports).as_posix()
            subject = subjects.setdefault(output["subject"], Subject(output["subject"]))
            as_of = dt.date.fromisoformat(output["as_of"])
            subject.by_as_of.setdefault(as_of, []).append(
                File(
                    href=urllib.parse.quote(relative),
                    name=target.name,
                    format=output.get("format", target.suffix.lstrip(".")),
                    lang=output.get("lang", ""),
                    title=output.get("title", target.name),
                    generated_at=_when(output.get("generated_at") or record.finished_at),
                    sha256=output["sha256"],
                )
            )
    for subject in subjects.values():
        for files in subject.by_as_of.values():
            files.sort(key=lambda f: (f.name, f.format))
    return subjects


def _when(stamp: str | None) -> str:
    """An ISO time as the reports print one: `2025-12-01 08:00 UTC`."""
    if not stamp:
        return ""
    return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def data_quality(lake: Lake, as_of: dt.date, lang: str) -> str:
    """The as-of date's referential gaps, from its snapshot of the `data_quality_gaps` mart."""
    path = lake.mart("data_quality_gaps", as_of)
    if not path.is_file():
        return t("dq_unknown", lang)
    rows = pq.read_table(path, columns=["gap_rows"]).column(0).to_pylist()
    gaps = sum(value or 0 for value in rows)
    if not gaps:
        return t("dq_no_gaps", lang)
    kinds = sum(1 for value in rows if value)
    return t("dq_gaps", lang, gaps=number(gaps, lang), kinds=kinds)


def gate_status(lake: Lake, lang: str) -> str:
    """The Great Expectations gate over the whole lake: runs, critical failures, rows."""
    from clemency.validation.gate import summarise_results

    results = summarise_results(lake) if lake.validation.is_dir() else []
    if not results:
        return t("dq_gate_none", lang)
    failed = sum(
        1
        for row in results
        for failure in row["failed_expectations"]
        if failure["severity"] == "critical"
    )
    return t(
        "dq_gate",
        lang,
        runs=number(len({row["run_id"] for row in results}), lang),
        failed=number(failed, lang),
        rows=number(sum(row["unexpected_rows"] for row in results), lang),
    )


def _heading(folder: str, lang: str) -> str:
    if folder == WORK_RELEASE_REPORTS:
        return t("portal_work_release", lang)
    if folder == SUMMARY_REPORTS:
        return t("portal_summary", lang)
    return t("portal_round", lang, round=folder)


def render_portal(
    lake: Lake, lang: str, updated_at: dt.datetime, subjects: dict[str, Subject] | None = None
) -> str:
    """One page of the portal (`subjects`: `report_files(lake)`, read once for both pages)."""
    subjects = report_files(lake) if subjects is None else subjects
    rounds = sorted((folder for folder in subjects if folder not in PROGRAMMES), reverse=True)
    sections = []
    for folder in [*rounds, *(p for p in PROGRAMMES if p in subjects)]:
        subject = subjects[folder]
        rows = []
        for as_of in sorted(subject.by_as_of, reverse=True):
            rows.append(
                {
                    "as_of": as_of.isoformat(),
                    "current": as_of == subject.current,
                    "quality": data_quality(lake, as_of, lang),
                    "files": subject.by_as_of[as_of],
                }
            )
        sections.append(
            {
                "heading": _heading(folder, lang),
                "current": t("portal_current", lang, as_of=subject.current.isoformat()),
                "rows": rows,
            }
        )
    other = "en" if lang == "vi" else "vi"
    return render(
        "portal.html.j2",
        lang=lang,
        style=trusted(STYLE),
        title=t("portal_title", lang),
        intro=t("portal_intro", lang),
        updated=t("portal_updated", lang, at=updated_at.strftime("%Y-%m-%d %H:%M UTC")),
        other_language={"href": PORTAL_PAGES[other], "label": t("portal_other_language", lang)},
        dbt_docs=(
            lake.dbt_docs_site.relative_to(lake.reports).as_posix()
            if lake.dbt_docs_site.is_file()
            else None
        ),
        dbt_docs_label=t("portal_dbt_docs", lang),
        gate=gate_status(lake, lang),
        no_reports=t("portal_no_reports", lang),
        sections=sections,
        labels={
            key: t(key, lang)
            for key in (
                "as_of",
                "col_data_quality",
                "col_file",
                "col_format",
                "col_language",
                "col_generated",
                "portal_is_current",
                "portal_older",
            )
        },  # fmt: skip
    )


def write_portal(lake: Lake, updated_at: dt.datetime | None = None) -> list[Path]:
    """Write the portal in every language; return the pages."""
    updated_at = updated_at or dt.datetime.now(dt.UTC)
    subjects = report_files(lake)
    return [
        atomic.write_text(lake.portal_page(lang), render_portal(lake, lang, updated_at, subjects))
        for lang in LANGUAGES
    ]
