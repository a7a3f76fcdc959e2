"""The yearly work and training release pilot report (Resolution 54/2022/QH15).

Its counts are audited for small-count disclosure like the round report's
(`clemency.reports.disclosure`): people per facility, status, placed now and site; the
year's placements and returns per site; return events per facility and reason."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb

from clemency.lake.layout import WORK_RELEASE_REPORTS, Lake
from clemency.reports import charts
from clemency.reports import data as d
from clemency.reports.data import STATUSES, Report, Section, Table
from clemency.reports.disclosure import (
    Audit,
    DisclosureModel,
    Place,
    Spec,
    apply,
    protect,
    register_chart,
    register_table,
    unregistered,
)
from clemency.reports.i18n import check_language, number, t
from clemency.reports.publish import write_audited_report
from clemency.reports.round_report import (
    annex_sections,
    count_table,
    facility_label,
    plain_table,
    province_label,
)

RETURN_REASONS = ["end_of_placement", "violation", "before_release"]


def build_work_release_report(
    lake: Lake,
    year: int,
    out_dir: Path,
    lang: str = "vi",
    threshold: int = 5,
    generated_at: dt.datetime | None = None,
) -> dict[str, Path]:
    """Write the year's work-release report as HTML, XLSX and PDF into
    `out_dir/work-release/<as_of>/`; return their paths."""
    arguments = {"program": "work_release", "year": year, "lang": lang, "threshold": threshold}
    audits: list[Audit] = []
    return write_audited_report(
        lake,
        {**arguments, "out": str(out_dir)},
        lambda: work_release_report(lake, year, lang, threshold, generated_at, audits),
        Path(out_dir),
        f"lao-dong-ngoai-trai-{year}-{lang}",
        audits,
        subject=WORK_RELEASE_REPORTS,
    )


def work_release_report(
    lake: Lake,
    year: int,
    lang: str = "vi",
    threshold: int = 5,
    generated_at: dt.datetime | None = None,
    audits: list[Audit] | None = None,
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
        tables, cards, info, audit = wr_tables(con, year, lang, threshold)
        national_table, reasons_table, facility_table, site_table = tables[:4]
        returns_table, returns_facility, distance_table = tables[4:]
        sections = [
            Section(t("sec_wr_national", lang), [national_table, reasons_table]),
            Section(t("sec_wr_facility", lang), [facility_table]),
            Section(t("sec_wr_sites", lang), [site_table]),
            Section(t("sec_wr_returns", lang), [returns_table, returns_facility]),
            Section(t("sec_wr_distance", lang), [distance_table]),
            *annex_sections(lake, con, as_of, lang, info["rule_versions"], audit),
        ]
    finally:
        con.close()
    if audits is not None:
        audits.append(audit)
    meta = [
        t("meta_wr", lang, policy=", ".join(info["policies"]), as_of=as_of,
          rules=", ".join(info["rule_versions"])),
        t("generated", lang, at=generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        t("privacy_note_audited", lang, threshold=threshold),
    ]  # fmt: skip
    return Report(
        lang=lang,
        title=t("wr_title", lang, year=year),
        meta=meta,
        cards=cards,
        sections=sections,
        generated_at=generated_at,
        as_of=as_of,
    )


def wr_tables(
    con: duckdb.DuckDBPyConnection, year: int, lang: str, threshold: int
) -> tuple[list[Table], list[tuple[str, int]], dict[str, Any], Audit]:
    """The report's tables from the mart views of `con` (`data.connect`), protected: the
    national, reasons, facility, site, returns, returns-by-facility and distance tables (in
    that order), the cards, the policies and rule versions, and what the audit found."""
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
    wr_reasons = d.wr_reasons(con)
    model = wr_model(d.wr_atoms(con), registry, sites, returns, wr_reasons, threshold)

    national_table = _national_table(national, placed_now, sites, return_totals, lang, model)
    facility_table = _facility_table(per_facility, registry, seeds, lang, model)
    site_table = _site_table(registry, sites, lang, model)
    returns_table, returns_facility = _returns_tables(returns, return_totals, registry, lang, model)
    distance_table = _distance_table(registry, per_facility, lang)
    reasons_table = _reasons_table(wr_reasons, lang, model)
    cards = [
        (t("considered", lang), sum(national.values())),
        (t("eligible", lang), national["eligible"]),
        (t("almost_eligible", lang), national["almost_eligible"]),
        (t("col_placed", lang), placed_now),
        (t("col_returns_year", lang), sum(return_totals.values())),
        (t("violation", lang), return_totals.get("violation", 0)),
    ]
    _register_cards(model, cards, lang)
    tables = [national_table, reasons_table, facility_table, site_table, returns_table,
              returns_facility]  # fmt: skip
    for table in tables:
        if unregistered(model, table):
            raise ValueError(f"table {table.key}: counts the disclosure audit does not see")
    audit = protect(model)
    apply(model, tables, lang)
    return (
        [national_table, reasons_table, facility_table, site_table, returns_table,
         returns_facility, distance_table],
        cards,
        info,
        audit,
    )  # fmt: skip


def wr_model(
    people: list[tuple],
    registry: dict[str, dict[str, Any]],
    sites: list[dict[str, Any]],
    returns: dict[str, Counter],
    wr_reasons: dict[str, Counter],
    threshold: int,
) -> DisclosureModel:
    """The families of the report: people per facility, status, placed now and site (a
    facility's registered sites, any other seen in the mart); the year's placements and
    returns (people) per site; return events per facility and reason; the national
    reasons. Atoms span every printed row and column, as in `round_model`."""
    model = DisclosureModel(threshold)
    statuses = [*STATUSES, *sorted({row[1] for row in people} - set(STATUSES))]
    counts = Counter[tuple]()
    for facility, status, placed, site, n in people:
        counts[(facility, status, placed, site)] += n
    places = {(row[0], row[2], row[3]) for row in people}
    for facility in {row[0] for row in people}:
        places.add((facility, False, None))
        registered = (registry.get(facility) or {}).get("work_sites") or []
        places |= {(facility, True, site) for site, _ in registered}
    model.family("wr_people", ("facility", "status", "placed", "site"),
                 {(f, s, placed, site): counts[(f, s, placed, site)]
                  for f, placed, site in sorted(places, key=repr) for s in statuses})  # fmt: skip
    for name, measure in (("wr_placements", "placements"), ("wr_site_returns", "returns")):
        model.family(name, ("site",), {(row["site_id"],): row[measure] for row in sites})
    reasons = [
        *RETURN_REASONS,
        *sorted({r for c in returns.values() for r in c} - set(RETURN_REASONS)),
    ]
    events = {(f, r): returns[f].get(r, 0) for f in sorted(returns) for r in reasons}
    model.family("wr_returns", ("facility", "reason"), events)
    national = {(r, s): n for r, c in sorted(wr_reasons.items()) for s, n in c.items()}
    model.family("wr_reasons", ("reason", "status"), national)
    return model


def _register_cards(model: DisclosureModel, cards: list[tuple[str, int]], lang: str) -> None:
    specs: list[tuple[str, dict[str, Any]]] = [
        ("wr_people", {"status": tuple(STATUSES)}),
        ("wr_people", {"status": "eligible"}),
        ("wr_people", {"status": "almost_eligible"}),
        ("wr_people", {"placed": True}),
        ("wr_returns", {}),
        ("wr_returns", {"reason": "violation"}),
    ]
    for i, ((label, value), (family, filters)) in enumerate(zip(cards, specs, strict=True)):
        place = Place("cards", t("key_figures", lang), None, i, label, "", "card")
        model.show(family, model.families[family].select(**filters), value, place, protected=True)


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
    model: DisclosureModel,
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
    rows: list[Spec] = [
        ("wr_people", {"status": tuple(STATUSES)}),
        *(("wr_people", {"status": s}) for s in STATUSES),
        ("wr_people", {"placed": True}),
        ("wr_placements", {}),
        ("wr_returns", {}),
    ]
    register_table(model, national_table, rows, {1: (None, {})}, protected=True)
    bars = [(t(s, lang), national[s]) for s in STATUSES]
    national_table.chart = charts.bar_chart(
        t("chart_statuses", lang), bars, number=lambda v: number(v, lang)
    )
    national_table.chart_data = {"title": t("chart_statuses", lang), "items": bars}
    register_chart(model, national_table, [("wr_people", {"status": s}) for s in STATUSES])
    return national_table


def _facility_table(
    per_facility: list[dict[str, Any]],
    registry: dict[str, dict[str, Any]],
    seeds: dict[str, dict[str, str]],
    lang: str,
    model: DisclosureModel,
) -> Table:
    """People per status and placed now, per facility.

    "placed" overlaps the statuses, so rows have no total; columns add up nationally."""
    facility_table = count_table(
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
    )  # fmt: skip
    columns: dict[int, Spec] = {3 + i: (None, {"status": s}) for i, s in enumerate(STATUSES)}
    columns[7] = (None, {"placed": True})
    register_table(model, facility_table,
                   [("wr_people", {"facility": r["facility_id"]}) for r in per_facility],
                   columns, total=True, protected_total=True)  # fmt: skip
    return facility_table


def _site_table(
    registry: dict[str, dict[str, Any]],
    sites: list[dict[str, Any]],
    lang: str,
    model: DisclosureModel,
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
    site_table = count_table(
        "wr_sites",
        t("sec_wr_sites", lang),
        [t("col_site", lang), t("col_facility", lang)],
        [r[:2] for r in site_rows],
        [t("col_placed", lang), t("col_placements_year", lang), t("col_returns_year", lang)],
        [r[3:] for r in site_rows],
        lang,
    )
    # distance is not a count: put it back after the labels
    site_table.columns.insert(2, t("col_distance", lang))
    site_table.kinds.insert(2, "float")
    for row, source in zip(site_table.rows, site_rows, strict=True):
        row.insert(2, source[2])
    if site_table.total:
        site_table.total.insert(2, None)
    # a site seen in no event of the year prints 0 placed now (the events' view of it)
    nowhere = {"site": ()}
    rows: list[Spec] = [(None, {"site": r[0]} if r[0] in seen else nowhere) for r in site_rows]
    columns: dict[int, Spec] = {
        3: ("wr_people", {"placed": True}),
        4: ("wr_placements", {}),
        5: ("wr_site_returns", {}),
    }
    register_table(model, site_table, rows, columns, total=True, protected_total=True)
    return site_table


def _returns_tables(
    returns: dict[str, Counter],
    return_totals: Counter[str],
    registry: dict[str, dict[str, Any]],
    lang: str,
    model: DisclosureModel,
) -> tuple[Table, Table]:
    """The year's returns by reason (national), then by facility and reason."""
    reasons = [*RETURN_REASONS, *sorted(set(return_totals) - set(RETURN_REASONS))]
    returns_table = plain_table(
        "wr_returns",
        t("sec_wr_returns", lang),
        [t("col_reason", lang), t("col_code", lang), t("col_records", lang)],
        ["text", "text", "int"],
        [[t(r, lang), r, return_totals.get(r, 0)] for r in reasons],
        lang,
    )
    register_table(model, returns_table, [("wr_returns", {"reason": r}) for r in reasons],
                   {2: (None, {})}, total=True, protected=True)  # fmt: skip
    bars = [(t(r, lang), return_totals.get(r, 0)) for r in reasons]
    returns_table.chart = charts.bar_chart(
        t("chart_returns", lang), bars, number=lambda v: number(v, lang)
    )
    returns_table.chart_data = {"title": t("chart_returns", lang), "items": bars}
    register_chart(model, returns_table, [("wr_returns", {"reason": r}) for r in reasons])
    return_facilities = sorted(returns)
    returns_facility = count_table(
        "wr_returns_facility",
        t("sec_wr_returns_facility", lang),
        [t("col_facility", lang)],
        [[facility_label(f, registry)] for f in return_facilities],
        [t(r, lang) for r in reasons],
        [[returns[f].get(r, 0) for r in reasons] for f in return_facilities],
        lang,
        total_header=t("col_total", lang),
    )
    columns: dict[int, Spec] = {1: (None, {})}
    columns |= {2 + i: (None, {"reason": r}) for i, r in enumerate(reasons)}
    register_table(model, returns_facility,
                   [("wr_returns", {"facility": f}) for f in return_facilities], columns,
                   total=True, protected_total=True)  # fmt: skip
    if not return_facilities:
        returns_facility.notes.append(t("no_rows", lang))
    return returns_table, returns_facility


def _distance_table(
    registry: dict[str, dict[str, Any]], per_facility: list[dict[str, Any]], lang: str
) -> Table:
    """MoPS prisons' work sites against the policy's distance limit (the one the mart
    applied, from seeds/rules/work_release_policy.csv), cross-checked with the mart. A prison
    the mart has no one of is judged by the national limit when there is one limit."""
    limits = {r["facility_id"]: r["site_limit_km"] for r in per_facility}
    national = {km for km in limits.values() if km is not None}
    only = next(iter(national)) if len(national) == 1 else None
    distance_rows = []
    for facility_id, f in sorted(registry.items()):
        if f.get("agency") != "MoPS" or f.get("kind") != "prison":
            continue
        kms = [km for _, km in f["work_sites"]]
        limit = limits.get(facility_id)
        limit = only if limit is None else limit
        within = None if limit is None else sum(km <= limit for km in kms)
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
    shown = ", ".join(f"{number(km, lang)} km" for km in sorted(national)) or "–"
    distance_table.notes.append(t("note_site_limit", lang).format(limit=shown))
    distance_table.notes.append(
        ("Khoảng cách theo sự kiện đăng ký cơ sở; bảng xét duyệt dùng nearest_site_km. "
         if lang == "vi" else
         "Distances from the facility registrations; the mart uses nearest_site_km. ")
        + (f"≠: {', '.join(mismatched)}" if mismatched else "✓")
    )  # fmt: skip
    return distance_table


def _reasons_table(
    wr_reason_counts: dict[str, Counter], lang: str, model: DisclosureModel
) -> Table:
    """Unmet criteria by status, the most common reason first (national figures)."""
    reason_codes = sorted(wr_reason_counts, key=lambda r: -sum(wr_reason_counts[r].values()))
    unmet = ["almost_eligible", "ineligible", "excluded"]
    reasons_table = plain_table(
        "wr_reasons",
        t("sec_wr_reasons", lang),
        [t("col_reason", lang), t("col_code", lang), *(t(s, lang) for s in unmet)],
        ["text", "text", "int", "int", "int"],
        [[t(r, lang), r, *(wr_reason_counts[r].get(s, 0) for s in unmet)]
         for r in reason_codes],
        lang,
        total=False,
    )  # fmt: skip
    register_table(model, reasons_table, [("wr_reasons", {"reason": r}) for r in reason_codes],
                   {2 + i: (None, {"status": s}) for i, s in enumerate(unmet)},
                   protected=True)  # fmt: skip
    return reasons_table
