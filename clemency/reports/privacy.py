"""Small-cell suppression for facility-level tables, with complementary suppression.

The table is a grid of counts. Every row (a facility) may add up to a row total and every
column (a status or a reason) may add up to a column total. A printed total together with
all but one cell of its row or column gives the missing cell away, so each such linear
relation must hide either none of its members or at least two of them.

1. Primary: every cell (and row total) with 0 < count < threshold is hidden. Zeros are
   shown: "nobody" is not a small group of people.
2. Complementary: while some relation hides exactly one member, also hide the smallest
   other member of that relation (ties: the first one). Column totals are national figures
   and are never hidden, so they are not candidates.

`suppress` is pure: it returns a new `Suppression` and never changes its input.

Each table on its own is not enough: tables of one report share their totals (an agency row
is the sum of its facilities, a national figure is printed in several tables), and a hidden
cell of one table can follow from the others. The reports therefore use
`clemency.reports.disclosure`, which audits everything a report prints at once; `suppress`
stays as the per-table rule it replaced (the tests show where it fails).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

PRIMARY = "primary"
SECONDARY = "secondary"

# The kind `Table.hidden` records for every cell a report hides, whatever the reason, and
# the one mark the renderers show for it: a mark telling "under the threshold" apart from
# "hidden to protect another cell" would itself prove a small count.
SUPPRESSED = "suppressed"
MARK = "–"

# A member of a relation: ("cell", row, column) or ("row_total", row, -1).
Member = tuple[str, int, int]


@dataclass(frozen=True)
class Suppression:
    """What to hide. `cells[r][c]` / `row_totals[r]` are None where hidden."""

    cells: list[list[int | None]]
    row_totals: list[int | None] | None
    column_totals: list[int] | None
    hidden: dict[tuple[int, int], str] = field(default_factory=dict)  # (r, c) -> kind
    hidden_row_totals: dict[int, str] = field(default_factory=dict)  # r -> kind
    unprotected: list[str] = field(default_factory=list)  # relations that could not be fixed

    @property
    def count(self) -> int:
        return len(self.hidden) + len(self.hidden_row_totals)


def suppress(
    cells: Sequence[Sequence[int]],
    threshold: int = 5,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
) -> Suppression:
    """Hide small counts in `cells` and enough others that no hidden count can be derived.

    `row_totals`: each row adds up to a printed row total (set False when a person can be
    counted in several columns, e.g. unmet criteria). `column_totals`: each column adds up
    to a printed national total, which stays visible.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    grid = _grid(cells)
    width = len(grid[0]) if grid else 0
    sums = [sum(row) for row in grid]

    def value(member: Member) -> int:
        kind, r, c = member
        return sums[r] if kind == "row_total" else grid[r][c]

    relations = _relations(len(grid), width, row_totals=row_totals, column_totals=column_totals)
    hidden = _primary(relations, value, threshold)
    _complement(relations, hidden, value)
    unprotected = [
        f"relation {index}"
        for index, members in enumerate(relations)
        if sum(member in hidden for member in members) == 1  # a single-member relation
    ]

    return Suppression(
        cells=[
            [None if ("cell", r, c) in hidden else v for c, v in enumerate(row)]
            for r, row in enumerate(grid)
        ],
        row_totals=(
            [None if ("row_total", r, -1) in hidden else s for r, s in enumerate(sums)]
            if row_totals
            else None
        ),
        column_totals=[sum(col) for col in zip(*grid, strict=True)] if column_totals else None,
        hidden={(r, c): kind for (name, r, c), kind in hidden.items() if name == "cell"},
        hidden_row_totals={r: kind for (name, r, _), kind in hidden.items() if name == "row_total"},
        unprotected=unprotected,
    )


def _grid(cells: Sequence[Sequence[int]]) -> list[list[int]]:
    """`cells` as a list of int rows, checked to be rectangular and non-negative."""
    grid = [[int(v) for v in row] for row in cells]
    width = len(grid[0]) if grid else 0
    if any(len(row) != width for row in grid):
        raise ValueError("every row must have the same number of cells")
    if any(v < 0 for row in grid for v in row):
        raise ValueError("counts cannot be negative")
    return grid


def _relations(
    height: int, width: int, *, row_totals: bool, column_totals: bool
) -> list[list[Member]]:
    """Every set of members that adds up to a printed total: rows first, then columns."""
    relations: list[list[Member]] = []
    for r in range(height):
        members = [("cell", r, c) for c in range(width)]
        if row_totals:
            members.append(("row_total", r, -1))
        relations.append(members)
    if column_totals:
        for c in range(width):
            relations.append([("cell", r, c) for r in range(height)])
        if row_totals:  # the column of row totals adds up to the (visible) grand total
            relations.append([("row_total", r, -1) for r in range(height)])
    return relations


def _primary(
    relations: list[list[Member]], value: Callable[[Member], int], threshold: int
) -> dict[Member, str]:
    """Step 1: every member with 0 < count < threshold, in relation order."""
    hidden: dict[Member, str] = {}
    for members in relations:
        for member in members:
            if 0 < value(member) < threshold:
                hidden.setdefault(member, PRIMARY)
    return hidden


def _complement(
    relations: list[list[Member]], hidden: dict[Member, str], value: Callable[[Member], int]
) -> None:
    """Step 2, in place: until no relation changes, give every relation that hides exactly
    one member a second one, its smallest visible member (ties: the first one)."""
    changed = True
    while changed:
        changed = False
        for members in relations:
            if sum(member in hidden for member in members) != 1:
                continue
            candidates = [m for m in members if m not in hidden]
            if candidates:
                choice = min(candidates, key=lambda m: (value(m), members.index(m)))
                hidden[choice] = SECONDARY
                changed = True


def is_protected(result: Suppression) -> bool:
    """Check the guarantee: no row or column hides exactly one of its members."""
    rows = len(result.cells)
    width = len(result.cells[0]) if rows else 0
    for r in range(rows):
        count = sum(cell is None for cell in result.cells[r])
        if result.row_totals is not None:
            count += result.row_totals[r] is None
        if count == 1:
            return False
    if result.column_totals is not None:
        for c in range(width):
            if sum(result.cells[r][c] is None for r in range(rows)) == 1:
                return False
        if result.row_totals is not None and sum(t is None for t in result.row_totals) == 1:
            return False
    return True
