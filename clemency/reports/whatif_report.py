"""The comparison report of a what-if scenario (`clemency whatif`): an amnesty round's
decisions as published and under the changed rules, side by side, for the adviser.

It reads the scenario's manifest (`<scenario>/scenario.json`, written by
clemency/transform/scenario.py: the round, the as-of date, every change with its source)
and the two person-level marts it names, and prints counts only: by status, the moves
between statuses, by agency and by province (before, after, and how many change status),
and the people missing each criterion. Nobody is listed: the people who change status are
counted.

Every count is the sum of atoms of one family (people per agency, province, status before
and status after; per criterion, people missing it before and after), so each table is
built from the atoms it is audited on. National figures are always shown, as in the round
report; every other count goes through `disclosure.protect` and `apply`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from clemency.lake import locks
from clemency.lake.audit import audited, file_entry
from clemency.lake.layout import Lake
from clemency.reports import data as d
from clemency.reports.data import STATUSES, Report, Section, Table
from clemency.reports.disclosure import (
    Audit,
    DisclosureModel,
    Family,
    Place,
    apply,
    protect,
    unregistered,
)
from clemency.reports.i18n import CRITERIA, check_language, t
from clemency.reports.publish import REPORT_LOCK_WAIT_S, sweep_temporaries, write_files
from clemency.reports.round_report import disclosure_table, province_label

# The report's own labels (Vietnamese, English); the shared ones come from i18n.t.
LABELS: dict[str, tuple[str, str]] = {
    "title": (
        "Giả định chính sách đặc xá đợt {round}: so sánh trước và sau",
        "Amnesty round {round} policy what-if: before and after",
    ),
    "meta": (
        "Kịch bản {scenario}; số liệu đến {as_of}; bộ quy tắc {rules}. Đây là giả định, "
        "không phải quyết định: số liệu đã công bố của đợt không thay đổi.",
        "Scenario {scenario}; data as of {as_of}; rules {rules}. A what-if, not a decision: "
        "the round's published figures are unchanged.",
    ),
    "meta_change": (
        "Thay đổi: {name} {old} → {new} (căn cứ: {source})",
        "Changed: {name} {old} → {new} (source: {source})",
    ),  # fmt: skip
    "meta_unchanged": (
        "Không thay đổi tham số nào: kịch bản giống quy tắc đã công bố.",
        "No parameter changed: the scenario is the published rules.",
    ),  # fmt: skip
    "sec_changes": ("Tham số thay đổi và căn cứ pháp lý", "Changed parameters and legal sources"),
    "col_parameter": ("Tham số", "Parameter"),
    "col_catalogue": ("Giá trị hiện hành", "Catalogue value"),
    "col_scenario": ("Giá trị giả định", "Scenario value"),
    "col_meaning": ("Ý nghĩa", "Meaning"),
    "col_source": ("Căn cứ pháp lý", "Legal source"),
    "sec_status": ("Theo trạng thái, trước và sau", "By status, before and after"),
    "col_status": ("Trạng thái", "Status"),
    "col_before": ("Trước", "Before"),
    "col_after": ("Sau", "After"),
    "sec_moves": (
        "Chuyển trạng thái (hàng: trước; cột: sau)",
        "Moves between statuses (rows: before; columns: after)",
    ),  # fmt: skip
    "after_status": ("Sau: {status}", "After: {status}"),
    "before_total": ("Trước: tổng", "Before: total"),
    "sec_agency": ("Theo cơ quan quản lý", "By agency"),
    "sec_province": ("Theo tỉnh, thành phố", "By province"),
    "before_status": ("Trước: {status}", "Before: {status}"),
    "col_changed": ("Thay đổi trạng thái", "Change status"),
    "sec_reasons": ("Số người chưa đạt từng tiêu chí", "People missing each criterion"),
    "reasons_note": (
        "Một người có thể chưa đạt nhiều tiêu chí: các dòng không cộng dồn.",
        "A person can miss several criteria: rows do not add up.",
    ),  # fmt: skip
    "card_considered": ("Được xét", "Considered"),
    "card_changed": ("Thay đổi trạng thái", "Change status"),
    "card_eligible_before": ("Đủ điều kiện, trước", "Eligible, before"),
    "card_eligible_after": ("Đủ điều kiện, sau", "Eligible, after"),
    "changed_note": (
        "Người thay đổi trạng thái chỉ được đếm, không được liệt kê.",
        "People who change status are counted, never listed.",
    ),
}


def label(key: str, lang: str, **values: object) -> str:
    pair = LABELS.get(key)
    if pair is None:
        return t(key, lang, **values)
    text = pair[0 if lang == "vi" else 1]
    return text.format(**values) if values else text


class ScenarioMismatch(ValueError):
    """The scenario's decisions and the published ones are not of the same people."""


@dataclass(frozen=True)
class Comparison:
    """What the report prints, as atoms: people per (agency, province, before, after,
    changed), and per criterion, people missing it (before, after)."""

    manifest: dict[str, Any]
    people: dict[tuple[str, str, str, str, bool], int]
    reasons: dict[str, dict[tuple[bool, bool], int]]


# --- reading ------------------------------------------------------------------------------


def read_manifest(lake: Lake, scenario_id: str) -> dict[str, Any]:
    path = lake.scenario(scenario_id).manifest
    if not path.exists():
        raise FileNotFoundError(f"scenario {scenario_id}: no manifest at {path} (not built?)")
    return json.loads(path.read_text(encoding="utf-8"))


def compare(lake: Lake, scenario_id: str) -> Comparison:
    """The published decisions of the scenario's round and as-of date against the
    scenario's, person by person inside DuckDB (only counts leave the query)."""
    manifest = read_manifest(lake, scenario_id)
    before = lake.root / manifest["published_decisions"]
    after = lake.root / manifest["scenario_decisions"]
    with duckdb.connect() as con:
        for view, path in (("before", before), ("after", after)):
            # a view cannot take prepared parameters: quotes doubled, as in reports/data.py
            con.execute(
                f"CREATE VIEW {view} AS SELECT * FROM read_parquet({_literal(str(path))}) "
                f"WHERE round_id = {_literal(manifest['round_id'])}"
            )
        mismatched = con.execute(
            "SELECT count(*) FROM before b FULL JOIN after a USING (person_key) "
            "WHERE a.person_key IS NULL OR b.person_key IS NULL "
            "OR a.agency IS DISTINCT FROM b.agency OR a.province IS DISTINCT FROM b.province"
        ).fetchone()
        if mismatched and mismatched[0]:
            raise ScenarioMismatch(
                f"scenario {scenario_id}: its candidates are not the published ones "
                "(a what-if changes the rules, never who is considered)"
            )
        people = {
            (agency, province, was, now, was != now): n
            for agency, province, was, now, n in con.execute(
                "SELECT coalesce(b.agency, ''), coalesce(b.province, ''), b.status, a.status, "
                "count(*) FROM before b JOIN after a USING (person_key) GROUP BY ALL"
            ).fetchall()
        }
        reasons: dict[str, dict[tuple[bool, bool], int]] = {}
        for code, was, now, n in con.execute(
            "WITH pairs AS (SELECT b.unmet_criteria AS was, a.unmet_criteria AS now "
            "FROM before b JOIN after a USING (person_key)), "
            "codes AS (SELECT DISTINCT unnest(list_concat(was, now)) AS code FROM pairs) "
            "SELECT code, list_contains(was, code), list_contains(now, code), count(*) "
            "FROM pairs, codes WHERE list_contains(was, code) OR list_contains(now, code) "
            "GROUP BY ALL"
        ).fetchall():
            reasons.setdefault(code, {})[(was, now)] = n
    return Comparison(manifest, people, reasons)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- the model ----------------------------------------------------------------------------


def comparison_model(comparison: Comparison, threshold: int) -> DisclosureModel:
    """Family `people`: every (agency, province) of the data × status before × status
    after; family `reasons:<code>`: missing it before × after."""
    model = DisclosureModel(threshold)
    found = {key[2] for key in comparison.people} | {key[3] for key in comparison.people}
    statuses = [*STATUSES, *sorted(found - set(STATUSES))]
    places = sorted({key[:2] for key in comparison.people})
    model.family(
        "people",
        ("agency", "province", "before", "after", "changed"),
        {
            (*place, was, now, was != now): comparison.people.get((*place, was, now, was != now), 0)
            for place in places
            for was in statuses
            for now in statuses
        },
    )
    for code, counts in comparison.reasons.items():
        pairs = [(True, True), (True, False), (False, True)]
        model.family(f"reasons:{code}", ("before", "after"), {p: counts.get(p, 0) for p in pairs})
    return model


Cell = tuple[str, Mapping[str, Any]] | None  # (family, filters), or None: not a count


def filled(
    model: DisclosureModel,
    table: Table,
    cells: Sequence[Sequence[Cell]],
    totals: Sequence[Cell] = (),
    *,
    lang: str,
    protected: bool = False,
) -> Table:
    """Fill `table`'s count cells from the atoms they select, and register each with the
    model where it is printed (a count and the atoms it is audited on are one thing)."""
    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            family, atoms, value = _count(model, cell)
            table.rows[r][c] = value
            place = Place(table.key, table.title, r, c, str(table.rows[r][0]), table.columns[c])
            model.show(family, atoms, value, place, protected=protected)
    if totals:
        table.total = [t("total", lang), *[None] * (len(table.columns) - 1)]
        for c, cell in enumerate(totals):
            if cell is None:
                continue
            family, atoms, value = _count(model, cell)
            table.total[c] = value
            place = Place(table.key, table.title, None, c, str(table.total[0]), table.columns[c],
                          "total")  # fmt: skip
            model.show(family, atoms, value, place, protected=True)  # national
    return table


def _count(model: DisclosureModel, cell: tuple[str, Mapping[str, Any]]):
    family_name, filters = cell
    family: Family = model.families[family_name]
    atoms = family.select(**filters)
    return family_name, atoms, family.total(atoms)


# --- the tables ---------------------------------------------------------------------------


def _table(
    key: str, title: str, columns: list[str], kinds: list[str], labels: list[list[str]]
) -> Table:
    """A table of its row labels, its counts still to fill (`filled`)."""
    width = len(columns)
    return Table(
        key, title, columns, kinds, [[*row, *[None] * (width - len(row))] for row in labels]
    )


def changes_table(manifest: dict[str, Any], lang: str) -> Table:
    changes = manifest["changes"]
    return Table(
        "wi_changes",
        label("sec_changes", lang),
        [label(k, lang) for k in
         ("col_parameter", "col_catalogue", "col_scenario", "col_meaning", "col_source")],
        ["text"] * 5,
        [[c["name"], c["catalogue_value"], c["scenario_value"],
          " ".join([c["description"], *(f"({note})" for note in c.get("notes", []))]),
          c["legal_source"]] for c in changes],
        notes=[] if changes else [label("meta_unchanged", lang)],
    )  # fmt: skip


def status_tables(model: DisclosureModel, statuses: list[str], lang: str) -> list[Table]:
    """National: by status before and after, and the moves between statuses."""
    by_status = _table(
        "wi_status",
        label("sec_status", lang),
        [label("col_status", lang), label("col_before", lang), label("col_after", lang)],
        ["text", "int", "int"],
        [[t(s, lang)] for s in statuses],
    )
    filled(model, by_status,
           [[None, ("people", {"before": s}), ("people", {"after": s})] for s in statuses],
           [None, ("people", {}), ("people", {})], lang=lang, protected=True)  # fmt: skip
    moves = _table(
        "wi_moves",
        label("sec_moves", lang),
        [label("col_before", lang), *(label("after_status", lang, status=t(s, lang))
                                      for s in statuses), label("before_total", lang)],
        ["text"] + ["int"] * (len(statuses) + 1),
        [[t(s, lang)] for s in statuses],
    )  # fmt: skip
    filled(model, moves,
           [[None, *(("people", {"before": was, "after": now}) for now in statuses),
             ("people", {"before": was})] for was in statuses],
           [None, *(("people", {"after": now}) for now in statuses), ("people", {})],
           lang=lang, protected=True)  # fmt: skip
    moves.notes.append(label("changed_note", lang))
    return [by_status, moves]


def breakdown_table(
    model: DisclosureModel,
    key: str,
    title: str,
    dim: str,
    values: list[str],
    labels: list[str],
    statuses: list[str],
    lang: str,
) -> Table:
    """People per agency or province: considered, each status before, each after, and how
    many change status; audited (small counts hidden with their complements)."""
    column = t("col_agency" if dim == "agency" else "col_province", lang)
    table = _table(
        key,
        title,
        [column, t("col_considered", lang),
         *(label("before_status", lang, status=t(s, lang)) for s in statuses),
         *(label("after_status", lang, status=t(s, lang)) for s in statuses),
         label("col_changed", lang)],
        ["text"] + ["int"] * (2 + 2 * len(statuses)),
        [[text] for text in labels],
    )  # fmt: skip

    def specs(where: dict[str, Any]) -> list[Cell]:
        return [
            ("people", where),
            *(("people", {**where, "before": s}) for s in statuses),
            *(("people", {**where, "after": s}) for s in statuses),
            ("people", {**where, "changed": True}),
        ]

    filled(model, table, [[None, *specs({dim: v})] for v in values], [None, *specs({})], lang=lang)
    return table


def reasons_table(model: DisclosureModel, codes: list[str], lang: str) -> Table:
    table = _table(
        "wi_reasons",
        label("sec_reasons", lang),
        [t("col_reason", lang), t("col_code", lang), label("col_before", lang),
         label("col_after", lang)],
        ["text", "text", "int", "int"],
        [[t(code, lang), code] for code in codes],
    )  # fmt: skip
    filled(model, table,
           [[None, None, (f"reasons:{c}", {"before": True}), (f"reasons:{c}", {"after": True})]
            for c in codes], lang=lang, protected=True)  # fmt: skip
    table.notes.append(label("reasons_note", lang))
    return table


def whatif_report(
    lake: Lake,
    scenario_id: str,
    lang: str = "vi",
    threshold: int = 5,
    generated_at: dt.datetime | None = None,
    audits: list[Audit] | None = None,
) -> Report:
    """Gather every table of the comparison (no files written), audited for small-count
    disclosure: a `DisclosureError` names the first cell nothing can protect."""
    check_language(lang)
    generated_at = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    comparison = compare(lake, scenario_id)
    manifest = comparison.manifest
    model = comparison_model(comparison, threshold)
    found = {key[2] for key in model.families["people"].keys}
    statuses = [*STATUSES, *sorted(found - set(STATUSES))]
    # only agencies and provinces with candidates: a row of nobody would select no atom,
    # and one quantity of no atoms printed in every such row would be hidden in all at once
    present = {key[:2] for key in comparison.people if comparison.people[key]}
    agencies = [a for a in ("MoPS", "MND") if a in {p[0] for p in present}]
    agencies += sorted({p[0] for p in present} - {"MoPS", "MND"})
    seeds = {p["name_vi"]: p for p in d.provinces()}
    provinces = [p for p in seeds if p in {q[1] for q in present}]
    provinces += sorted({q[1] for q in present} - set(seeds))
    codes = [c for c in CRITERIA if c in comparison.reasons]
    codes += sorted(set(comparison.reasons) - set(codes))
    tables = [
        *status_tables(model, statuses, lang),
        breakdown_table(model, "wi_agency", label("sec_agency", lang), "agency", agencies,
                        [a or t("unknown", lang) for a in agencies], statuses, lang),
        breakdown_table(model, "wi_province", label("sec_province", lang), "province",
                        provinces, [province_label(p, lang, seeds) or "?" for p in provinces],
                        statuses, lang),
        reasons_table(model, codes, lang),
    ]  # fmt: skip
    people = model.families["people"]
    card_filters: list[tuple[str, dict[str, Any]]] = [
        ("card_considered", {}),
        ("card_changed", {"changed": True}),
        ("card_eligible_before", {"before": "eligible"}),
        ("card_eligible_after", {"after": "eligible"}),
    ]
    cards = []
    for i, (key, filters) in enumerate(card_filters):  # national figures: always shown
        atoms = people.select(**filters)
        cards.append((label(key, lang), people.total(atoms)))
        place = Place("cards", t("key_figures", lang), None, i, cards[-1][0], "", "card")
        model.show("people", atoms, cards[-1][1], place, protected=True)
    for table in tables:
        missing = unregistered(model, table)
        if missing:
            raise ValueError(f"table {table.key}: counts the disclosure audit does not see")
    audit = protect(model)
    apply(model, tables, lang)
    if audits is not None:
        audits.append(audit)
    changes = changes_table(manifest, lang)
    meta = [
        label("meta", lang, scenario=scenario_id, as_of=manifest["as_of"],
              rules=manifest["rule_version"]),
        *(label("meta_change", lang, name=c["name"], old=c["catalogue_value"],
                new=c["scenario_value"], source=c["legal_source"])
          for c in manifest["changes"]),
        *([] if manifest["changes"] else [label("meta_unchanged", lang)]),
        t("generated", lang, at=generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        t("privacy_note_audited", lang, threshold=threshold),
    ]  # fmt: skip
    sections = [
        Section(label("sec_changes", lang), [changes]),
        Section(label("sec_status", lang), tables[:2]),
        Section(label("sec_agency", lang), [tables[2]]),
        Section(label("sec_province", lang), [tables[3]]),
        Section(label("sec_reasons", lang), [tables[4]]),
        Section(t("sec_annex", lang), [disclosure_table(audit, lang)]),
    ]
    return Report(
        lang=lang,
        title=label("title", lang, round=manifest["round_id"]),
        meta=meta,
        cards=cards,
        sections=sections,
        generated_at=generated_at,
    )


def build_whatif_report(
    lake: Lake,
    scenario_id: str,
    lang: str = "vi",
    threshold: int = 5,
    generated_at: dt.datetime | None = None,
    out_dir: Path | None = None,
    reports: list[Report] | None = None,
) -> dict[str, Path]:
    """Write the comparison as HTML and XLSX under `reports/whatif/<scenario id>/` (counts
    only, like every report), as one run on the audit trail; the report is appended to
    `reports` when given."""
    folder = Path(out_dir) if out_dir else lake.whatif_reports(scenario_id)
    arguments = {"scenario_id": scenario_id, "lang": lang, "threshold": threshold,
                 "out": str(folder)}  # fmt: skip
    audits: list[Audit] = []
    with (
        audited(lake, "report", arguments) as record,
        locks.hold(lake, "report", REPORT_LOCK_WAIT_S, record.run_id),
    ):
        report = whatif_report(lake, scenario_id, lang, threshold, generated_at, audits)
        manifest = read_manifest(lake, scenario_id)
        record.inputs = [
            file_entry(lake.root / manifest[name], lake, role=name)
            for name in ("published_decisions", "scenario_decisions")
        ]
        stem = f"whatif-{manifest['round_id']}-{lang}"
        sweep_temporaries(folder)
        files = write_files(report, folder, stem, ("html", "xlsx"))
        for path in files.values():
            record.add_output(path, lake, disclosure_audit=audits[-1].summary())
        if reports is not None:
            reports.append(report)
        return files


def changed_status(report: Report) -> int:
    """The number of people who change status, as the report prints it (a national
    figure: the card)."""
    return dict(report.cards)[label("card_changed", report.lang)]
