"""A reader of a printed round report who tries to derive its hidden counts.

Written apart from `clemency.reports.disclosure`, from what the report prints and the public
rules only: the facility table names each facility's agency and province (a public
registry); the agency and province tables add up their facilities; the national table, the
totals rows and the national reasons are national figures; a hidden count ("–") is at
least 1 (zeros are printed) unless a note says its line is not broken down; eligible people
miss no criterion, and a person misses a criterion once. Every count is an unknown
non-negative integer; for each hidden count `Reader.intervals` asks HiGHS (scipy `milp`)
for its least and greatest value consistent with everything printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import load_workbook
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array, vstack

from clemency.reports.i18n import t

MARK = "–"
STATUSES = ["eligible", "almost_eligible", "ineligible", "excluded"]
UNMET = ["almost_eligible", "ineligible", "excluded"]


@dataclass
class Printed:
    """One table as printed: None (body) or MARK (totals row) where a count is hidden."""

    key: str
    columns: list[str]
    rows: list[list[Any]]
    total: list[Any] | None
    notes: list[str]


def from_report(report) -> dict[str, Printed]:
    return {
        table.key: Printed(
            table.key, list(table.columns), [list(r) for r in table.rows],
            list(table.total) if table.total else None, list(table.notes),
        )
        for section in report.sections
        for table in section.tables
    }  # fmt: skip


def from_xlsx(path: Path, keys: list[str], lang: str) -> dict[str, Printed]:
    """Every sheet after the cover, in the order of `keys`: header, body, totals, notes. A
    SUM formula is evaluated over its column (it is only written where nothing is hidden)."""
    book = load_workbook(path)
    sheets = book.worksheets[1:]
    assert len(sheets) == len(keys), (len(sheets), len(keys))
    found = {}
    for key, sheet in zip(keys, sheets, strict=True):
        grid = [list(row) for row in sheet.iter_rows(values_only=True)]
        columns, rest = [str(v) for v in grid[0]], grid[1:]
        blank = next((i for i, row in enumerate(rest) if all(v is None for v in row)), len(rest))
        body, notes = rest[:blank], [row[0] for row in rest[blank + 1 :] if row[0] is not None]
        total = None
        if body and body[-1][0] == t("total", lang):
            total, body = body[-1], body[:-1]
            total = [_evaluate(v, body, c) for c, v in enumerate(total)]
        found[key] = Printed(key, columns, body, total, [str(n) for n in notes])
    return found


def _evaluate(value: Any, body: list[list[Any]], column: int) -> Any:
    if isinstance(value, str) and value.startswith("=SUM("):
        return sum(row[column] or 0 for row in body)
    return value


@dataclass
class Fact:
    where: str
    atoms: list[int]
    value: int | None  # None: hidden
    floor: int = 1


@dataclass
class Reader:
    threshold: int
    zeros_hidden: bool = False  # a rule that hides zeros too: a hidden count may be 0
    atoms: dict[tuple, int] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)
    at_most: list[tuple[list[int], list[int]]] = field(default_factory=list)  # lhs <= rhs

    def atom(self, *key: Any) -> int:
        return self.atoms.setdefault(key, len(self.atoms))

    def fact(self, where: str, atoms: list[int], value: Any, floor: int = 1) -> None:
        if value is None or value == MARK:
            self.facts.append(Fact(where, atoms, None, 0 if self.zeros_hidden else floor))
        elif isinstance(value, int):
            self.facts.append(Fact(where, atoms, value))

    def intervals(self) -> dict[str, tuple[float, float]]:
        """[least, greatest] of every hidden count (keyed by where it is printed). A count
        printed in several tables (an agency of one facility) is one count: withheld in one
        of them, it may be 0 in all."""
        lost = {frozenset(f.atoms) for f in self.facts if f.value is None and f.floor == 0}
        for fact in self.facts:
            if frozenset(fact.atoms) in lost:
                fact.floor = 0
        n = len(self.atoms)
        rows, cols, vals, lower, upper = [], [], [], [], []

        def row(atoms: list[int], coefficient: float = 1.0) -> None:
            for a in atoms:
                rows.append(len(lower))
                cols.append(a)
                vals.append(coefficient)

        for fact in self.facts:
            row(fact.atoms)
            lower.append(fact.floor if fact.value is None else fact.value)
            upper.append(np.inf if fact.value is None else fact.value)
        for lhs, rhs in self.at_most:
            row(lhs)
            row(rhs, -1.0)
            lower.append(-np.inf)
            upper.append(0.0)
        matrix = coo_array((vals, (rows, cols)), shape=(len(lower), n)).tocsr()
        lower, upper = np.array(lower, dtype=float), np.array(upper, dtype=float)
        constraint = LinearConstraint(matrix, lower, upper)
        found = {}
        for fact in self.facts:
            if fact.value is not None or not fact.atoms:
                continue
            c = np.zeros(n)
            c[fact.atoms] = 1.0
            found[fact.where] = (
                _least(c, matrix, lower, upper, constraint),
                -_least(-c, matrix, lower, upper, constraint),
            )
        return found

    def disclosed(self) -> list[tuple[str, tuple[float, float]]]:
        return [
            (where, (lo, hi))
            for where, (lo, hi) in self.intervals().items()
            if lo >= 1 and (hi - lo < self.threshold or hi < self.threshold)
        ]


def _least(c, matrix, lower, upper, constraint) -> float:
    """min c @ x over non-negative integers: the LP when its optimal vertex is integral,
    else the integer program."""
    equal = np.isfinite(lower) & np.isfinite(upper) & (lower == upper)
    above, below = np.isfinite(lower) & ~equal, np.isfinite(upper) & ~equal
    a_ub = vstack([-matrix[above], matrix[below]]).tocsr()
    b_ub = np.r_[-lower[above], upper[below]]
    relaxed = linprog(c, A_ub=a_ub if a_ub.shape[0] else None, b_ub=b_ub if a_ub.shape[0] else None,
                      A_eq=matrix[equal] if equal.any() else None,
                      b_eq=lower[equal] if equal.any() else None, bounds=(0, None),
                      method="highs")  # fmt: skip
    if relaxed.status == 0 and np.allclose(relaxed.x, np.round(relaxed.x), rtol=0, atol=1e-9):
        return round(relaxed.fun)
    result = milp(c, integrality=np.ones(len(c)), bounds=Bounds(0, 10**7),
                  constraints=[constraint], options={"mip_rel_gap": 0})  # fmt: skip
    assert result.status == 0, result.message  # the truth is feasible
    return round(result.fun)


def withheld_lines(table: Printed, lang: str) -> set[str]:
    """The row and column labels a "not broken down" note of the table names."""
    prefix, _, suffix = t("withheld_note", lang, lines="\x00").partition("\x00")
    labels = {str(c) for c in table.columns} | {str(r[0]) for r in table.rows}
    found: set[str] = set()
    for note in table.notes:
        if note.startswith(prefix) and note.endswith(suffix):
            found |= _split(note[len(prefix) : len(note) - len(suffix)], labels)
    return found


def _split(text: str, labels: set[str]) -> set[str]:
    """`text` as labels joined by ", " (labels may hold commas themselves)."""
    if text in labels:
        return {text}
    for label in sorted(labels, key=len, reverse=True):
        if text.startswith(label + ", "):
            rest = _split(text[len(label) + 2 :], labels)
            if rest:
                return {label} | rest
    return set()


def read_round_report(
    printed: dict[str, Printed], lang: str, threshold: int, zeros_hidden: bool = False
) -> Reader:
    """Every printed count of the round report as facts over unknown counts."""
    reader = Reader(threshold, zeros_hidden)
    facilities = _status_facts(reader, printed, lang)
    _reason_facts(reader, printed, lang, facilities)
    _nationality_facts(reader, printed, lang)
    _special_facts(reader, printed, lang)
    _lifecycle_facts(reader, printed, lang)
    return reader


def _national(printed: dict[str, Printed], lang: str) -> dict[str, Any]:
    return {row[0]: row[1] for row in printed["national"].rows}


def _grid(
    reader: Reader,
    table: Printed,
    lang: str,
    groups: dict[str, list],
    columns: dict[int, Any],
    name,
):
    """Facts for a table whose row i adds up the unknowns `name(member, column)` of the
    members in `groups[label of row i]`; its totals row adds up every row."""
    withheld = withheld_lines(table, lang)
    for row in table.rows:
        members = groups.get(str(row[0]), [])
        for c, spec in columns.items():
            floor = 0 if {str(row[0]), table.columns[c]} & withheld else 1
            atoms = [a for m in members for a in name(m, spec)]
            reader.fact(f"{table.key}/{row[0]}/{table.columns[c]}", atoms, row[c], floor)
    if table.total:
        everyone = [m for r in table.rows for m in groups.get(str(r[0]), [])]
        for c, spec in columns.items():
            atoms = [a for m in everyone for a in name(m, spec)]
            reader.fact(f"{table.key}/total/{table.columns[c]}", atoms, table.total[c])


def _status_facts(reader: Reader, printed: dict[str, Printed], lang: str) -> list[list[Any]]:
    """The facility, agency, province and courts tables over unknowns per facility, part
    and status: a facility's people are reviewed by its agency's channel ("own") or, on
    suspension, by a court (Decision 1244), and which facility a court's people were last
    held in is not printed."""
    facility = printed["facility"]
    rows = facility.rows  # facility, agency, province, considered, statuses
    courts = [str(r[0]) for r in printed["courts"].rows] if "courts" in printed else []
    parts = ["own", *(("court", k) for k in courts)]
    court_label = t("col_court", lang)

    def people(member: tuple, spec: Any) -> list[int]:
        f, part = member
        chosen = STATUSES if spec == "*" else [spec]
        return [reader.atom("status", f, part, s) for s in chosen]

    columns = {3: "*", **{4 + i: s for i, s in enumerate(STATUSES)}}
    by_facility = {str(r[0]): [(r[0], part) for part in parts] for r in rows}
    _grid(reader, facility, lang, by_facility, columns, people)
    agencies: dict[str, list] = {court_label: [(r[0], ("court", k)) for r in rows for k in courts]}
    provinces: dict[str, list] = {}
    for r in rows:
        agencies.setdefault(str(r[1] or t("unknown", lang)), []).append((r[0], "own"))
        provinces.setdefault(str(r[2] or "?"), []).extend(by_facility[str(r[0])])
    shifted = {c - 2: spec for c, spec in columns.items()}
    _grid(reader, printed["agency"], lang, agencies, shifted, people)
    _grid(reader, printed["province"], lang, provinces, shifted, people)
    if "courts" in printed:  # court, province, considered, eligible, proposed, granted
        by_court = {k: [(r[0], ("court", k)) for r in rows] for k in courts}
        _grid(reader, printed["courts"], lang, by_court, {2: "*", 3: "eligible"}, people)
    national = _national(printed, lang)
    everyone = [m for members in by_facility.values() for m in members]
    for s in STATUSES:
        reader.fact(
            f"national/{s}", [a for m in everyone for a in people(m, s)], national[t(s, lang)]
        )
    return rows


def _reason_facts(reader: Reader, printed: dict[str, Printed], lang: str, facilities) -> None:
    by_facility = printed["reasons_facility"]
    reasons = by_facility.columns[1:]
    agency_of = {str(r[0]): str(r[1]) for r in facilities}

    def missed(f: str, reason: str) -> list[int]:
        return [reader.atom("reason", f, reason)]

    groups = {str(r[0]): [str(r[0])] for r in by_facility.rows}
    _grid(reader, by_facility, lang, groups, {1 + j: r for j, r in enumerate(reasons)}, missed)
    parts = (
        ["own", *(("court", str(r[0])) for r in printed["courts"].rows)]
        if ("courts" in printed)
        else ["own"]
    )
    for f in groups:  # a person misses a criterion once, and only when not eligible
        unmet = [reader.atom("status", f, part, s) for part in parts for s in UNMET]
        for reason in reasons:
            reader.at_most.append((missed(f, reason), unmet))
    by_agency = printed["reasons_agency"]  # rows: reasons; columns: agencies
    withheld = withheld_lines(by_agency, lang)
    for row in by_agency.rows:
        for c, agency in enumerate(by_agency.columns[1:], 1):
            atoms = [a for f in groups if agency_of.get(f) == agency for a in missed(f, row[0])]
            floor = 0 if {str(row[0]), agency} & withheld else 1
            reader.fact(f"reasons_agency/{row[0]}/{agency}", atoms, row[c], floor)
    for row in printed["reasons"].rows:  # national: reason, code, one column per unmet status
        if row[0] in reasons:
            atoms = [a for f in groups for a in missed(f, row[0])]
            reader.fact(f"reasons/{row[0]}", atoms, sum(row[2:5]))


def _nationality_facts(reader: Reader, printed: dict[str, Printed], lang: str) -> None:
    table = printed["foreigners"]

    def people(n: str, spec: Any) -> list[int]:
        return [reader.atom("nationality", n, s) for s in (STATUSES if spec == "*" else [spec])]

    groups = {str(r[0]): [str(r[0])] for r in table.rows}
    _grid(
        reader, table, lang, groups, {1: "*", **{2 + i: s for i, s in enumerate(STATUSES)}}, people
    )
    national = _national(printed, lang)
    everyone = [*groups, "VN"]
    for s in STATUSES:
        atoms = [a for n in everyone for a in people(n, s)]
        reader.fact(f"nationality/national/{s}", atoms, national[t(s, lang)])
    foreign = [a for n in groups for a in people(n, "*")]
    reader.fact("national/foreigners", foreign, national[t("foreigners_considered", lang)])


def _special_facts(reader: Reader, printed: dict[str, Printed], lang: str) -> None:
    table = printed["special"]
    national = _national(printed, lang)
    withheld = withheld_lines(table, lang)
    for row in table.rows:
        inside = {s: reader.atom("special", row[0], True, s) for s in STATUSES}
        for s in STATUSES:
            outside = reader.atom("special", row[0], False, s)
            reader.fact(
                f"special/{row[0]}/national/{s}", [inside[s], outside], national[t(s, lang)]
            )
        for c, atoms in [
            (1, list(inside.values())),
            *((2 + i, [inside[s]]) for i, s in enumerate(STATUSES)),
        ]:
            floor = 0 if {str(row[0]), table.columns[c]} & withheld else 1
            reader.fact(f"special/{row[0]}/{table.columns[c]}", atoms, row[c], floor)


def _lifecycle_facts(reader: Reader, printed: dict[str, Printed], lang: str) -> None:
    """Proposed and granted per review channel (the courts' per court) and nationality,
    released per channel; grants no channel answers for per reason; people of a channel no
    row names are counted nationally only."""
    courts = _labels(printed, "courts", 0)
    reasons = _labels(printed, "unattributed", 1)
    leaves_of = _channel_leaves(printed, lang, courts)
    leaves = [leaf for members in leaves_of.values() for leaf in members]
    leaves += [("(other)", r) for r in reasons] or ["(other)"]
    foreign = [str(r[0]) for r in printed["foreigners"].rows]
    nats = [*foreign, "VN", "(other)"]

    def life(measure: str):
        def atoms(leaf: Any, nat: Any) -> list[int]:
            chosen = nats if nat == "*" else [nat]
            if measure == "released":
                chosen = ["*"]
            return [reader.atom("life", measure, leaf, n) for n in chosen]

        return atoms

    lifecycle = printed["agency_lifecycle"]
    withheld = withheld_lines(lifecycle, lang)
    for row in lifecycle.rows:
        for c, measure in ((1, "proposed"), (2, "granted"), (3, "released")):
            floor = 0 if {str(row[0]), lifecycle.columns[c]} & withheld else 1
            atoms = [a for leaf in leaves_of[str(row[0])] for a in life(measure)(leaf, "*")]
            reader.fact(f"agency_lifecycle/{row[0]}/{measure}", atoms, row[c], floor)
    _court_facts(reader, printed, lang, life, courts)
    _unattributed_facts(reader, printed, lang, life, reasons)
    table = printed["foreigners"]
    withheld = withheld_lines(table, lang)
    for row in table.rows:
        for c, measure in ((6, "proposed"), (7, "granted")):
            atoms = [a for leaf in leaves for a in life(measure)(leaf, row[0])]
            floor = 0 if {str(row[0]), table.columns[c]} & withheld else 1
            reader.fact(f"foreigners/{row[0]}/{measure}", atoms, row[c], floor)
    national = _national(printed, lang)
    for measure in ("proposed", "granted", "released"):
        atoms = [a for leaf in leaves for a in life(measure)(leaf, "*")]
        reader.fact(f"national/{measure}", atoms, national[t(measure, lang)])
    if "?" not in foreign:  # "?" mixes unknown nationalities with missing ones
        atoms = [a for leaf in leaves for n in foreign for a in life("granted")(leaf, n)]
        reader.fact("national/foreigners_granted", atoms, national[t("foreigners_granted", lang)])


def _channel_leaves(printed: dict[str, Printed], lang: str, courts: list[str]) -> dict[str, list]:
    """The unknowns each row of the agency lifecycle table adds up: its channel, or for the
    courts' row each court of the courts table."""
    leaves_of: dict[str, list] = {str(r[0]): [str(r[0])] for r in printed["agency_lifecycle"].rows}
    court_label = t("col_court", lang)
    if court_label in leaves_of and courts:
        leaves_of[court_label] = [("court", k) for k in courts]
    return leaves_of


def _labels(printed: dict[str, Printed], key: str, column: int) -> list[str]:
    return [str(r[column]) for r in printed[key].rows] if key in printed else []


def _court_facts(reader: Reader, printed: dict[str, Printed], lang: str, life, courts) -> None:
    """Proposed and granted per court (the courts table), and its totals."""
    if "courts" not in printed:
        return
    table = printed["courts"]
    withheld = withheld_lines(table, lang)
    for row in table.rows:
        for c, measure in ((4, "proposed"), (5, "granted")):
            floor = 0 if {str(row[0]), table.columns[c]} & withheld else 1
            atoms = life(measure)(("court", str(row[0])), "*")
            reader.fact(f"courts/{row[0]}/{measure}", atoms, row[c], floor)
    if table.total:
        for c, measure in ((4, "proposed"), (5, "granted")):
            atoms = [a for k in courts for a in life(measure)(("court", k), "*")]
            reader.fact(f"courts/total/{measure}", atoms, table.total[c])


def _unattributed_facts(
    reader: Reader, printed: dict[str, Printed], lang: str, life, reasons
) -> None:
    """Grants no channel answers for, per reason (code in the second column), and in all."""
    if "unattributed" not in printed:
        return
    table = printed["unattributed"]
    withheld = withheld_lines(table, lang)
    for row in table.rows:
        floor = 0 if {str(row[0]), table.columns[2]} & withheld else 1
        atoms = life("granted")(("(other)", str(row[1])), "*")
        reader.fact(f"unattributed/{row[1]}", atoms, row[2], floor)
    if table.total:
        atoms = [a for r in reasons for a in life("granted")(("(other)", r), "*")]
        reader.fact("unattributed/total", atoms, table.total[2])


NUMBER = re.compile(r"\d[\d.,]*")  # a number as the renderers print one
