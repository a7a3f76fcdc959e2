"""The amnesty round report MoPS sends upward: tables from the lake → HTML, XLSX and PDF."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from clemency.lake.audit import audited, file_entry
from clemency.lake.layout import Lake
from clemency.reports import charts, safe_text
from clemency.reports import data as d
from clemency.reports.data import STATUSES, Report, Section, Table
from clemency.reports.i18n import check_language, number, t
from clemency.reports.privacy import suppress


def build_round_report(
    lake: Lake,
    round_id: str,
    out_dir: Path,
    lang: str = "vi",
    threshold: int = 5,
    generated_at: dt.datetime | None = None,
) -> dict[str, Path]:
    """Write the round's report as HTML, XLSX and PDF into `out_dir`; return their paths."""
    arguments = {"round_id": round_id, "lang": lang, "threshold": threshold, "out": str(out_dir)}
    # round ids come from the mart: never let one name a file outside out_dir
    stem = f"dac-xa-{safe_text.file_part(round_id)}-{lang}"
    return write_audited_report(
        lake,
        arguments,
        lambda: round_report(lake, round_id, lang, threshold, generated_at),
        Path(out_dir),
        stem,
    )


def write_audited_report(
    lake: Lake, arguments: dict[str, Any], build: Callable[[], Report], out_dir: Path, stem: str
) -> dict[str, Path]:
    """Build a report and write its formats as one run on the audit trail: its inputs the
    curated marts as they are now, its outputs the files written."""
    with audited(lake, "report", arguments) as record:
        record.inputs = [file_entry(path, lake) for path in sorted(lake.curated.glob("*.parquet"))]
        files = write_formats(build(), out_dir, stem)
        for path in files.values():
            record.add_output(path, lake)
        return files


def write_formats(report: Report, out_dir: Path, stem: str) -> dict[str, Path]:
    from clemency.reports.html import write_html
    from clemency.reports.pdf import write_pdf
    from clemency.reports.xlsx import write_xlsx

    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        "html": write_html(report, out_dir / f"{stem}.html"),
        "xlsx": write_xlsx(report, out_dir / f"{stem}.xlsx"),
        "pdf": write_pdf(report, out_dir / f"{stem}.pdf"),
    }


# --- table helpers -------------------------------------------------------------------------


def plain_table(
    key: str,
    title: str,
    headers: list[str],
    kinds: list[str],
    rows: list[list[Any]],
    lang: str,
    total: bool = True,
) -> Table:
    """An aggregate table shown as is; the totals row adds up its int columns."""
    table = Table(key, title, headers, kinds, rows)
    if total and rows:
        table.total = [
            t("total", lang) if i == 0 else (sum(r[i] or 0 for r in rows) if k == "int" else None)
            for i, k in enumerate(kinds)
        ]
    return table


def suppressed_table(
    key: str,
    title: str,
    label_headers: list[str],
    labels: list[list[Any]],
    count_headers: list[str],
    counts: list[list[int]],
    lang: str,
    threshold: int,
    total_header: str | None = None,
) -> Table:
    """A facility-level table: small counts and their complements hidden (privacy.suppress).

    With `total_header` the row total comes first after the labels and the count columns
    add up to it. The totals row holds the true national totals (aggregates, not hidden)."""
    result = suppress(counts, threshold, row_totals=total_header is not None)
    offset = len(label_headers) + (1 if total_header else 0)
    rows = []
    hidden: dict[tuple[int, int], str] = {}
    for r, label in enumerate(labels):
        row = list(label)
        if total_header:
            row.append(result.row_totals[r] if result.row_totals else None)
            if r in result.hidden_row_totals:
                hidden[(r, len(label_headers))] = result.hidden_row_totals[r]
        row.extend(result.cells[r])
        rows.append(row)
    for (r, c), kind in result.hidden.items():
        hidden[(r, offset + c)] = kind
    headers = [*label_headers, *([total_header] if total_header else []), *count_headers]
    kinds = ["text"] * len(label_headers) + ["int"] * (len(headers) - len(label_headers))
    table = Table(key, title, headers, kinds, rows, hidden=hidden, threshold=threshold)
    if labels:
        column_sums = [sum(col) for col in zip(*counts, strict=True)] if counts else []
        grand = [sum(map(sum, counts))] if total_header else []
        table.total = [
            t("total", lang),
            *[None] * (len(label_headers) - 1),
            *grand,
            *column_sums,
        ]
    if hidden:
        table.notes.append(t("privacy_note", lang, threshold=threshold))
    if result.unprotected:
        table.notes.append(
            "Chỉ có một cơ sở: ô ẩn có thể suy ra từ tổng toàn quốc."
            if lang == "vi"
            else "Only one facility: hidden cells can be derived from the national totals."
        )
    return table


def status_row(counts: Counter) -> list[int]:
    return [sum(counts.values()), *(counts.get(s, 0) for s in STATUSES)]


def status_headers(lang: str) -> list[str]:
    return [t("col_considered", lang), *(t(s, lang) for s in STATUSES)]


def facility_label(facility_id: str, registry: dict[str, dict[str, Any]]) -> str:
    name = registry.get(facility_id, {}).get("name")
    return f"{name} ({facility_id})" if name and name != facility_id else facility_id


def province_label(name_vi: str, lang: str, seeds: dict[str, dict[str, str]]) -> str:
    return seeds.get(name_vi, {}).get("name_en", name_vi) if lang == "en" else name_vi


# --- sections ------------------------------------------------------------------------------


def _status_sections(
    con: duckdb.DuckDBPyConnection, round_id: str, lang: str, threshold: int, registry
) -> list[Section]:
    national = d.status_counts(con, round_id).get("", Counter())
    life = d.lifecycle_counts(con, round_id)
    overall = life.get("*", {})
    foreign = d.status_counts(con, round_id, "nationality")
    foreign_considered = sum(sum(c.values()) for nat, c in foreign.items() if nat != "VN")
    national_rows = [
        [t("considered", lang), sum(national.values())],
        *([t(s, lang), national.get(s, 0)] for s in STATUSES),
        [t("proposed", lang), overall.get("proposed", 0)],
        [t("granted", lang), overall.get("granted", 0)],
        [t("released", lang), overall.get("released", 0)],
        [t("foreigners_considered", lang), foreign_considered],
        [t("foreigners_granted", lang), life.get("foreign", {}).get("granted", 0)],
    ]
    national_table = plain_table(
        "national",
        t("sec_national", lang),
        [t("col_item", lang), t("col_people", lang)],
        ["text", "int"],
        national_rows,
        lang,
        total=False,
    )
    bars = [(t(s, lang), national.get(s, 0)) for s in STATUSES]
    national_table.chart = charts.bar_chart(
        t("chart_statuses", lang), bars, number=lambda v: number(v, lang)
    )
    national_table.chart_data = {"title": t("chart_statuses", lang), "items": bars}

    by_agency = d.status_counts(con, round_id, "agency")
    agencies = ["MoPS", "MND", *sorted(set(by_agency) - {"MoPS", "MND"})]
    unattributed = life.get("", {})
    if any(unattributed.values()) and "" not in agencies:
        agencies.append("")
    # Agencies get the small-cell rule too: an agency with a single facility would
    # otherwise print that facility's hidden counts in the clear.
    agency_labels = [[a or t("unknown", lang)] for a in agencies]
    agency_table = suppressed_table(
        "agency",
        t("sec_agency", lang),
        [t("col_agency", lang)],
        agency_labels,
        [t(s, lang) for s in STATUSES],
        [[by_agency.get(a, Counter()).get(s, 0) for s in STATUSES] for a in agencies],
        lang,
        threshold,
        total_header=t("col_considered", lang),
    )
    lifecycle_table = suppressed_table(
        "agency_lifecycle",
        t("sec_agency_lifecycle", lang),
        [t("col_agency", lang)],
        agency_labels,
        funnel_headers(lang),
        [
            [life.get(a, {}).get(k, 0) for k in ("proposed", "granted", "released")]
            for a in agencies
        ],
        lang,
        threshold,
    )
    if any(unattributed.values()):
        agency_table.notes.append(
            ("Không rõ cơ quan: không có sự kiện đề nghị của đợt: " if lang == "vi" else
             "Agency unknown: no proposal event in the round: ")
            + ", ".join(f"{t(k, lang)} {v}" for k, v in unattributed.items() if v)
        )  # fmt: skip

    seeds = {p["name_vi"]: p for p in d.provinces()}
    by_province = d.status_counts(con, round_id, "province")
    names = [*seeds, *sorted(set(by_province) - set(seeds))]
    # Provinces get the facility rule too: a province with one facility would otherwise
    # print that facility's hidden counts in the clear.
    province_table = suppressed_table(
        "province",
        t("sec_province", lang),
        [t("col_province", lang)],
        [[province_label(p, lang, seeds) or "?"] for p in names],
        [t(s, lang) for s in STATUSES],
        [[by_province.get(p, Counter()).get(s, 0) for s in STATUSES] for p in names],
        lang,
        threshold,
        total_header=t("col_considered", lang),
    )

    by_facility = d.status_counts(con, round_id, "facility_id")
    facility_ids = sorted(by_facility)
    facility_table = suppressed_table(
        "facility",
        t("sec_facility", lang),
        [t("col_facility", lang), t("col_agency", lang), t("col_province", lang)],
        [
            [
                facility_label(f, registry),
                registry.get(f, {}).get("agency") or "",
                province_label(registry.get(f, {}).get("province") or "", lang, seeds),
            ]
            for f in facility_ids
        ],
        [t(s, lang) for s in STATUSES],
        [[by_facility[f].get(s, 0) for s in STATUSES] for f in facility_ids],
        lang,
        threshold,
        total_header=t("col_considered", lang),
    )
    return [
        Section(t("sec_national", lang), [national_table]),
        Section(t("sec_agency", lang), [agency_table, lifecycle_table]),
        Section(t("sec_province", lang), [province_table]),
        Section(t("sec_facility", lang), [facility_table]),
    ]


def funnel_headers(lang: str) -> list[str]:
    return [t("col_proposed", lang), t("col_granted", lang), t("col_released", lang)]


def _reason_sections(
    con: duckdb.DuckDBPyConnection, round_id: str, lang: str, threshold: int, registry
) -> list[Section]:
    by_status = d.reason_counts(con, round_id, "status")
    reasons = sorted(
        {r for c in by_status.values() for r in c},
        key=lambda r: (-sum(c.get(r, 0) for c in by_status.values()), r),
    )
    unmet_statuses = ["almost_eligible", "ineligible", "excluded"]
    national = plain_table(
        "reasons",
        t("sec_reasons", lang),
        [t("col_reason", lang), t("col_code", lang), *(t(s, lang) for s in unmet_statuses)],
        ["text", "text", "int", "int", "int"],
        [
            [t(r, lang), r, *(by_status.get(s, Counter()).get(r, 0) for s in unmet_statuses)]
            for r in reasons
        ],
        lang,
        total=False,
    )
    national.notes.append(
        "Một người có thể chưa đạt nhiều tiêu chí: các dòng không cộng dồn."
        if lang == "vi"
        else "A person can miss several criteria: rows do not add up."
    )
    bars = [(t(r, lang), sum(c.get(r, 0) for c in by_status.values())) for r in reasons]
    national.chart = charts.bar_chart(
        t("chart_reasons", lang), bars, number=lambda v: number(v, lang)
    )
    national.chart_data = {"title": t("chart_reasons", lang), "items": bars}

    by_agency = d.reason_counts(con, round_id, "agency")
    agencies = ["MoPS", "MND", *sorted(set(by_agency) - {"MoPS", "MND"})]
    agency = plain_table(
        "reasons_agency",
        t("sec_reasons_agency", lang),
        [t("col_reason", lang), *agencies],
        ["text"] + ["int"] * len(agencies),
        [[t(r, lang), *(by_agency.get(a, Counter()).get(r, 0) for a in agencies)] for r in reasons],
        lang,
        total=False,
    )
    by_facility = d.reason_counts(con, round_id, "facility_id")
    facility_ids = sorted(by_facility)
    facility = suppressed_table(
        "reasons_facility",
        t("sec_reasons_facility", lang),
        [t("col_facility", lang)],
        [[facility_label(f, registry)] for f in facility_ids],
        [t(r, lang) for r in reasons],
        [[by_facility[f].get(r, 0) for r in reasons] for f in facility_ids],
        lang,
        threshold,
    )
    if facility.total:
        facility.total = None  # reasons overlap per person; the national table has the totals
    return [
        Section(t("sec_reasons", lang), [national, agency, facility]),
    ]


def _special_and_foreigners(con, round_id: str, lang: str) -> list[Section]:
    special = d.special_category_counts(con, round_id)
    special_table = plain_table(
        "special",
        t("sec_special", lang),
        [t("col_category", lang), *status_headers(lang)],
        ["text"] + ["int"] * 5,
        [[t(c, lang), *status_row(Counter(special[c]))] for c in sorted(special)],
        lang,
        total=False,
    )
    if not special:
        special_table.notes.append(t("no_rows", lang))
    foreign = d.foreigners_by_nationality(con, round_id)
    foreign_table = plain_table(
        "foreigners",
        t("sec_foreigners", lang),
        [t("col_nationality", lang), *status_headers(lang), t("col_proposed", lang),
         t("col_granted", lang)],
        ["text"] + ["int"] * 7,
        [
            [nat, *status_row(Counter({s: foreign[nat].get(s, 0) for s in STATUSES})),
             foreign[nat].get("proposed", 0), foreign[nat].get("granted", 0)]
            for nat in sorted(foreign)
        ],
        lang,
    )  # fmt: skip
    if not foreign:
        foreign_table.notes.append(t("no_rows", lang))
    return [
        Section(t("sec_special", lang), [special_table]),
        Section(t("sec_foreigners", lang), [foreign_table]),
    ]


def _comparison(con, round_id: str, lang: str) -> Section:
    rows = d.round_comparison(con)
    table = plain_table(
        "rounds",
        t("sec_comparison", lang),
        [t("col_round", lang), t("col_decision", lang), t("col_cutoff", lang),
         *status_headers(lang), *funnel_headers(lang)],
        ["text", "text", "date"] + ["int"] * 8,
        [
            [r["round_id"] + (" *" if r["round_id"] == round_id else ""), r["decision_no"],
             r["cutoff_date"], r["considered"], *(r[s] for s in STATUSES), r["proposed"],
             r["granted"], r["released"]]
            for r in rows
        ],
        lang,
        total=False,
    )  # fmt: skip
    table.notes.append("* đợt của báo cáo này" if lang == "vi" else "* the round of this report")
    return Section(t("sec_comparison", lang), [table])


def _timeline(con, round_id: str, info: dict[str, Any], lang: str) -> Section:
    dates = d.round_dates(con, round_id)
    candidates: list[tuple[dt.date | None, str, str]] = []
    signed = info.get("signed_date")
    if signed:
        candidates.append((signed, "tl_signed", "actual"))
        for key, day in d.procedural_deadlines(signed).items():
            candidates.append((day, key, "deadline"))
    candidates += [
        (info.get("cutoff_date"), "tl_cutoff", "deadline"),
        (dates["first_proposal"], "tl_first_proposal", "actual"),
        (dates["last_proposal"], "tl_last_proposal", "actual"),
        (dates["effective_date"], "tl_effective", "actual"),
        (dates["first_release"], "tl_first_release", "actual"),
        (dates["last_release"], "tl_last_release", "actual"),
    ]
    milestones = [(day, key, kind) for day, key, kind in candidates if day is not None]
    milestones.sort(key=lambda m: (m[0], m[2] != "actual"))
    table = plain_table(
        "timeline",
        t("sec_timeline", lang),
        [t("col_date", lang), t("col_milestone", lang), t("col_kind", lang)],
        ["date", "text", "text"],
        [[day, t(key, lang), t(kind, lang)] for day, key, kind in milestones],
        lang,
        total=False,
    )
    if signed and dates["proposals"]:
        lists_due = d.procedural_deadlines(signed)["tl_facility_lists"]
        late = d.proposals_after(con, round_id, lists_due)
        table.notes.append(t("late_proposals", lang, late=late, total=dates["proposals"]))
    table.notes.append(t("timeline_note", lang))
    table.chart = charts.timeline(
        t("sec_timeline", lang), [(day, t(key, lang), kind) for day, key, kind in milestones]
    )
    return Section(t("sec_timeline", lang), [table])


def annex_sections(lake: Lake, con: duckdb.DuckDBPyConnection, as_of: dt.date, lang: str,
                   rule_versions: list[str]) -> list[Section]:  # fmt: skip
    """The data-quality annex every report carries."""
    days, topics, counts = d.events_per_topic_day(con, as_of)
    ingest = plain_table(
        "dq_ingest",
        t("sec_ingest_days", lang),
        [t("col_day", lang), *topics],
        ["date"] + ["int"] * len(topics),
        [[day, *(counts.get((day, topic), 0) for topic in topics)] for day in days],
        lang,
    )
    reasons = d.quarantine_reasons(lake)
    quarantine = plain_table(
        "dq_quarantine",
        t("sec_quarantine", lang),
        [t("col_topic", lang), t("col_reason", lang), t("col_records", lang)],
        ["text", "text", "int"],
        [[topic, code, n] for (topic, code), n in sorted(reasons.items())],
        lang,
    )
    if not reasons:
        quarantine.notes.append(t("no_rows", lang))
    gx_rows = d.gx_summary(lake)
    gx = plain_table(
        "dq_gx",
        t("sec_gx", lang),
        [t("col_run", lang), t("col_suite", lang), t("col_topic", lang), t("col_rows", lang),
         t("col_expectations", lang), t("col_failed", lang), t("col_unexpected", lang)],
        ["text", "text", "text", "int", "int", "int", "int"],
        [
            [r["run_id"], r["suite"], r["topic"] or "", r["rows_evaluated"],
             r["expectations_evaluated"], len(r["failed_expectations"]), r["unexpected_rows"]]
            for r in gx_rows
        ],
        lang,
        total=False,
    )  # fmt: skip
    failed = sorted(
        {f"{f['name']} ({f['severity']})" for r in gx_rows for f in r["failed_expectations"]}
    )
    if failed:
        gx.notes.append(", ".join(failed))
    if not gx_rows:
        gx.notes.append(t("no_rows", lang))
    fresh = plain_table(
        "dq_freshness",
        t("sec_freshness", lang),
        [t("col_topic", lang), t("col_latest", lang), t("col_lag", lang)],
        ["text", "text", "int"],
        [[f["topic"], f["latest"], f["lag_days"]] for f in d.freshness(con, as_of)],
        lang,
        total=False,
    )
    book = d.ledger(lake)
    lineage = plain_table(
        "dq_lineage",
        t("sec_lineage", lang),
        [t("col_item", lang), t("col_value", lang)],
        ["text", "text"],
        [
            [t("as_of", lang), as_of.isoformat()],
            [t("ingest_runs", lang), ", ".join(book["runs"]) or "–"],
            [t("validation_runs", lang), ", ".join(sorted({r["run_id"] for r in gx_rows})) or "–"],
            [t("rule_versions", lang), ", ".join(rule_versions) or "–"],
        ],
        lang,
        total=False,
    )
    offsets = plain_table(
        "dq_offsets",
        t("sec_offsets", lang),
        [t("col_topic", lang), t("col_partition", lang), t("col_offset", lang)],
        ["text", "int", "int"],
        [[topic, part, off] for (topic, part), off in book["offsets"].items()],
        lang,
        total=False,
    )
    return [Section(t("sec_annex", lang), [ingest, quarantine, gx, fresh, lineage, offsets])]


def round_report(
    lake: Lake,
    round_id: str,
    lang: str = "vi",
    threshold: int = 5,
    generated_at: dt.datetime | None = None,
) -> Report:
    """Gather every table of the round report (no files written)."""
    check_language(lang)
    generated_at = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    con = d.connect(lake)
    try:
        if round_id not in d.round_ids(con):
            known = ", ".join(d.round_ids(con)) or "none"
            raise ValueError(f"round {round_id!r} is not in the amnesty mart (rounds: {known})")
        as_of = d.as_of_date(con)
        if as_of is None:  # not_null in the mart: only a mart built wrong lacks one
            raise ValueError("the amnesty mart has no as_of_date")
        con.close()
        con = d.connect(lake, as_of)
        info = d.round_info(con, round_id)
        registry = d.facilities(con)
        national = d.status_counts(con, round_id).get("", Counter())
        life = d.lifecycle_counts(con, round_id).get("*", {})
        sections = [
            *_status_sections(con, round_id, lang, threshold, registry),
            *_reason_sections(con, round_id, lang, threshold, registry),
            *_special_and_foreigners(con, round_id, lang),
            _comparison(con, round_id, lang),
            _timeline(con, round_id, info, lang),
            *annex_sections(lake, con, as_of, lang, info["rule_versions"]),
        ]
    finally:
        con.close()
    meta = [
        t(
            "meta_round",
            lang,
            decision=info.get("decision_no", "?"),
            signed=info.get("signed_date", "?"),
            cutoff=info.get("cutoff_date", "?"),
            as_of=as_of,
            rules=", ".join(info["rule_versions"]),
        ),
        t("generated", lang, at=generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        t("privacy_note", lang, threshold=threshold),
    ]
    cards = [
        (t("considered", lang), sum(national.values())),
        *((t(s, lang), national.get(s, 0)) for s in STATUSES),
        (t("proposed", lang), life.get("proposed", 0)),
        (t("granted", lang), life.get("granted", 0)),
        (t("released", lang), life.get("released", 0)),
    ]
    return Report(
        lang=lang,
        title=t("round_title", lang, round=round_id),
        meta=meta,
        cards=cards,
        sections=sections,
        generated_at=generated_at,
    )


def build_reports_for_rounds(
    lake: Lake, round_id: str | None = None, lang: str = "vi"
) -> dict[str, dict[str, Path]]:
    """Reports for one round, or for every round in the amnesty mart (the DAG's default)."""
    if round_id is None:
        con = d.connect(lake)
        try:
            rounds = d.round_ids(con)
        finally:
            con.close()
    else:
        rounds = [round_id]
    return {r: build_round_report(lake, r, lake.reports, lang=lang) for r in rounds}
