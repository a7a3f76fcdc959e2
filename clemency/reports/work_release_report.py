"""The yearly work and training release pilot report (Resolution 54/2022/QH15)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from clemency.lake.layout import Lake
from clemency.reports import charts
from clemency.reports import data as d
from clemency.reports.data import STATUSES, Report, Section, Table
from clemency.reports.i18n import check_language, number, t
from clemency.reports.round_report import (
    annex_sections,
    facility_label,
    plain_table,
    province_label,
    suppressed_table,
    write_audited_report,
)

MAX_DISTANCE_KM = 50.0  # docs/domain.md: work site within 50 km of the prison
RETURN_REASONS = ["end_of_placement", "violation", "before_release"]


def build_work_release_report(
    lake: Lake,
    year: int,
    out_dir: Path,
    lang: str = "vi",
    threshold: int = 5,
    generated_at: dt.datetime | None = None,
) -> dict[str, Path]:
    """Write the year's work-release report as HTML, XLSX and PDF; return their paths."""
    arguments = {"program": "work_release", "year": year, "lang": lang, "threshold": threshold}
    return write_audited_report(
        lake,
        {**arguments, "out": str(out_dir)},
        lambda: work_release_report(lake, year, lang, threshold, generated_at),
        Path(out_dir),
        f"lao-dong-ngoai-trai-{year}-{lang}",
    )


def work_release_report(
    lake: Lake,
    year: int,
    lang: str = "vi",
    threshold: int = 5,
    generated_at: dt.datetime | None = None,
) -> Report:
    check_language(lang)
    generated_at = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    con = d.connect(lake)
    try:
        as_of = d.as_of_date(con, "work_release")
        if as_of is None:
            raise ValueError("the work_release_eligibility mart is empty")
        con.close()
        con = d.connect(lake, as_of)
        info = d.wr_info(con)
        registry = d.facilities(con)
        seeds = {p["name_vi"]: p for p in d.provinces()}
        per_facility = d.wr_by_facility(con)
        national = _national_counts(per_facility)
        placed_now = sum(row["placed"] for row in per_facility)
        sites = d.wr_site_events(con, year)
        returns = d.wr_returns(con, year)
        return_totals: Counter[str] = Counter()
        for counts in returns.values():
            return_totals.update(counts)

        national_table = _national_table(national, placed_now, sites, return_totals, lang)
        facility_table = _facility_table(per_facility, registry, seeds, lang, threshold)
        site_table = _site_table(registry, sites, lang, threshold)
        returns_table, returns_facility = _returns_tables(
            returns, return_totals, registry, lang, threshold
        )
        distance_table = _distance_table(registry, per_facility, lang)
        reasons_table = _reasons_table(d.wr_reasons(con), lang)
        sections = [
            Section(t("sec_wr_national", lang), [national_table, reasons_table]),
            Section(t("sec_wr_facility", lang), [facility_table]),
            Section(t("sec_wr_sites", lang), [site_table]),
            Section(t("sec_wr_returns", lang), [returns_table, returns_facility]),
            Section(t("sec_wr_distance", lang), [distance_table]),
            *annex_sections(lake, con, as_of, lang, info["rule_versions"]),
        ]
    finally:
        con.close()
    meta = [
        t("meta_wr", lang, policy=", ".join(info["policies"]), as_of=as_of,
          rules=", ".join(info["rule_versions"])),
        t("generated", lang, at=generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        t("privacy_note", lang, threshold=threshold),
    ]  # fmt: skip
    cards = [
        (t("considered", lang), sum(national.values())),
        (t("eligible", lang), national["eligible"]),
        (t("almost_eligible", lang), national["almost_eligible"]),
        (t("col_placed", lang), placed_now),
        (t("col_returns_year", lang), sum(return_totals.values())),
        (t("violation", lang), return_totals.get("violation", 0)),
    ]
    return Report(
        lang=lang,
        title=t("wr_title", lang, year=year),
        meta=meta,
        cards=cards,
        sections=sections,
        generated_at=generated_at,
    )


def _national_counts(per_facility: list[dict[str, Any]]) -> Counter[str]:
    """People per eligibility status, summed over every facility."""
    national: Counter[str] = Counter()
    for row in per_facility:
        for s in STATUSES:
            national[s] += row[s]
    return national


def _national_table(
    national: Counter[str],
    placed_now: int,
    sites: list[dict[str, Any]],
    return_totals: Counter[str],
    lang: str,
) -> Table:
    """The national figures: people per status, placed now, the year's placements, returns."""
    national_table = plain_table(
        "wr_national",
        t("sec_wr_national", lang),
        [t("col_item", lang), t("col_people", lang)],
        ["text", "int"],
        [
            [t("considered", lang), sum(national.values())],
            *([t(s, lang), national[s]] for s in STATUSES),
            [t("col_placed", lang), placed_now],
            [t("col_placements_year", lang), sum(s["placements"] for s in sites)],
            [t("col_returns_year", lang), sum(return_totals.values())],
        ],
        lang,
        total=False,
    )
    bars = [(t(s, lang), national[s]) for s in STATUSES]
    national_table.chart = charts.bar_chart(
        t("chart_statuses", lang), bars, number=lambda v: number(v, lang)
    )
    national_table.chart_data = {"title": t("chart_statuses", lang), "items": bars}
    return national_table


def _facility_table(
    per_facility: list[dict[str, Any]],
    registry: dict[str, dict[str, Any]],
    seeds: dict[str, dict[str, str]],
    lang: str,
    threshold: int,
) -> Table:
    """People per status and placed now, per facility (suppressed).

    "placed" overlaps the statuses, so rows have no total; columns add up nationally."""
    facility_table = suppressed_table(
        "wr_facility",
        t("sec_wr_facility", lang),
        [t("col_facility", lang), t("col_agency", lang), t("col_province", lang)],
        [
            [facility_label(r["facility_id"], registry), r["agency"] or "",
             province_label(r["province"] or "", lang, seeds)]
            for r in per_facility
        ],
        [*(t(s, lang) for s in STATUSES), t("col_placed", lang)],
        [[*(r[s] for s in STATUSES), r["placed"]] for r in per_facility],
        lang,
        threshold,
    )  # fmt: skip
    return facility_table


def _site_table(
    registry: dict[str, dict[str, Any]], sites: list[dict[str, Any]], lang: str, threshold: int
) -> Table:
    """Every work site, registered or seen in the year's events, with its distance."""
    site_rows = []
    known_sites = {
        site: (facility_id, km)
        for facility_id, f in registry.items()
        for site, km in f["work_sites"]
    }
    seen = {s["site_id"]: s for s in sites}
    for site in sorted(set(known_sites) | set(seen)):
        facility_id, km = known_sites.get(site, (seen.get(site, {}).get("facility_id"), None))
        ev = seen.get(site, {})
        site_rows.append(
            [site, facility_label(facility_id or "", registry), km,
             ev.get("placed_now", 0), ev.get("placements", 0), ev.get("returns", 0)]
        )  # fmt: skip
    site_table = suppressed_table(
        "wr_sites",
        t("sec_wr_sites", lang),
        [t("col_site", lang), t("col_facility", lang)],
        [r[:2] for r in site_rows],
        [t("col_placed", lang), t("col_placements_year", lang), t("col_returns_year", lang)],
        [r[3:] for r in site_rows],
        lang,
        threshold,
    )
    # distance is not a count: put it back unsuppressed after the labels
    site_table.columns.insert(2, t("col_distance", lang))
    site_table.kinds.insert(2, "float")
    for row, source in zip(site_table.rows, site_rows, strict=True):
        row.insert(2, source[2])
    site_table.hidden = {(r, c + 1 if c >= 2 else c): k for (r, c), k in
                         site_table.hidden.items()}  # fmt: skip
    if site_table.total:
        site_table.total.insert(2, None)
    return site_table


def _returns_tables(
    returns: dict[str, Counter],
    return_totals: Counter[str],
    registry: dict[str, dict[str, Any]],
    lang: str,
    threshold: int,
) -> tuple[Table, Table]:
    """The year's returns by reason (national), then by facility and reason (suppressed)."""
    reasons = [*RETURN_REASONS, *sorted(set(return_totals) - set(RETURN_REASONS))]
    returns_table = plain_table(
        "wr_returns",
        t("sec_wr_returns", lang),
        [t("col_reason", lang), t("col_code", lang), t("col_records", lang)],
        ["text", "text", "int"],
        [[t(r, lang), r, return_totals.get(r, 0)] for r in reasons],
        lang,
    )
    bars = [(t(r, lang), return_totals.get(r, 0)) for r in reasons]
    returns_table.chart = charts.bar_chart(
        t("chart_returns", lang), bars, number=lambda v: number(v, lang)
    )
    returns_table.chart_data = {"title": t("chart_returns", lang), "items": bars}
    return_facilities = sorted(returns)
    returns_facility = suppressed_table(
        "wr_returns_facility",
        t("sec_wr_returns_facility", lang),
        [t("col_facility", lang)],
        [[facility_label(f, registry)] for f in return_facilities],
        [t(r, lang) for r in reasons],
        [[returns[f].get(r, 0) for r in reasons] for f in return_facilities],
        lang,
        threshold,
        total_header=t("col_total", lang),
    )
    if not return_facilities:
        returns_facility.notes.append(t("no_rows", lang))
    return returns_table, returns_facility


def _distance_table(
    registry: dict[str, dict[str, Any]], per_facility: list[dict[str, Any]], lang: str
) -> Table:
    """MoPS prisons' work sites against the 50 km limit, cross-checked with the mart."""
    distance_rows = []
    for facility_id, f in sorted(registry.items()):
        if f.get("agency") != "MoPS" or f.get("kind") != "prison":
            continue
        kms = [km for _, km in f["work_sites"]]
        within = sum(km <= MAX_DISTANCE_KM for km in kms)
        distance_rows.append(
            [facility_label(facility_id, registry), len(kms), within,
             min(kms) if kms else None]
        )  # fmt: skip
    mart_km = {r["facility_id"]: r["nearest_site_km"] for r in per_facility}
    distance_table = plain_table(
        "wr_distance",
        t("sec_wr_distance", lang),
        [t("col_facility", lang), t("col_sites", lang), t("col_within_limit", lang),
         t("col_nearest_km", lang)],
        ["text", "int", "int", "float"],
        distance_rows,
        lang,
    )  # fmt: skip
    if distance_table.total:
        distance_table.total[3] = None
    mismatched = [
        f for f, km in mart_km.items()
        if km is not None and registry.get(f, {}).get("work_sites")
        and abs(km - min(k for _, k in registry[f]["work_sites"])) > 0.05
    ]  # fmt: skip
    distance_table.notes.append(
        ("Khoảng cách theo sự kiện đăng ký cơ sở; bảng xét duyệt dùng nearest_site_km. "
         if lang == "vi" else
         "Distances from the facility registrations; the mart uses nearest_site_km. ")
        + (f"≠: {', '.join(mismatched)}" if mismatched else "✓")
    )  # fmt: skip
    return distance_table


def _reasons_table(wr_reason_counts: dict[str, Counter], lang: str) -> Table:
    """Unmet criteria by status, the most common reason first."""
    reason_codes = sorted(wr_reason_counts, key=lambda r: -sum(wr_reason_counts[r].values()))
    reasons_table = plain_table(
        "wr_reasons",
        t("sec_wr_reasons", lang),
        [t("col_reason", lang), t("col_code", lang),
         *(t(s, lang) for s in ["almost_eligible", "ineligible", "excluded"])],
        ["text", "text", "int", "int", "int"],
        [[t(r, lang), r, *(wr_reason_counts[r].get(s, 0)
                           for s in ["almost_eligible", "ineligible", "excluded"])]
         for r in reason_codes],
        lang,
        total=False,
    )  # fmt: skip
    return reasons_table
