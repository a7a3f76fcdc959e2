"""Small-count protection proven by integer programming over everything a report prints.

The model
---------
A *family* is a set of *atoms*: unknown counts of people at the finest grain the report's
tables are marginals of (the status family: facility × status, with each facility's agency
and province, a public registry). Every count the report prints (a table cell, a totals
row, a card, a chart bar, a number in a note) is registered as a *quantity*: the sum of a
set of atoms of one family. A quantity printed in several places (an agency with a single
facility, a national total in the table, the cards and the chart) is one quantity: it is
shown or hidden everywhere at once. *Links* are inequalities between families that the
rules make public (people of a facility and status missing a criterion are at most the
people of that facility and status); linked families are solved together.

The reader (the adversary)
--------------------------
knows every visible quantity, that atoms are non-negative integers, the links, and that
zeros are always printed, so a hidden count is at least 1 -- except in a *withheld* line
(below), whose cells may be 0. Every hidden cell carries the same mark, whatever the reason
it is hidden: a mark saying "under 5" would itself prove a small count. For each hidden
quantity the audit computes the interval [lo, hi] of the values consistent with all of that
(`scipy.optimize.milp`, HiGHS, integrality on, no gap). The quantity is *disclosed* when the
reader can prove it is not empty (lo >= 1) and either the interval is narrower than the
threshold (hi - lo < threshold, a pinned value included) or it proves a count under the
threshold (hi < threshold).

Suppression
-----------
1. Primary: every quantity with 0 < value < threshold that is not protected. Protected
   quantities are the national figures (statuses, proposed / granted / released, reasons):
   they are always shown, and so are zeros ("nobody" is not a small group).
2. Complementary, driven by the audit, in passes: every hidden quantity not yet known safe
   is audited; for each one disclosed (in print order, unless an earlier fix of the pass
   already protected it) an LP finds the cheapest set of visible counts to hide: a table
   consistent with every other printed count in which the cell moves by the threshold
   changes exactly those (cost 1 + log2(1 + count): small counts are cheaper; zeros and
   protected figures may not change). Those are hidden as complements -- a whole cycle of
   them at once, as rows, columns and higher levels need (when only the integers disagree,
   the same as an integer program; failing that, one neighbour in the same row or column).
3. When no such table exists (a breakdown of a national figure too small to protect: its
   proof rests on zeros and national figures only), a line is *withheld*: every cell of a
   table column or row is hidden, zeros included, and named in a note. If no line is left to
   withhold, the build fails with a `DisclosureError` naming the cell.

Hiding more only widens intervals (an equation is dropped, a bound no tighter than the truth
added), so a quantity found safe stays safe and the passes end: each fix hides at least one
more quantity. Within a pass most quantities are shown safe cheaply: a feasible integer table
where a count is the threshold away from its true value (itself a feasible table) proves its
interval wide enough, and one LP pushing many counts at once finds such tables for most. The
bounds of the others are solved together as one block-diagonal LP; a bound whose optimal
vertex is integral is the integer optimum, the rest go to `milp`. A last audit from scratch
then gives the exact interval of every hidden quantity (the data-quality annex prints the
narrowest; the run's audit trail records how long it all took).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp  # type: ignore[import-untyped]
from scipy.sparse import (  # type: ignore[import-untyped]
    block_diag,
    coo_array,
    csr_array,
    hstack,
    identity,
    vstack,
)

from clemency.reports.data import Table
from clemency.reports.i18n import t
from clemency.reports.privacy import MARK, PRIMARY, SECONDARY, SUPPRESSED

VISIBLE = "visible"
COMPLEMENT = SECONDARY
WITHHELD = "withheld"
LABEL_CHARS = 80  # row and column labels in an error line
_MILP_OPTIONS = {"presolve": True, "mip_rel_gap": 0.0, "disp": False}
BLOCK_VARIABLES = 4_000  # variables of one batched LP (bounds of several targets at once)
PUSHES = 8  # LPs moving many hidden counts at once, to show most of them safe cheaply


class DisclosureError(ValueError):
    """A report would let its reader derive a hidden count: the table, row and column."""


@dataclass(frozen=True)
class Place:
    """Where a quantity is printed. `row` is a body row, None for a totals row, a note, a
    card or a chart bar (`kind`); `column` the column (or the note's, card's, bar's index)."""

    table: str
    title: str
    row: int | None
    column: int
    row_label: str
    column_label: str
    kind: str = "cell"  # cell | total | note | card | chart

    def describe(self) -> str:
        def short(text: str) -> str:
            text = " ".join(str(text).split())
            return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"

        return (
            f"table {short(self.title)!r}, row {short(self.row_label)!r}, "
            f"column {short(self.column_label)!r}"
        )


class Family:
    """Atoms keyed by a tuple of dimension values, each a true count of people."""

    def __init__(self, name: str, dims: Sequence[str], atoms: Mapping[tuple[Any, ...], int]):
        self.name = name
        self.dims = tuple(dims)
        self.keys = sorted(atoms, key=lambda key: tuple(_sortable(v) for v in key))
        self.values = [int(atoms[key]) for key in self.keys]
        if any(len(key) != len(self.dims) for key in self.keys):
            raise ValueError(f"family {name}: every atom needs {len(self.dims)} values")
        if any(v < 0 for v in self.values):
            raise ValueError(f"family {name}: counts cannot be negative")
        self._index: list[dict[Any, list[int]]] = [{} for _ in self.dims]
        for i, key in enumerate(self.keys):
            for d, value in enumerate(key):
                self._index[d].setdefault(value, []).append(i)

    def select(self, **filters: Any) -> frozenset[int]:
        """The atoms whose dimensions match every filter (a value, or a set of values)."""
        chosen: set[int] | None = None
        for dim, wanted in filters.items():
            index = self._index[self.dims.index(dim)]
            values = wanted if isinstance(wanted, set | frozenset | list | tuple) else [wanted]
            hit: set[int] = set()
            for value in values:
                hit.update(index.get(value, ()))
            chosen = hit if chosen is None else chosen & hit
        return frozenset(range(len(self.keys))) if chosen is None else frozenset(chosen)

    def total(self, atoms: Iterable[int]) -> int:
        return sum(self.values[i] for i in atoms)


def _sortable(value: Any) -> tuple[int, str]:
    return (0, "") if value is None else (1, repr(value))


@dataclass
class Quantity:
    id: int
    family: str
    atoms: frozenset[int]
    value: int
    places: list[Place] = field(default_factory=list)
    protected: bool = False
    state: str = VISIBLE

    @property
    def hidden(self) -> bool:
        return self.state != VISIBLE

    def where(self) -> str:
        return self.places[0].describe() if self.places else f"a figure of {self.family}"


@dataclass(frozen=True)
class Link:
    """sum(lhs atoms) <= sum(rhs atoms), possibly across two families."""

    lhs: tuple[str, frozenset[int]]
    rhs: tuple[str, frozenset[int]]


Line = tuple[str, str, int]  # (table key, "row" | "column", index)


class DisclosureModel:
    """Every count a report prints, as sums of atoms; the suppression state of each."""

    def __init__(self, threshold: int = 5) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.threshold = threshold
        self.families: dict[str, Family] = {}
        self.quantities: list[Quantity] = []
        self.links: list[Link] = []
        self.cells: dict[tuple[str, int, int], int] = {}  # body cell -> quantity id
        self.totals: set[tuple[str, int]] = set()  # totals-row cells registered
        self.lines: dict[Line, list[int]] = {}  # body cells of a table row or column
        self.withheld: list[Line] = []
        self.titles: dict[str, str] = {}
        self.version = 0  # bumped at every change of state
        self._by_atoms: dict[tuple[str, frozenset[int]], Quantity] = {}

    def family(self, name: str, dims: Sequence[str], atoms: Mapping[tuple[Any, ...], int]):
        if name in self.families:
            raise ValueError(f"family {name} is defined twice")
        self.families[name] = Family(name, dims, atoms)
        return self.families[name]

    def link(self, lhs: tuple[str, frozenset[int]], rhs: tuple[str, frozenset[int]]) -> None:
        """Declare sum(lhs) <= sum(rhs): checked on the true counts (a premise the data
        breaks is not public knowledge and must not be declared)."""
        left, right = self.families[lhs[0]].total(lhs[1]), self.families[rhs[0]].total(rhs[1])
        if left > right:
            raise ValueError(f"link {lhs[0]} <= {rhs[0]} does not hold on the data")
        self.links.append(Link(lhs, rhs))

    def show(
        self,
        family: str,
        atoms: frozenset[int],
        value: Any,
        place: Place | None,
        *,
        protected: bool = False,
    ) -> Quantity:
        """Register a printed count (`place` None: a public figure printed elsewhere, under
        another family). The printed value must be the sum of its atoms."""
        found = self.families[family].total(atoms)
        if value != found or isinstance(value, bool):
            where = place.describe() if place else f"a figure of {family}"
            raise ValueError(f"disclosure model: {where} prints {value!r}, its atoms make {found}")
        key = (family, frozenset(atoms))
        quantity = self._by_atoms.get(key)
        if quantity is None:
            quantity = Quantity(len(self.quantities), family, key[1], found)
            self.quantities.append(quantity)
            self._by_atoms[key] = quantity
        quantity.protected = quantity.protected or protected
        if place is not None:
            self._place(quantity, place)
        return quantity

    def _place(self, quantity: Quantity, place: Place) -> None:
        quantity.places.append(place)
        self.titles.setdefault(place.table, place.title)
        if place.kind == "total":
            self.totals.add((place.table, place.column))
        if place.kind != "cell" or place.row is None:
            return
        self.cells[(place.table, place.row, place.column)] = quantity.id
        for line in ((place.table, "row", place.row), (place.table, "column", place.column)):
            members = self.lines.setdefault(line, [])
            if quantity.id not in members:
                members.append(quantity.id)

    def registered(self, table: str, row: int, column: int) -> bool:
        return (table, row, column) in self.cells

    def set_state(self, quantity: Quantity, state: str) -> None:
        if quantity.protected and state != VISIBLE:
            raise ValueError(f"{quantity.where()} is a national figure and stays visible")
        if quantity.state != state:
            quantity.state = state
            self.version += 1

    def hidden(self) -> list[Quantity]:
        return [q for q in self.quantities if q.hidden]


def is_disclosed(lo: float, hi: float, threshold: int) -> bool:
    """The rule: a reader who can prove the cell is not empty must not narrow it to fewer
    than `threshold` values, nor prove it is under the threshold."""
    return lo >= 1 and (hi - lo < threshold or hi < threshold)


# --- the solver ---------------------------------------------------------------------------


class _Group:
    """Families solved together (joined by links): variables, and the system for a state."""

    def __init__(self, model: DisclosureModel, families: list[str]) -> None:
        self.model = model
        self.families = families
        self.offset: dict[str, int] = {}
        size = 0
        for name in families:
            self.offset[name] = size
            size += len(model.families[name].keys)
        self.size = size
        self.quantities = [q for q in model.quantities if q.family in self.offset]
        self.links = [link for link in model.links if link.lhs[0] in self.offset]
        self.version = -1
        self.integer_programs = 0  # solves the LP relaxation could not settle

    def atoms(self, family: str, atoms: Iterable[int]) -> list[int]:
        start = self.offset[family]
        return [start + i for i in atoms]

    def refresh(self) -> None:
        """The system of the current state: free variables, equations, bounds."""
        if self.version == self.model.version:
            return
        self.version = self.model.version
        fixed = np.zeros(self.size, dtype=bool)
        for q in self.quantities:
            if not q.hidden and q.value == 0:
                fixed[self.atoms(q.family, q.atoms)] = True
        self.var = np.full(self.size, -1, dtype=np.int64)
        free = np.flatnonzero(~fixed)
        self.var[free] = np.arange(len(free))
        self.n = len(free)
        self.ub = np.full(self.n, np.inf)
        self.eq: list[tuple[Quantity, np.ndarray]] = []
        self.ge: list[tuple[Quantity, np.ndarray]] = []
        for q in self.quantities:
            columns = self.columns(q.family, q.atoms)
            if not q.hidden and q.value > 0:
                if not len(columns):
                    raise ValueError(f"disclosure model: {q.where()} has no atom left")
                self.eq.append((q, columns))
                self.ub[columns] = np.minimum(self.ub[columns], q.value)
            elif q.hidden and q.state != WITHHELD and q.value > 0:
                self.ge.append((q, columns))
        self.le = [
            (self.columns(*link.lhs), self.columns(*link.rhs))
            for link in self.links
            if len(self.columns(*link.lhs))
        ]
        self._assemble()

    def columns(self, family: str, atoms: Iterable[int]) -> np.ndarray:
        found = self.var[self.atoms(family, atoms)]
        return np.sort(found[found >= 0])

    def _assemble(self) -> None:
        """The system twice: one matrix with row bounds for milp, and the equations and
        `<=` rows apart for linprog (whose duals name the equations of a proof)."""
        eq = _Rows()
        for q, columns in self.eq:
            eq.add(columns, 1.0, q.value)
        ub = _Rows()  # `>= 1` as `-x <= -1`, links as `lhs - rhs <= 0`
        for _, columns in self.ge:
            ub.add(columns, -1.0, -1.0)
        for left, right in self.le:
            ub.add(left, 1.0, 0.0, right)
        self.a_eq, self.b_eq = eq.matrix(self.n), eq.bounds()
        self.a_ub, self.b_ub = ub.matrix(self.n), ub.bounds()
        self.constraints = [
            LinearConstraint(m, lo, hi)
            for m, lo, hi in ((self.a_eq, self.b_eq, self.b_eq), (self.a_ub, -np.inf, self.b_ub))
            if m is not None
        ]
        # every atom lies in some printed total; a cap keeps HiGHS bounded if one did not
        cap = 10.0 * (sum(q.value for q in self.quantities) + 1)
        self.ub = np.where(np.isfinite(self.ub), self.ub, cap)

    def objective(self, q: Quantity) -> np.ndarray:
        c = np.zeros(self.n)
        c[self.columns(q.family, q.atoms)] = 1.0
        return c

    def extremes(self, targets: Sequence[tuple[Quantity, int]]) -> list[float]:
        """min (sense 1) or max (sense -1) of each target over the integer points of the
        system. The LP relaxations go to HiGHS together, as one block-diagonal LP (the
        blocks are independent: each block's optimum is its target's); a block whose optimal
        vertex is integral has the integer optimum, the others are solved with `milp`."""
        found = [0.0] * len(targets)
        todo = [i for i, (q, _) in enumerate(targets) if self.objective(q).any()]
        per_lp = max(1, BLOCK_VARIABLES // max(self.n, 1))
        for start in range(0, len(todo), per_lp):
            chunk = todo[start : start + per_lp]
            for i, value in zip(chunk, self._relaxed([targets[i] for i in chunk]), strict=True):
                if value is None:  # a fractional vertex: alone, then as an integer program
                    value = self._relaxed([targets[i]])[0]
                found[i] = value if value is not None else self._integer(*targets[i])
        return found

    def _relaxed(self, targets: Sequence[tuple[Quantity, int]]) -> list[float | None]:
        k, n = len(targets), self.n
        c = np.concatenate([sense * self.objective(q) for q, sense in targets])
        result = linprog(
            c,
            A_ub=block_diag([self.a_ub] * k, format="csr") if self.a_ub is not None else None,
            b_ub=np.tile(self.b_ub, k) if self.a_ub is not None else None,
            A_eq=block_diag([self.a_eq] * k, format="csr") if self.a_eq is not None else None,
            b_eq=np.tile(self.b_eq, k) if self.a_eq is not None else None,
            bounds=np.column_stack([np.zeros(n * k), np.tile(self.ub, k)]),
            method="highs-ds",
        )
        if result.status != 0:  # let each target be settled alone
            return [None] * k
        values: list[float | None] = []
        for b, (_, sense) in enumerate(targets):
            x = result.x[b * n : (b + 1) * n]
            integral = np.allclose(x, np.round(x), rtol=0, atol=1e-9)
            values.append(
                float(round(sense * float(c[b * n : (b + 1) * n] @ x))) if integral else None
            )
        return values

    def pushed(self, targets: Sequence[Quantity], directions: np.ndarray) -> np.ndarray | None:
        """One integer point of the system moving each target in its direction (+1 up, -1
        down) from its true value, by up to the threshold each (maximise the sum of
        min(direction * (target - truth), threshold)): the targets' values there, or None
        when the LP's vertex is not integral."""
        k, n, cap = len(targets), self.n, float(self.model.threshold)
        rows = coo_array(np.array([self.objective(q) for q in targets]))
        gain = hstack([-rows.multiply(directions[:, None]), identity(k)]).tocsr()
        truth = np.array([q.value for q in targets], dtype=float)
        parts = [gain]
        if self.a_ub is not None:
            parts.insert(0, hstack([self.a_ub, csr_array((self.a_ub.shape[0], k))]))
        result = linprog(
            np.r_[np.zeros(n), -np.ones(k)],
            A_ub=vstack(parts).tocsr(),
            b_ub=np.r_[self.b_ub if self.a_ub is not None else [], -directions * truth],
            A_eq=hstack([self.a_eq, csr_array((self.a_eq.shape[0], k))]).tocsr()
            if self.a_eq is not None
            else None,
            b_eq=self.b_eq if self.a_eq is not None else None,
            bounds=np.r_[
                np.column_stack([np.zeros(n), self.ub]),
                np.column_stack([np.full(k, -cap), np.full(k, cap)]),
            ],  # fmt: skip
            method="highs-ds",
        )
        if result.status != 0:
            return None
        x = result.x[:n]
        if not np.allclose(x, np.round(x), rtol=0, atol=1e-9):
            return None
        x = np.round(x)
        return np.array([self.objective(q) @ x for q in targets])

    def _integer(self, q: Quantity, sense: int) -> float:
        self.integer_programs += 1
        result = milp(
            sense * self.objective(q),
            integrality=np.ones(self.n),
            bounds=Bounds(np.zeros(self.n), self.ub),
            constraints=self.constraints,
            options=_MILP_OPTIONS,
        )
        if result.status != 0 or result.x is None:
            raise RuntimeError(f"disclosure audit: {q.where()}: HiGHS says {result.message}")
        # with no gap the incumbent is the optimum; a feasible value could only make the
        # interval narrower (stricter), never wider
        return float(round(sense * float(result.fun)))

    def protection(self, q: Quantity, integer: bool = False) -> set[int] | None:
        """The cheapest set of visible counts to hide so that q is safe, or None when no
        hiding can do it. Safe means two tables consistent with every other printed count in
        which q differs by the threshold (and reaches it), or, in a withheld line, one in
        which q is 0; the counts those tables change are the set.

        An LP over two copies of the atoms plus, per unprotected visible count v and copy,
        its change p - m (each unit costing 1 + log2(1 + v): small counts are cheaper
        complements, and m <= v - 1 keeps a hidden count at least 1); protected counts and
        zeros may not change."""
        movable = [i for i, (v, _) in enumerate(self.eq) if not v.protected]
        k, n = len(movable), self.n
        cost = np.array([1.0 + math.log2(1 + self.eq[i][0].value) for i in movable])
        change = coo_array(
            (np.r_[-np.ones(k), np.ones(k)], (np.r_[movable, movable], np.arange(2 * k))),
            shape=(len(self.eq), 2 * k),
        )
        copy = (hstack([self.a_eq, change]) if self.a_eq is not None else None,
                hstack([self.a_ub, csr_array((self.a_ub.shape[0], 2 * k))])
                if self.a_ub is not None else None)  # fmt: skip
        cap = 10.0 * (sum(v.value for v in self.quantities) + 1)
        upper = np.r_[
            np.full(n, cap), np.full(k, np.inf), [self.eq[i][0].value - 1.0 for i in movable]
        ]
        width = n + 2 * k
        target = self.objective(q)
        best: tuple[float, np.ndarray] | None = None
        for rows, bounds in self._targets(q, target, width):
            solved = self._cheapest(np.r_[np.zeros(n), cost, cost], copy, rows, bounds,
                                    upper, integer)  # fmt: skip
            if solved is not None and (best is None or solved[0] < best[0] - 1e-9):
                best = solved
        if best is None:
            return None
        x = best[1]
        moved = sum(
            x[c * width + n + j * k : c * width + n + (j + 1) * k] for c in (0, 1) for j in (0, 1)
        )
        return {self.eq[movable[j]][0].id for j in np.flatnonzero(moved > 1e-7)}

    def _targets(
        self, q: Quantity, target: np.ndarray, width: int
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each way q can be made safe, rows over both copies and their `<=` bounds."""
        threshold = float(self.model.threshold)
        first = np.r_[target, np.zeros(width - self.n), np.zeros(width)]
        second = np.r_[np.zeros(width), target, np.zeros(width - self.n)]
        # the two tables differ by the threshold, the larger at least the threshold
        ways = [(np.vstack([first - second, -second]), np.array([-threshold, -threshold]))]
        if q.state == WITHHELD:  # or q may be 0 (the second table is free)
            ways.append((first.reshape(1, -1), np.array([0.0])))
        return ways

    def _cheapest(
        self,
        c: np.ndarray,
        copy: tuple[csr_array | None, csr_array | None],
        rows: np.ndarray,
        bounds: np.ndarray,
        upper: np.ndarray,
        integer: bool,
    ) -> tuple[float, np.ndarray] | None:
        """The least-cost pair of tables (two copies of the system) meeting `rows <= bounds`."""
        a_eq, a_ub = (block_diag([m, m], format="csr") if m is not None else None for m in copy)
        b_eq = np.tile(self.b_eq, 2) if a_eq is not None else None
        a_ub = vstack([a_ub, csr_array(rows)]).tocsr() if a_ub is not None else csr_array(rows)
        b_ub = np.r_[np.tile(self.b_ub, 2) if self.a_ub is not None else [], bounds]
        cost, top = np.r_[c, c], np.r_[upper, upper]
        if integer:
            constraints = [LinearConstraint(a_ub, -np.inf, b_ub)]
            if a_eq is not None:
                constraints.append(LinearConstraint(a_eq, b_eq, b_eq))
            whole = np.r_[np.ones(self.n), np.zeros(len(c) - self.n)]
            result = milp(cost, integrality=np.r_[whole, whole], bounds=Bounds(0, top),
                          constraints=constraints, options=_MILP_OPTIONS)  # fmt: skip
        else:
            result = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                             bounds=np.column_stack([np.zeros(len(cost)), top]),
                             method="highs")  # fmt: skip
        if result.status != 0 or result.x is None:
            return None
        return float(result.fun), np.asarray(result.x)


class _Rows:
    """Sparse rows `coefficients @ x <op> bound`, built one at a time."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.rhs: list[float] = []

    def add(
        self, columns: np.ndarray, sign: float, bound: float, minus: np.ndarray | None = None
    ) -> None:
        row = len(self.rhs)
        for part, coefficient in ((columns, sign), (minus, -sign)):
            if part is None:
                continue
            self.rows.extend([row] * len(part))
            self.cols.extend(part.tolist())
            self.vals.extend([coefficient] * len(part))
        self.rhs.append(bound)

    def matrix(self, width: int) -> csr_array | None:
        if not self.rhs:
            return None
        shape = (len(self.rhs), width)
        return csr_array(coo_array((self.vals, (self.rows, self.cols)), shape=shape))

    def bounds(self) -> np.ndarray:
        return np.array(self.rhs, dtype=float)


class _Engine:
    """The groups of a model and the work done on them."""

    def __init__(self, model: DisclosureModel) -> None:
        self.model = model
        self.solves = 0
        parent = {name: name for name in model.families}

        def root(name: str) -> str:
            while parent[name] != name:
                name = parent[name]
            return name

        for link in model.links:
            parent[root(link.lhs[0])] = root(link.rhs[0])
        members: dict[str, list[str]] = {}
        for name in model.families:
            members.setdefault(root(name), []).append(name)
        self.group_of: dict[str, _Group] = {}
        for names in members.values():
            group = _Group(model, names)
            for name in names:
                self.group_of[name] = group

    def group(self, q: Quantity) -> _Group:
        group = self.group_of[q.family]
        group.refresh()
        return group

    def intervals(
        self, quantities: Sequence[Quantity], exact: bool = True
    ) -> dict[int, tuple[float, float]]:
        """[lo, hi] of hidden quantities, batched per group. Not `exact`: no maximum where
        the truth already shows the interval wide enough (it is a feasible point)."""
        threshold = self.model.threshold
        lows = self._extremes([(q, 1) for q in quantities])
        found = {q.id: (lo, float(q.value)) for q, lo in zip(quantities, lows, strict=True)}
        high = [
            q
            for q in quantities
            if exact or not (q.value - found[q.id][0] >= threshold and q.value >= threshold)
        ]
        for q, hi in zip(high, self._extremes([(q, -1) for q in high]), strict=True):
            found[q.id] = (found[q.id][0], hi)
        return found

    def certified(self, quantities: Sequence[Quantity]) -> set[int]:
        """The quantities a few feasible integer points show safe: one where a quantity is
        at least the threshold away from its true value (itself a feasible point) proves
        its interval wide enough. The points push many quantities at once (weights from a
        fixed seed: the same inputs give the same report)."""
        threshold = self.model.threshold
        by_group: dict[int, list[Quantity]] = {}
        for q in quantities:
            by_group.setdefault(id(self.group_of[q.family]), []).append(q)
        found: set[int] = set()
        for members in by_group.values():
            group = self.group(members[0])
            rng = np.random.default_rng(len(members))
            for _ in range(PUSHES):
                open_ = [q for q in members if q.id not in found]
                if not open_:
                    break
                # a count that cannot go the threshold down (it would be under 1) goes up
                down = np.array([q.value - threshold >= 1 for q in open_])
                directions = np.where(down & (rng.random(len(open_)) < 0.5), -1.0, 1.0)
                values = group.pushed(open_, directions)
                self.solves += 1
                if values is None:
                    break
                moved = {q.id for q, v in zip(open_, values, strict=True)
                         if abs(v - q.value) >= threshold}  # fmt: skip
                if not moved:
                    break
                found |= moved
        return found

    def _extremes(self, targets: list[tuple[Quantity, int]]) -> list[float]:
        values = [0.0] * len(targets)
        by_group: dict[int, list[int]] = {}
        for i, (q, _) in enumerate(targets):
            by_group.setdefault(id(self.group_of[q.family]), []).append(i)
        for indices in by_group.values():
            group = self.group(targets[indices[0]][0])
            self.solves += len(indices)
            for i, value in zip(
                indices, group.extremes([targets[i] for i in indices]), strict=True
            ):
                values[i] = value
        return values


# --- suppression --------------------------------------------------------------------------


@dataclass
class Audit:
    """What the audit found: the intervals of the hidden quantities and the work it took."""

    threshold: int
    tables: list[str]
    hidden_cells: dict[str, int]  # kind -> printed cells hidden
    hidden_quantities: dict[str, int]
    intervals: dict[int, tuple[float, float]]
    narrowest: tuple[Quantity, float, float] | None
    disclosed: list[tuple[Quantity, float, float]]
    solves: int
    integer_programs: int = 0  # of the solves, those the LP relaxation could not settle
    seconds: float = 0.0
    withheld: list[str] = field(default_factory=list)
    hidden: list[Quantity] = field(default_factory=list)  # with their true values: never print

    def summary(self) -> dict[str, Any]:
        """For the run's audit trail (the report itself carries no run time)."""
        return {
            "seconds": round(self.seconds, 3),
            "bounds_solved": self.solves,
            "integer_programs": self.integer_programs,
            "tables": len(self.tables),
            "hidden_cells": dict(self.hidden_cells),
            "narrowest": self.describe_narrowest(),
        }

    def describe_narrowest(self, where: bool = True) -> str:
        """The narrowest interval and its cell (`where`), or its table only: derivable by
        anyone, but a report need not point its reader at one hidden cell."""
        if self.narrowest is None:
            return "–"
        q, lo, hi = self.narrowest
        if not where:
            return f"[{lo:.0f}, {hi:.0f}] · {q.places[0].title if q.places else q.family}"
        return f"[{lo:.0f}, {hi:.0f}] ({q.where()})"


def primary(model: DisclosureModel) -> None:
    """Step 1: every unprotected count with 0 < n < threshold."""
    for q in model.quantities:
        if not q.hidden and not q.protected and 0 < q.value < model.threshold:
            model.set_state(q, PRIMARY)


def protect(model: DisclosureModel) -> Audit:
    """Primary suppression, then complements until the audit finds nothing; then the final
    audit from scratch. Raises `DisclosureError` naming the first cell nothing can protect."""
    started = time.perf_counter()
    primary(model)
    engine = _Engine(model)
    safe: set[int] = set()
    while True:
        disclosed = _disclosed(model, engine, safe)
        if not disclosed:
            break
        for i, q in enumerate(disclosed):
            # an earlier fix of this pass may have protected q already
            if i == 0 or is_disclosed(*engine.intervals([q], exact=False)[q.id], model.threshold):
                _protect_one(model, engine, q)
    result = audit(model)
    result.solves += engine.solves
    result.integer_programs += sum(g.integer_programs for g in set(engine.group_of.values()))
    result.seconds = time.perf_counter() - started
    if result.disclosed:
        q = result.disclosed[0][0]
        raise DisclosureError(f"hidden count derivable: {q.where()}")
    return result


def _disclosed(model: DisclosureModel, engine: _Engine, safe: set[int]) -> list[Quantity]:
    """The hidden quantities the audit finds disclosed, in print order; every one found
    safe is remembered as safe (hiding more only widens its interval)."""
    todo = [q for q in model.quantities if q.hidden and q.value > 0 and q.id not in safe]
    safe |= engine.certified(todo)
    todo = [q for q in todo if q.id not in safe]
    found = engine.intervals(todo, exact=False)
    disclosed = [q for q in todo if is_disclosed(*found[q.id], model.threshold)]
    safe.update(q.id for q in todo if q not in disclosed)
    return disclosed


def _protect_one(model: DisclosureModel, engine: _Engine, q: Quantity) -> None:
    """Hide more so that q may become safe: the set the protection LP names (its integer
    version when the LP's set is already hidden), else one neighbour, else withhold a line."""
    group = engine.group(q)
    chosen = group.protection(q)
    if chosen is not None and not chosen:  # the LP is satisfied, the integers are not
        chosen = group.protection(q, integer=True)
    if chosen:
        for i in sorted(chosen):
            model.set_state(model.quantities[i], COMPLEMENT)
        return
    if chosen is not None:  # possible in principle, found by neither: one more neighbour
        usable = [v for v in _neighbours(model, q) if not v.hidden and not v.protected and v.value]
        if usable:
            model.set_state(min(usable, key=lambda v: _preference(model, q, v)), COMPLEMENT)
            return
    if _withhold(model, q):
        return
    raise DisclosureError(
        f"hidden count derivable: {q.where()} (no complement or withheld line can protect it)"
    )


def _lines_of(q: Quantity) -> list[Line]:
    return [
        line
        for p in q.places
        if p.kind == "cell" and p.row is not None
        for line in ((p.table, "row", p.row), (p.table, "column", p.column))
    ]


def _neighbours(model: DisclosureModel, q: Quantity) -> list[Quantity]:
    """Quantities sharing a table row or column with q, or containing / contained in it."""
    found = {i for line in _lines_of(q) for i in model.lines.get(line, [])}
    found |= {
        v.id
        for v in model.quantities
        if v.family == q.family and (v.atoms >= q.atoms or v.atoms <= q.atoms)
    }
    found.discard(q.id)
    return [model.quantities[i] for i in sorted(found)]


def _preference(model: DisclosureModel, q: Quantity, v: Quantity) -> tuple[int, int, int, int]:
    """Lower is better: related to q, not alone in its own rows and columns, small."""
    shared = set(_lines_of(q))
    related = bool(shared & set(_lines_of(v))) or v.atoms >= q.atoms or v.atoms <= q.atoms
    alone = sum(
        1
        for line in _lines_of(v)
        if line not in shared
        and len(model.lines[line]) > 1
        and not any(model.quantities[i].hidden for i in model.lines[line] if i != v.id)
    )
    return (0 if related else 1, alone, v.value, v.id)


def _withhold(model: DisclosureModel, q: Quantity) -> bool:
    """Hide every cell of one more table line, zeros included: a line of q or of a hidden
    count overlapping it (whose `>= 1` may pin q). First a line of q's family alone (a
    column of the reasons by agency mixes criteria), then one that breaks down a national
    figure (that figure is what pins its cells), q's own lines, columns."""
    overlapping = [
        v for v in model.hidden() if v.family == q.family and v.id != q.id and v.atoms & q.atoms
    ]
    national = [v.atoms for v in model.quantities if v.protected and v.family == q.family]
    lines = []
    for rank, owner in enumerate([q, *overlapping]):
        for line in _lines_of(owner):
            members = [model.quantities[i] for i in model.lines[line]]
            if any(m.protected for m in members) or all(m.state == WITHHELD for m in members):
                continue
            ours = [m for m in members if m.family == q.family]
            union = frozenset().union(*(m.atoms for m in ours))
            breaks_down = any(union <= atoms for atoms in national)
            mixed = len(ours) < len(members)
            lines.append(((mixed, not breaks_down, rank, line[1] != "column"), line, members))
    if not lines:
        return False
    _, line, members = min(lines, key=lambda found: found[0])
    for m in members:
        model.set_state(m, WITHHELD)
    model.withheld.append(line)
    return True


def audit(model: DisclosureModel) -> Audit:
    """The exact interval of every hidden non-zero quantity, from scratch."""
    started = time.perf_counter()
    engine = _Engine(model)
    audited = [q for q in model.quantities if q.hidden and q.value > 0]
    intervals = engine.intervals(audited, exact=True)
    disclosed = []
    narrowest: tuple[Quantity, float, float] | None = None
    for q in audited:
        lo, hi = intervals[q.id]
        if is_disclosed(lo, hi, model.threshold):
            disclosed.append((q, lo, hi))
        # the width matters where the reader knows the cell is not empty (not in a
        # withheld line whose cell may be 0)
        if lo >= 1 and (narrowest is None or hi - lo < narrowest[2] - narrowest[1]):
            narrowest = (q, lo, hi)
    cells: dict[str, int] = {PRIMARY: 0, COMPLEMENT: 0, WITHHELD: 0}
    quantities: dict[str, int] = {PRIMARY: 0, COMPLEMENT: 0, WITHHELD: 0}
    for q in model.hidden():
        quantities[q.state] += 1
        cells[q.state] += len(q.places)
    tables = list(dict.fromkeys(p.table for q in model.quantities for p in q.places))
    return Audit(
        threshold=model.threshold,
        tables=[model.titles[key] for key in tables],
        hidden_cells=cells,
        hidden_quantities=quantities,
        intervals=intervals,
        narrowest=narrowest,
        disclosed=disclosed,
        solves=engine.solves,
        integer_programs=sum(g.integer_programs for g in set(engine.group_of.values())),
        seconds=time.perf_counter() - started,
        withheld=[f"{model.titles[line[0]]}: {_line_name(model, line)}" for line in model.withheld],
        hidden=model.hidden(),
    )


def _line_name(model: DisclosureModel, line: Line) -> str:
    table, kind, index = line
    places = [
        p
        for i in model.lines[line]
        for p in model.quantities[i].places
        if p.table == table and p.kind == "cell"
    ]
    place = next(p for p in places if (p.column if kind == "column" else p.row) == index)
    return place.column_label if kind == "column" else place.row_label


# --- tables -------------------------------------------------------------------------------

# A row or a column of a table: the family its cells count in (None: the other one says) and
# the dimension filters its cells share. A cell counts the atoms matching both.
Spec = tuple[str | None, Mapping[str, Any]]


def register_table(
    model: DisclosureModel,
    table: Table,
    rows: Sequence[Spec],
    columns: Mapping[int, Spec],
    *,
    total: bool = False,
    protected: bool = False,
    protected_rows: Iterable[int] = (),
    protected_total: bool = False,
    only_rows: Iterable[int] | None = None,
) -> None:
    """Register every count cell of `table` (and, with `total`, its totals row: each cell
    the union of its column) as the atoms its row and column select."""
    keep = set(range(len(table.rows)) if only_rows is None else only_rows)
    national = set(protected_rows)
    union: dict[int, tuple[str, set[int]]] = {}
    for r in sorted(keep):
        for c, column in columns.items():
            family, atoms = _cell_atoms(model, rows[r], column)
            place = Place(table.key, table.title, r, c, str(table.rows[r][0]), table.columns[c])
            model.show(family, atoms, table.rows[r][c], place, protected=protected or r in national)
            union.setdefault(c, (family, set()))[1].update(atoms)
    if total and table.total and table.rows:
        for c, (family, column_atoms) in union.items():
            place = Place(table.key, table.title, None, c, str(table.total[0]), table.columns[c],
                          "total")  # fmt: skip
            model.show(family, frozenset(column_atoms), table.total[c], place,
                       protected=protected or protected_total)  # fmt: skip


def register_chart(model: DisclosureModel, table: Table, bars: Sequence[Spec]) -> None:
    """The bars of `table.chart_data`, one spec each: national figures (a chart has no way
    to hide a bar)."""
    assert table.chart_data is not None
    items = table.chart_data["items"]
    for i, ((label, value), (family, filters)) in enumerate(zip(items, bars, strict=True)):
        assert family is not None
        place = Place(table.key, table.title, None, i, label, table.chart_data["title"], "chart")
        atoms = model.families[family].select(**filters)
        model.show(family, atoms, value, place, protected=True)


def _cell_atoms(model: DisclosureModel, row: Spec, column: Spec) -> tuple[str, frozenset[int]]:
    family = row[0] or column[0]
    if family is None or (row[0] and column[0] and row[0] != column[0]):
        raise ValueError(f"a cell needs one family, not {row[0]!r} and {column[0]!r}")
    found = model.families[family]
    return family, found.select(**row[1]) & found.select(**column[1])


def unregistered(
    model: DisclosureModel, table: Table, exempt_rows: Iterable[int] = ()
) -> list[tuple[int | None, int]]:
    """The count cells of `table` the model does not know: every number a table prints
    must be audited (the caller names the rows that count something else)."""
    counts = [c for c, kind in enumerate(table.kinds) if kind == "int"]
    skip = set(exempt_rows)
    missing: list[tuple[int | None, int]] = [
        (r, c)
        for r, row in enumerate(table.rows)
        for c in counts
        if r not in skip and row[c] is not None and not model.registered(table.key, r, c)
    ]
    if table.total and not skip:
        missing += [
            (None, c)
            for c in counts
            if table.total[c] is not None and (table.key, c) not in model.totals
        ]
    return missing


def apply(model: DisclosureModel, tables: Iterable[Table], lang: str) -> None:
    """Blank every hidden count where the tables print it, mark it with the one mark, and
    note under each table what is hidden and which lines are withheld."""
    by_key = {table.key: table for table in tables}
    for q in model.hidden():
        for place in q.places:
            table = by_key[place.table]
            if place.kind == "cell" and place.row is not None:
                table.rows[place.row][place.column] = None
                table.hidden[(place.row, place.column)] = SUPPRESSED
            elif place.kind == "total" and table.total is not None:
                table.total[place.column] = MARK
            else:  # notes, cards and charts print national figures only
                raise ValueError(f"{place.describe()}: a {place.kind} cannot hide its count")
    for table in by_key.values():
        hidden_totals = [c for c, v in enumerate(table.total or []) if v is MARK]
        if any(not any(col == c for _, col in table.hidden) for c in hidden_totals):
            raise ValueError(f"table {table.key}: a hidden total over a column shown in full")
        if table.hidden or hidden_totals:
            table.threshold = model.threshold
            table.notes.append(t("privacy_note_audited", lang, threshold=model.threshold))
        lines = [_line_name(model, line) for line in model.withheld if line[0] == table.key]
        if lines:
            table.notes.append(t("withheld_note", lang, lines=", ".join(lines)))
