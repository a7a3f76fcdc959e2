"""The amnesty round report MoPS sends upward: tables from the lake → HTML, XLSX and PDF.

The tables are built with their true counts, and every count they print (cells, totals,
cards, chart bars, numbers in notes) is registered with a `DisclosureModel` as a sum of
atoms of its family (`round_model`). `disclosure.protect` then hides small counts and their
complements until integer programming shows that no hidden count can be derived from the
rest, or fails the build naming the cell; `disclosure.apply` blanks them. A table that
prints a count the model does not know stops the build (`_check_complete`)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb

from clemency.lake.layout import Lake, round_report_subject
from clemency.reports import charts, safe_text
from clemency.reports import data as d
from clemency.reports.data import STATUSES, Report, Section, Table
from clemency.reports.disclosure import (
    COMPLEMENT,
    PRIMARY,
    WITHHELD,
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


def build_round_report(
    lake: Lake,
    round_id: str,
    out_dir: Path,
    lang: str = "vi",
    threshold: int = 5,
    generated_at: dt.datetime | None = None,
) -> dict[str, Path]:
    """Write the round's report as HTML, XLSX and PDF into `out_dir/<round>/<as_of>/`;
    return their paths."""
    arguments = {"round_id": round_id, "lang": lang, "threshold": threshold, "out": str(out_dir)}
    # round ids come from the mart: never let one name a file outside its folder
    stem = f"dac-xa-{safe_text.file_part(round_id)}-{lang}"
    subject = round_report_subject(safe_text.file_part(round_id))
    audits: list[Audit] = []
    return write_audited_report(
        lake,
        arguments,
        lambda: round_report(lake, round_id, lang, threshold, generated_at, audits),
        Path(out_dir),
        stem,
        audits,
        subject=subject,
    )


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


def count_table(
    key: str,
    title: str,
    label_headers: list[str],
    labels: list[list[Any]],
    count_headers: list[str],
    counts: list[list[int]],
    lang: str,
    total_header: str | None = None,
) -> Table:
    """A table of counts per facility, agency, province, site…: the labels, with
    `total_header` the row total first, then the counts; the totals row adds up every
    column. Nothing is hidden here: the report's `DisclosureModel` decides what to hide,
    over all of its tables at once (`disclosure.protect`)."""
    rows = [
        [*label, *([sum(row)] if total_header else []), *row]
        for label, row in zip(labels, counts, strict=True)
    ]
    headers = [*label_headers, *([total_header] if total_header else []), *count_headers]
    kinds = ["text"] * len(label_headers) + ["int"] * (len(headers) - len(label_headers))
    table = Table(key, title, headers, kinds, rows)
    if labels:
        column_sums = [sum(col) for col in zip(*counts, strict=True)] if counts else []
        grand = [sum(map(sum, counts))] if total_header else []
        table.total = [
            t("total", lang),
            *[None] * (len(label_headers) - 1),
            *grand,
            *column_sums,
        ]
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


# --- the disclosure model: what every count of the report adds up from ----------------------

# The columns of a status table: considered (the four statuses), then each status.
STATUS_COLUMNS: dict[int, Spec] = {
    0: (None, {"status": tuple(STATUSES)}),
    **{1 + i: (None, {"status": s}) for i, s in enumerate(STATUSES)},
}
# Rows of the national table (and the cards): the first eight are national figures.
NATIONAL: list[Spec] = [
    ("status", {}),
    *(("status", {"status": s}) for s in STATUSES),
    ("lifecycle", {"proposed": True}),
    ("lifecycle", {"granted": True}),
    ("lifecycle", {"released": True}),
    ("nationality", {"foreign": True}),
    ("lifecycle", {"foreign": True, "granted": True}),
]
# Who can be in the lifecycle (proposed, granted, released; when proposed, the proposal day
# against the facility-list deadline): released people were granted.
LIFECYCLE_FLAGS = [
    *((True, g, r, day) for g, r in ((False, False), (True, False), (True, True))
      for day in ("late", "on_time", "none")),
    (False, True, False, "none"),
    (False, True, True, "none"),
]  # fmt: skip


def shifted(columns: dict[int, Spec], offset: int) -> dict[int, Spec]:
    return {offset + c: spec for c, spec in columns.items()}


def round_model(con: duckdb.DuckDBPyConnection, round_id: str, threshold: int) -> DisclosureModel:
    """The families of the round report: people per facility, review channel, court and
    status, the people missing each criterion per facility and status, people per
    nationality and status, the lifecycle per review channel, court and nationality, and
    each special category against the statuses.

    Each family's atoms are the cross product of every value its tables print as a row or
    column (and every value in the data): a reader knows no more about which of them are
    empty than the printed zeros say."""
    model = DisclosureModel(threshold)
    people = d.status_atoms(con, round_id)
    statuses = [*STATUSES, *sorted({row[6] for row in people} - set(STATUSES))]
    status = Counter[tuple[str, str, str, str, str, str]]()
    nationality = Counter[tuple[str, bool, str]]()
    for facility, agency, province, channel, court, nat, s, n in people:
        status[(facility, agency, province, channel, court, s)] += n
        nationality[(nat, nat != "VN", s)] += n
    combos = sorted(_status_places(people))
    model.family("status", ("facility", "agency", "province", "channel", "court", "status"),
                 {(*c, s): status[(*c, s)] for c in combos for s in statuses})  # fmt: skip
    foreign_rows = sorted(d.foreigners_by_nationality(con, round_id))
    nats = sorted({row[5] for row in people} | set(foreign_rows) | {"VN"})
    family = model.family("nationality", ("nat_label", "foreign", "status"),
                          {(n, n != "VN", s): nationality[(n, n != "VN", s)]
                           for n in nats for s in statuses})  # fmt: skip
    national = {s: sum(v for k, v in status.items() if k[5] == s) for s in statuses}
    for s in statuses:  # the national statuses, printed with the status family
        model.show("nationality", family.select(status=s), national[s], None, protected=True)
    _reason_family(model, con, round_id, statuses)
    printed = {
        "channels": channel_rows(con, round_id),
        "courts": sorted(d.court_counts(con, round_id)),
        "nationalities": foreign_rows,
    }
    _lifecycle_family(model, d.lifecycle_atoms(con, round_id), printed)
    _special_families(model, d.special_category_counts(con, round_id), national)
    return model


def _status_places(people: list[tuple]) -> set[tuple[str, str, str, str, str]]:
    """(facility, agency, province, channel, court) of the status family: every facility
    with its own agency's channel, and with every court of the courts table. A reader is
    not told which facility a person on suspension was last held in, so the model must not
    know it either (else it would take a facility's count for its channel's, and let a
    line's "may be 0" cover a cell the reader takes as at least 1)."""
    own = {row["agency"]: code for code, row in d.review_channels().items()
           if row["reviews"] == "facility_agency"}  # fmt: skip
    courts_channel = d.channel_reviewing("temporary_suspension")
    courts = sorted({row[4] for row in people if row[3] in courts_channel})
    places = {row[:5] for row in people}
    for facility, agency, province in {row[:3] for row in people}:
        if agency in own:  # else its own channel is the one its rows already name
            places.add((facility, agency, province, own[agency], ""))
        places |= {(facility, agency, province, c, k) for c in courts_channel for k in courts}
    return places


def channel_rows(con: duckdb.DuckDBPyConnection, round_id: str) -> list[str]:
    """The review channels the agency tables print, in seed order (amnesty_review_channels:
    MoPS, MND, courts always), then any other the decisions name, and "" (unknown agency)
    when some decision has no channel. With the courts among them the rows add up to the
    national figures, so a court's count is no difference of printed totals."""
    seeded = list(d.review_channels())
    seen = set(d.status_counts(con, round_id, "review_channel"))
    rows = [*seeded, *sorted(seen - set(seeded) - {""})]
    return rows + ([""] if "" in seen else [])


def _reason_family(
    model: DisclosureModel, con: duckdb.DuckDBPyConnection, round_id: str, statuses: list[str]
) -> None:
    """One family per criterion: the people missing it per facility and status. The
    facility, agency and national reason tables are its marginals; what the rules make
    public links it to the status family: an eligible person misses no criterion, and a
    person misses one once, so the people of a facility and status missing it are at most
    the people of that facility and status (both checked on the mart first)."""
    rows = d.reason_atoms(con, round_id)
    premises = d.reason_premises(con, round_id)
    people = model.families["status"]
    combos = sorted({key[:3] for key in people.keys})
    domain = [s for s in statuses if s != "eligible" or premises["eligible_with_reason"]]
    domain += sorted({row[3] for row in rows} - set(domain))
    counts = Counter[tuple[str, str, str, str, str]]()
    for facility, agency, province, s, reason, n in rows:
        counts[(reason, facility, agency, province, s)] += n
    for r in sorted({row[4] for row in rows}, key=str):
        name = f"reasons:{r}"
        atoms = {(*c, s): counts[(r, *c, s)] for c in combos for s in domain}
        family = model.family(name, ("facility", "agency", "province", "status"), atoms)
        if premises["repeated"]:
            continue
        for (facility, agency, province), s in itertools.product(combos, domain):
            where = {"facility": facility, "agency": agency, "province": province, "status": s}
            missed, cell = family.select(**where), people.select(**where)
            if missed and family.total(missed) <= people.total(cell):
                model.link((name, missed), ("status", cell))


UNATTRIBUTED = ["not_considered", "unknown_agency"]  # int_amnesty_round_lifecycle


def _lifecycle_family(model: DisclosureModel, rows: list[tuple], printed: dict[str, list]) -> None:
    """Proposed, granted, released per review channel, court (the courts channel) and
    nationality (and proposal timing, and why no channel answers for an unattributed one)."""
    counts = Counter[tuple]()
    for row in rows:
        counts[tuple(row[:-1])] += row[-1]
    courts_channel = d.channel_reviewing("temporary_suspension")
    # (channel, court, unattributed reason): a court only in the courts channel, a reason
    # only without a channel
    places = {(row[0], row[1], row[8]) for row in rows}
    places |= {(c, "", "") for c in printed["channels"] if c}
    places |= {(c, court, "") for c in courts_channel for court in printed["courts"]}
    places |= {("", "", reason) for reason in UNATTRIBUTED}
    nats = {(row[2], row[3]) for row in rows} | {("VN", False)}
    for label in printed["nationalities"]:  # "?" may be a missing or an unknown nationality
        nats |= {(label, True), (label, False)} if label == "?" else {(label, True)}
    atoms: dict[tuple, int] = {}
    for (channel, court, reason), nat, flags in itertools.product(
        sorted(places), sorted(nats), LIFECYCLE_FLAGS
    ):
        key = (channel, court, *nat, *flags[:3], flags[3], reason)
        atoms[key] = counts[key]
    for key, n in counts.items():  # anything the flags above do not foresee
        atoms.setdefault(key, n)
    model.family(
        "lifecycle",
        ("channel", "court", "nat_label", "foreign", "proposed", "granted", "released", "day",
         "unattributed"),
        atoms,
    )  # fmt: skip


def _special_families(
    model: DisclosureModel, special: dict[str, Counter], national: dict[str, int]
) -> None:
    """Each category against the national statuses: in it or not, per status."""
    for category in sorted(special, key=str):
        statuses = [*national, *sorted(set(special[category]) - set(national))]
        inside = {s: special[category].get(s, 0) for s in statuses}
        name = f"special:{category}"
        family = model.family(name, ("member", "status"),
                              {**{(True, s): inside[s] for s in statuses},
                               **{(False, s): max(national.get(s, 0) - inside[s], 0)
                                  for s in statuses}})  # fmt: skip
        for s in statuses:
            if national.get(s, 0) >= inside[s]:
                model.show(name, family.select(status=s), national.get(s, 0), None,
                           protected=True)  # fmt: skip


# --- sections ------------------------------------------------------------------------------


def _status_sections(
    con: duckdb.DuckDBPyConnection,
    round_id: str,
    lang: str,
    registry: dict[str, dict[str, Any]],
    model: DisclosureModel,
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
    register_table(model, national_table, NATIONAL, {1: (None, {})}, protected_rows=range(8))
    bars = [(t(s, lang), national.get(s, 0)) for s in STATUSES]
    national_table.chart = charts.bar_chart(
        t("chart_statuses", lang), bars, number=lambda v: number(v, lang)
    )
    national_table.chart_data = {"title": t("chart_statuses", lang), "items": bars}
    register_chart(model, national_table, [("status", {"status": s}) for s in STATUSES])

    by_channel = d.status_counts(con, round_id, "review_channel")
    channels = channel_rows(con, round_id)
    # The review channels of Decision 1244: MoPS, MND, and the courts for people on
    # suspension (by court in their own table). Every status table is a marginal of the
    # facility table's family: one model audits them all (a channel of one facility is
    # that facility's row).
    channel_labels = [[channel_label(c, lang)] for c in channels]
    agency_table = count_table(
        "agency",
        t("sec_agency", lang),
        [t("col_agency", lang)],
        channel_labels,
        [t(s, lang) for s in STATUSES],
        [[by_channel.get(c, Counter()).get(s, 0) for s in STATUSES] for c in channels],
        lang,
        total_header=t("col_considered", lang),
    )
    register_table(model, agency_table, [("status", {"channel": c}) for c in channels],
                   shifted(STATUS_COLUMNS, 1), total=True, protected_total=True)  # fmt: skip
    attributed = [c for c in channels if c]
    lifecycle_table = count_table(
        "agency_lifecycle",
        t("sec_agency_lifecycle", lang),
        [t("col_agency", lang)],
        [[channel_label(c, lang)] for c in attributed],
        funnel_headers(lang),
        [
            [life.get(c, {}).get(k, 0) for k in ("proposed", "granted", "released")]
            for c in attributed
        ],
        lang,
    )
    register_table(model, lifecycle_table, [("lifecycle", {"channel": c}) for c in attributed],
                   shifted(FUNNEL_COLUMNS, 1), total=True, protected_total=True)  # fmt: skip
    if "" in channels:  # what the "unknown" row means; its counts are in the row
        agency_table.notes.append(t("unknown_agency", lang))
    courts_table = _courts_table(con, round_id, lang, model)
    unattributed_table = _unattributed_table(con, round_id, lang, model)

    seeds = {p["name_vi"]: p for p in d.provinces()}
    by_province = d.status_counts(con, round_id, "province")
    names = [*seeds, *sorted(set(by_province) - set(seeds))]
    province_table = count_table(
        "province",
        t("sec_province", lang),
        [t("col_province", lang)],
        [[province_label(p, lang, seeds) or "?"] for p in names],
        [t(s, lang) for s in STATUSES],
        [[by_province.get(p, Counter()).get(s, 0) for s in STATUSES] for p in names],
        lang,
        total_header=t("col_considered", lang),
    )
    register_table(model, province_table, [("status", {"province": p}) for p in names],
                   shifted(STATUS_COLUMNS, 1), total=True, protected_total=True)  # fmt: skip

    by_facility = d.status_counts(con, round_id, "facility_id")
    facility_ids = sorted(by_facility)
    facility_table = count_table(
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
        total_header=t("col_considered", lang),
    )
    register_table(model, facility_table, [("status", {"facility": f}) for f in facility_ids],
                   shifted(STATUS_COLUMNS, 3), total=True, protected_total=True)  # fmt: skip
    return [
        Section(t("sec_national", lang), [national_table]),
        Section(t("sec_agency", lang), [agency_table, lifecycle_table]),
        Section(t("sec_courts", lang), [courts_table, unattributed_table]),
        Section(t("sec_province", lang), [province_table]),
        Section(t("sec_facility", lang), [facility_table]),
    ]


def channel_label(channel: str, lang: str) -> str:
    """A review channel as the agency tables print it: the agency code for a facility
    channel, the reviewer (seed amnesty_review_channels) for the others."""
    row = d.review_channels().get(channel)
    if not channel:
        return t("unknown", lang)
    if row is None or row["reviews"] == "facility_agency":
        return channel
    return t("col_court", lang)


def _courts_table(
    con: duckdb.DuckDBPyConnection, round_id: str, lang: str, model: DisclosureModel
) -> Table:
    """The courts' review channel by court and province: considered, eligible (decisions),
    proposed, granted (lifecycle)."""
    counts = d.court_counts(con, round_id)
    registry = d.courts()
    seeds = {p["name_vi"]: p for p in d.provinces()}
    court_ids = sorted(counts)
    channel = d.channel_reviewing("temporary_suspension")
    table = count_table(
        "courts",
        t("sec_courts", lang),
        [t("col_court", lang), t("col_province", lang)],
        [
            [
                registry.get(c, {}).get("court_name") or c or t("unknown", lang),
                province_label(registry.get(c, {}).get("province") or "", lang, seeds),
            ]
            for c in court_ids
        ],
        [t("col_considered", lang), t("eligible", lang), t("col_proposed", lang),
         t("col_granted", lang)],
        [
            [sum(counts[c].get(s, 0) for s in STATUSES), counts[c].get("eligible", 0),
             counts[c].get("proposed", 0), counts[c].get("granted", 0)]
            for c in court_ids
        ],
        lang,
    )  # fmt: skip
    columns: dict[int, Spec] = {
        2: ("status", {"status": tuple(STATUSES)}),
        3: ("status", {"status": "eligible"}),
        4: ("lifecycle", {"proposed": True}),
        5: ("lifecycle", {"granted": True}),
    }
    register_table(model, table, [(None, {"channel": channel, "court": c}) for c in court_ids],
                   columns, total=True)  # fmt: skip
    table.notes.append(t("courts_note", lang))
    if not court_ids:
        table.notes.append(t("no_rows", lang))
    return table


def _unattributed_table(
    con: duckdb.DuckDBPyConnection, round_id: str, lang: str, model: DisclosureModel
) -> Table:
    """Grants no review channel answers for, counted by the reason."""
    grants = d.unattributed_grants(con, round_id)
    reasons = [*UNATTRIBUTED, *sorted(set(grants) - set(UNATTRIBUTED))]
    table = plain_table(
        "unattributed",
        t("sec_unattributed", lang),
        [t("col_reason", lang), t("col_code", lang), t("col_granted", lang)],
        ["text", "text", "int"],
        [[t(r, lang), r, grants.get(r, 0)] for r in reasons],
        lang,
    )
    register_table(model, table,
                   [("lifecycle", {"channel": "", "unattributed": r}) for r in reasons],
                   {2: (None, {"granted": True})}, total=True)  # fmt: skip
    table.notes.append(t("unattributed_note", lang))
    return table


def funnel_headers(lang: str) -> list[str]:
    return [t("col_proposed", lang), t("col_granted", lang), t("col_released", lang)]


FUNNEL_COLUMNS: dict[int, Spec] = {
    0: (None, {"proposed": True}),
    1: (None, {"granted": True}),
    2: (None, {"released": True}),
}


def _reason_sections(
    con: duckdb.DuckDBPyConnection,
    round_id: str,
    lang: str,
    registry: dict[str, dict[str, Any]],
    model: DisclosureModel,
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
    register_table(model, national, [(f"reasons:{r}", {}) for r in reasons],
                   {2 + i: (None, {"status": s}) for i, s in enumerate(unmet_statuses)},
                   protected=True)  # fmt: skip
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
    register_chart(model, national, [(f"reasons:{r}", {}) for r in reasons])

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
    register_table(model, agency, [(f"reasons:{r}", {}) for r in reasons],
                   {1 + j: (None, {"agency": a}) for j, a in enumerate(agencies)})  # fmt: skip
    by_facility = d.reason_counts(con, round_id, "facility_id")
    facility_ids = sorted(by_facility)
    facility = count_table(
        "reasons_facility",
        t("sec_reasons_facility", lang),
        [t("col_facility", lang)],
        [[facility_label(f, registry)] for f in facility_ids],
        [t(r, lang) for r in reasons],
        [[by_facility[f].get(r, 0) for r in reasons] for f in facility_ids],
        lang,
    )
    facility.total = None  # reasons overlap per person; the national table has the totals
    register_table(model, facility, [(None, {"facility": f}) for f in facility_ids],
                   {1 + j: (f"reasons:{r}", {}) for j, r in enumerate(reasons)})  # fmt: skip
    return [
        Section(t("sec_reasons", lang), [national, agency, facility]),
    ]


def _special_and_foreigners(con, round_id: str, lang: str, model: DisclosureModel) -> list[Section]:
    special = d.special_category_counts(con, round_id)
    categories = sorted(special)
    special_table = plain_table(
        "special",
        t("sec_special", lang),
        [t("col_category", lang), *status_headers(lang)],
        ["text"] + ["int"] * 5,
        [[t(c, lang), *status_row(Counter(special[c]))] for c in categories],
        lang,
        total=False,
    )
    # a national breakdown of a sensitive attribute: the same threshold and audit
    # considered: every status of the category (status_row adds them all up)
    register_table(model, special_table,
                   [(f"special:{c}", {"member": True}) for c in categories],
                   shifted(STATUS_COLUMNS, 1) | {1: (None, {})})  # fmt: skip
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
    columns: dict[int, Spec] = {
        c: ("nationality", filters) for c, (_, filters) in shifted(STATUS_COLUMNS, 1).items()
    }
    columns |= {6: ("lifecycle", {"proposed": True}), 7: ("lifecycle", {"granted": True})}
    register_table(model, foreign_table, [(None, {"nat_label": n}) for n in sorted(foreign)],
                   columns, total=True)  # fmt: skip
    if not foreign:
        foreign_table.notes.append(t("no_rows", lang))
    return [
        Section(t("sec_special", lang), [special_table]),
        Section(t("sec_foreigners", lang), [foreign_table]),
    ]


def _comparison(con, round_id: str, lang: str, model: DisclosureModel) -> Section:
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
    # this round's row repeats its national figures; other rounds' rows are theirs
    columns: dict[int, Spec] = {3: ("status", {})}
    columns |= {4 + i: ("status", {"status": s}) for i, s in enumerate(STATUSES)}
    columns |= {8 + c: ("lifecycle", spec[1]) for c, spec in FUNNEL_COLUMNS.items()}
    this = [i for i, r in enumerate(rows) if r["round_id"] == round_id]
    register_table(model, table, [(None, {})] * len(rows), columns, protected=True,
                   only_rows=this)  # fmt: skip
    table.notes.append("* đợt của báo cáo này" if lang == "vi" else "* the round of this report")
    return Section(t("sec_comparison", lang), [table])


def _timeline(
    con, round_id: str, info: dict[str, Any], lang: str, model: DisclosureModel
) -> Section:
    dates = d.round_dates(con, round_id)
    candidates: list[tuple[dt.date | None, str, str]] = []
    signed = info.get("signed_date")
    if signed:
        candidates.append((signed, "tl_signed", "actual"))
        for key, day in d.procedural_deadlines(con, round_id).items():
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
    if d.procedural_deadlines(con, round_id).get("tl_facility_lists") and dates["proposals"]:
        late = d.late_proposals(con, round_id)
        table.notes.append(t("late_proposals", lang, late=late, total=dates["proposals"]))
        # national figures of the proposals, printed in a note: audited like the tables
        family = model.families["lifecycle"]
        for i, (days, value) in enumerate(
            [(("late",), late), (("late", "on_time"), dates["proposals"])]
        ):
            label = t("late_proposals", lang, late="…", total="…")
            place = Place(table.key, table.title, None, len(table.notes) - 1, label, str(i),
                          "note")  # fmt: skip
            model.show("lifecycle", family.select(day=days), value, place, protected=True)
    table.notes.append(t("timeline_note", lang))
    table.chart = charts.timeline(
        t("sec_timeline", lang), [(day, t(key, lang), kind) for day, key, kind in milestones]
    )
    return Section(t("sec_timeline", lang), [table])


def annex_sections(
    lake: Lake,
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    lang: str,
    rule_versions: list[str],
    audit: Audit | None = None,
) -> list[Section]:
    """The data-quality annex every report carries (with `audit`, what the small-count
    audit found)."""
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
    gaps = plain_table(
        "dq_gaps",
        t("sec_gaps", lang),
        [t("col_gap", lang), t("col_records", lang), t("col_checked", lang)],
        ["text", "int", "int"],
        [[g["gap"], g["gap_rows"], g["checked_rows"]] for g in d.referential_gaps(lake, as_of)],
        lang,
        total=False,
    )
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
        [t("col_source", lang), t("col_latest", lang), t("col_age_hours", lang),
         t("col_warn_after", lang), t("col_error_after", lang), t("col_status", lang)],
        ["text", "text", "float", "text", "text", "text"],
        [[f["source"], f["latest"], f["age_hours"], f["warn_after"], f["error_after"],
          f["status"]] for f in d.freshness(con)],
        lang,
        total=False,
    )  # fmt: skip
    fresh.notes.append(t("freshness_note", lang))
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
    tables = [ingest, quarantine, gaps, gx, fresh, lineage, offsets]
    if audit is not None:
        tables.append(disclosure_table(audit, lang))
    return [Section(t("sec_annex", lang), tables)]


def disclosure_table(audit: Audit, lang: str) -> Table:
    """The audit's result: what it read, what it hid, the narrowest interval it left. Its run
    time goes to the run's audit trail, so that the same inputs give the same bytes."""
    cells = audit.hidden_cells
    rows = [
        [t("dq_tables_audited", lang), f"{len(audit.tables)}: " + "; ".join(audit.tables)],
        [t("dq_hidden_primary", lang), number(cells[PRIMARY], lang)],
        [t("dq_hidden_complementary", lang), number(cells[COMPLEMENT], lang)],
        [t("dq_hidden_withheld", lang), number(cells[WITHHELD], lang)],
        [t("dq_narrowest", lang), audit.describe_narrowest(where=False)],
        [t("dq_solves", lang), number(audit.solves, lang)],
        [t("dq_run_time", lang), t("dq_run_time_where", lang)],
    ]
    table = plain_table(
        "dq_disclosure",
        t("sec_disclosure", lang),
        [t("col_item", lang), t("col_value", lang)],
        ["text", "text"],
        rows,
        lang,
        total=False,
    )
    if audit.withheld:
        table.notes.append(t("withheld_note", lang, lines=", ".join(audit.withheld)))
    return table


def round_report(
    lake: Lake,
    round_id: str,
    lang: str = "vi",
    threshold: int = 5,
    generated_at: dt.datetime | None = None,
    audits: list[Audit] | None = None,
) -> Report:
    """Gather every table of the round report (no files written). Every count is audited
    for small-count disclosure before the annex is added: a `DisclosureError` names the
    first cell nothing can protect. The audit is appended to `audits` when given."""
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
        con = d.connect(lake, as_of)  # the set of that as-of date, every view from it
        sections, cards, info, audit = round_tables(con, round_id, lang, threshold)
        sections += annex_sections(lake, con, as_of, lang, info["rule_versions"], audit)
    finally:
        con.close()
    if audits is not None:
        audits.append(audit)
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
        t("privacy_note_audited", lang, threshold=threshold),
    ]
    return Report(
        lang=lang,
        title=t("round_title", lang, round=round_id),
        meta=meta,
        cards=cards,
        sections=sections,
        generated_at=generated_at,
        as_of=as_of,
    )


def round_tables(
    con: duckdb.DuckDBPyConnection, round_id: str, lang: str, threshold: int
) -> tuple[list[Section], list[tuple[str, int]], dict[str, Any], Audit]:
    """The round's sections and key figures, every count registered with the disclosure
    model and protected (`disclosure.protect`, which raises `DisclosureError`); the round's
    declaration and the audit's result."""
    info = d.round_info(con, round_id)
    registry = d.facilities(con)
    national = d.status_counts(con, round_id).get("", Counter())
    life = d.lifecycle_counts(con, round_id).get("*", {})
    model = round_model(con, round_id, threshold)
    sections = [
        *_status_sections(con, round_id, lang, registry, model),
        *_reason_sections(con, round_id, lang, registry, model),
        *_special_and_foreigners(con, round_id, lang, model),
        _comparison(con, round_id, lang, model),
        _timeline(con, round_id, info, lang, model),
    ]
    cards = [
        (t("considered", lang), sum(national.values())),
        *((t(s, lang), national.get(s, 0)) for s in STATUSES),
        (t("proposed", lang), life.get("proposed", 0)),
        (t("granted", lang), life.get("granted", 0)),
        (t("released", lang), life.get("released", 0)),
    ]
    register_cards(model, cards, NATIONAL[:8], lang)
    tables = [table for section in sections for table in section.tables]
    _check_complete(model, tables, round_id)
    audit = protect(model)
    apply(model, tables, lang)
    return sections, cards, info, audit


def register_cards(
    model: DisclosureModel, cards: list[tuple[str, int]], specs: list[Spec], lang: str
) -> None:
    """The key figures at the top: national figures, audited like every other count."""
    for i, ((label, value), (family, filters)) in enumerate(zip(cards, specs, strict=True)):
        assert family is not None
        place = Place("cards", t("key_figures", lang), None, i, label, "", "card")
        model.show(family, model.families[family].select(**filters), value, place, protected=True)


def _check_complete(model: DisclosureModel, tables: list[Table], round_id: str) -> None:
    """Every count a table of the report prints must be in the model."""
    for table in tables:
        exempt: list[int] = []
        if table.key == "rounds":  # the other rounds' national figures
            exempt = [i for i, row in enumerate(table.rows) if row[0] != f"{round_id} *"]
        missing = unregistered(model, table, exempt)
        if missing:
            raise ValueError(
                f"table {table.key}: counts the disclosure audit does not see: {missing[:3]}"
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
