"""The parameters of an amnesty round an adviser may change (`clemency whatif --set`), read
from the rule seeds themselves (transforms/seeds/rules/: the CSVs, their column types in
_rules.yml and the criterion catalogue criteria.csv), so that a new seed column is a new
parameter with no code to change.

A parameter is a cell of a round's rule set: a column typed integer, double or boolean of
one of the seeds below, in the row of the round (amnesty_rounds) or of the round's rule
version and the row's key (a bar, a behaviour band, an article, a category). A pair of
columns `<x>_numerator`, `<x>_denominator` is one parameter `<x>`, a fraction `a/b` in
(0, 1]. Text and dates (citations, labels, the round's decision and cutoff) are not
parameters: a what-if changes the rules, not the round or its candidates.

Names are `<table>.<row>.<column>` (`rounds.<column>` for the round's own row), e.g.
`rounds.time_served`, `round_bars.remaining_over_8y.max_remaining_months`; any shorter
dotted tail that names one parameter only is accepted (`time_served`,
`remaining_over_8y.max_remaining_months`), an ambiguous one is refused naming the choices.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from clemency.errors import PipelineError
from clemency.paths import TRANSFORMS_DIR

RULES = TRANSFORMS_DIR / "seeds" / "rules"


class ParameterError(PipelineError):
    """A `--set` the rules cannot take: an unknown parameter or round, or a bad value."""


@dataclass(frozen=True)
class RuleTable:
    """A seed holding round parameters: its short name in parameter names, the column
    naming its rows within a rule set (None: one row per round)."""

    seed: str
    name: str
    row_key: str | None


# The amnesty seeds whose rows are a round's parameters. amnesty_excluded_articles is a
# list (which articles), not parameters; the work-release policy has no rounds.
TABLES = (
    RuleTable("amnesty_rounds", "rounds", None),
    RuleTable("amnesty_round_bars", "round_bars", "bar_id"),
    RuleTable("amnesty_behaviour_quarters", "behaviour_quarters", "band"),
    RuleTable("amnesty_stricter_articles", "stricter_articles", "article"),
    RuleTable("amnesty_special_categories", "special_categories", "category"),
)
_KEYS = {"round_id", "rule_version"}
_NOT_PARAMETERS = {"verify"}  # whether docs/domain.md marks the row "(verify)": metadata
_VALUE_TYPES = {"integer", "double", "boolean"}
FRACTION = "fraction"


@dataclass(frozen=True)
class Parameter:
    name: str  # `<table>.<row>.<column>` or `rounds.<column>`
    seed: str
    row: str | None  # the row's key within the rule set (None: the round's own row)
    columns: tuple[str, ...]  # one column, or numerator and denominator
    kind: str  # integer | double | boolean | fraction
    cells: tuple[str, ...]  # the seed's text of each column ('' = null)
    description: str
    legal_source: str
    to_verify: str = ""  # the row is marked "(verify)" in docs/domain.md: what and why

    @property
    def value(self) -> str:
        return show(self.kind, self.cells)


@dataclass
class Change:
    """One `--set`: the parameter, its value in the catalogue and in the scenario."""

    name: str
    seed: str
    row: str | None
    columns: list[str]
    kind: str
    catalogue_value: str
    scenario_value: str
    cells: list[str]  # the scenario's text of each column
    description: str
    legal_source: str
    as_typed: str = ""
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# --- the catalogue ------------------------------------------------------------------------


@cache
def _seed_config() -> dict[str, dict[str, Any]]:
    """Column types and descriptions of every rule seed, from _rules.yml."""
    document = yaml.safe_load((RULES / "_rules.yml").read_text(encoding="utf-8"))
    found = {}
    for seed in document["seeds"]:
        found[seed["name"]] = {
            "types": seed.get("config", {}).get("column_types", {}),
            "descriptions": {
                c["name"]: " ".join(str(c.get("description", "")).split())
                for c in seed.get("columns", [])
            },
        }
    return found


def read_seed(seed: str, folder: Path = RULES) -> tuple[list[str], list[list[str]]]:
    """A rule seed's header and rows, as the CSV holds them."""
    with open(folder / f"{seed}.csv", encoding="utf-8", newline="") as source:
        header, *rows = list(csv.reader(source))
    return header, rows


def round_rule_version(round_id: str) -> str:
    """The rule version of a round in amnesty_rounds, or a `ParameterError` naming the
    rounds the seed knows."""
    header, rows = read_seed("amnesty_rounds")
    by_round = {row[header.index("round_id")]: row[header.index("rule_version")] for row in rows}
    if round_id not in by_round:
        known = ", ".join(sorted(by_round)) or "none"
        raise ParameterError(f"--round {round_id}: no such amnesty round (rounds: {known})")
    return by_round[round_id]


def parameters(round_id: str) -> list[Parameter]:
    """Every parameter of the round's rule set, in seed and column order."""
    rule_version = round_rule_version(round_id)
    criteria = _criteria_sources()
    found = []
    for table in TABLES:
        config = _seed_config()[table.seed]
        types, descriptions = config["types"], config["descriptions"]
        header, rows = read_seed(table.seed)
        for row in rows:
            cells = dict(zip(header, row, strict=True))
            if table.row_key is None and cells.get("round_id") != round_id:
                continue
            if table.row_key is not None and cells.get("rule_version") != rule_version:
                continue
            source = _legal_source(table, cells, criteria)
            for columns, kind in _parameter_columns(header, types, table.row_key):
                name = _name(table, cells, columns)
                description = descriptions.get(columns[0], "")
                found.append(
                    Parameter(
                        name=name,
                        seed=table.seed,
                        row=None if table.row_key is None else cells[table.row_key],
                        columns=columns,
                        kind=kind,
                        cells=tuple(cells[c] for c in columns),
                        description=re.sub(r",? numerator\b", "", description),
                        legal_source=source,
                        to_verify=_to_verify(cells),
                    )
                )
    return found


def _to_verify(cells: dict[str, str]) -> str:
    """What the seed row says is still to verify (its verify flag and note), if anything."""
    if cells.get("verify", "").lower() != "true":
        return ""
    return cells.get("verify_note") or "the row's values are marked (verify) in docs/domain.md"


def _parameter_columns(
    header: Sequence[str], types: dict[str, str], row_key: str | None
) -> list[tuple[tuple[str, ...], str]]:
    """The parameter columns of a seed, a numerator/denominator pair as one fraction."""
    chosen: list[tuple[tuple[str, ...], str]] = []
    for column in header:
        kind = types.get(column)
        if column in _KEYS or column == row_key or column in _NOT_PARAMETERS:
            continue
        if kind not in _VALUE_TYPES or column.endswith("_denominator"):
            continue
        if column.endswith("_numerator"):
            partner = column.removesuffix("_numerator") + "_denominator"
            if partner in header:
                chosen.append(((column, partner), FRACTION))
                continue
        chosen.append(((column,), kind))
    return chosen


def _name(table: RuleTable, cells: dict[str, str], columns: tuple[str, ...]) -> str:
    column = columns[0].removesuffix("_numerator") if len(columns) == 2 else columns[0]
    if table.row_key is None:
        return f"{table.name}.{column}"
    return f"{table.name}.{cells[table.row_key]}.{column}"


def _criteria_sources() -> dict[str, Any]:
    """From the criterion catalogue: each amnesty criterion's source, and the criteria each
    seed holds figures for."""
    with open(RULES / "criteria.csv", encoding="utf-8", newline="") as source:
        rows = [row for row in csv.DictReader(source) if row["program"] == "amnesty"]
    cite = {
        row["code"]: "; ".join(
            part for part in (f"{row['law']} {row['article']}".strip(), row["round_source"]) if part
        )
        for row in rows
    }
    by_seed: dict[str, list[str]] = {}
    for row in rows:
        for seed in re.split(r"[;\s]+", row["seeds"]):
            if seed:
                by_seed.setdefault(seed, []).append(row["code"])
    return {"cite": cite, "by_seed": by_seed}


def _legal_source(table: RuleTable, cells: dict[str, str], criteria: dict[str, Any]) -> str:
    """The row's own citation when the seed carries one (and for a bar, the criterion it
    fails); else the criteria of the catalogue that read the seed, each with its law,
    article and round source."""
    own = cells.get("legal_source", "")
    if cells.get("criterion"):
        codes = [cells["criterion"]]
    elif own:
        codes = []
    else:
        codes = criteria["by_seed"].get(table.seed, [])
    cited = [f"{code}: {criteria['cite'][code]}" for code in codes if code in criteria["cite"]]
    return " | ".join(part for part in (own, *cited) if part) or "–"


# --- --set name=value ---------------------------------------------------------------------


def parse_settings(round_id: str, settings: Iterable[str]) -> list[Change]:
    """The changes `--set name=value ...` asks for, checked against the round's
    parameters; a `ParameterError` names the first setting the rules cannot take."""
    known = parameters(round_id)
    changes: dict[str, Change] = {}
    for setting in settings:
        name, equals, text = setting.partition("=")
        name, text = name.strip(), text.strip()
        if not equals or not name:
            raise ParameterError(f"--set {setting!r}: expected name=value, e.g. time_served=1/4")
        parameter = resolve(name, known, round_id)
        if parameter.name in changes:
            raise ParameterError(f"--set {name}: {parameter.name} is set twice")
        cells = parse_value(parameter, text)
        changes[parameter.name] = Change(
            name=parameter.name,
            seed=parameter.seed,
            row=parameter.row,
            columns=list(parameter.columns),
            kind=parameter.kind,
            catalogue_value=parameter.value,
            scenario_value=show(parameter.kind, cells),
            cells=list(cells),
            description=parameter.description,
            legal_source=parameter.legal_source,
            as_typed=setting,
            notes=[f"to verify: {parameter.to_verify}"] if parameter.to_verify else [],
        )
    return list(changes.values())


def resolve(name: str, known: Sequence[Parameter], round_id: str) -> Parameter:
    """The one parameter whose full name is `name` or ends with it (by dotted parts)."""
    wanted = name.split(".")
    matches = [p for p in known if p.name.split(".")[-len(wanted) :] == wanted]
    if len(matches) == 1:
        return matches[0]
    if matches:
        choices = ", ".join(p.name for p in matches[:6]) + (", …" if len(matches) > 6 else "")
        raise ParameterError(f"--set {name}: ambiguous parameter, name one of {choices}")
    not_a_parameter = _not_a_parameter(wanted[-1])
    if not_a_parameter:
        raise ParameterError(f"--set {name}: {not_a_parameter}")
    raise ParameterError(
        f"--set {name}: unknown parameter of round {round_id} "
        f"(`clemency whatif --round {round_id} --list` lists them)"
    )


def _not_a_parameter(column: str) -> str | None:
    """Why a column of the rule seeds that exists is not a parameter, if it is one."""
    for table in TABLES:
        types = _seed_config()[table.seed]["types"]
        kind = types.get(column)
        if kind is None:
            for suffix in ("_numerator", "_denominator"):
                if column.endswith(suffix):
                    return f"set the fraction {column.removesuffix(suffix)}=a/b, not its parts"
            continue
        if column in _KEYS or column == table.row_key:
            return f"{column} names the rows of {table.seed}, it is not a parameter"
        if kind not in _VALUE_TYPES or column in _NOT_PARAMETERS:
            return (
                f"{column} ({kind}) of {table.seed} is not a rule parameter: a what-if changes "
                "the numbers and switches of the rules, not the round's dates or texts"
            )
    return None


_INTEGER = re.compile(r"[0-9]+")
_FRACTION = re.compile(r"([0-9]+)\s*/\s*([0-9]+)")


def parse_value(parameter: Parameter, text: str) -> tuple[str, ...]:
    """The seed text of each column of `parameter` for the value `text`, or a
    `ParameterError` naming the parameter and the type it takes."""
    where = f"--set {parameter.name}={text}"
    if parameter.kind == FRACTION:
        return _fraction(text, where)
    if text.lower() in {"null", "none", ""}:
        # a null cap or band bound "is not applied" (int_amnesty_round_bars); a null flag or
        # a null where the catalogue has a number has no meaning in the rules
        if parameter.kind == "integer" and "" in parameter.cells:
            return ("",)
        raise ParameterError(f"{where}: a value is needed ({_kind_text(parameter.kind)})")
    parsed = _SCALARS[parameter.kind](text)
    if parsed is None:
        raise ParameterError(f"{where}: {_kind_text(parameter.kind)} is needed")
    return (parsed,)


def _fraction(text: str, where: str) -> tuple[str, str]:
    match = _FRACTION.fullmatch(text)
    if not match:
        raise ParameterError(f"{where}: a fraction a/b is needed, e.g. 1/4")
    numerator, denominator = int(match[1]), int(match[2])
    if denominator == 0 or not 0 < Fraction(numerator, denominator) <= 1:
        raise ParameterError(f"{where}: the fraction must be in (0, 1]")
    return (str(numerator), str(denominator))


def _integer(text: str) -> str | None:
    return str(int(text)) if _INTEGER.fullmatch(text) else None


def _double(text: str) -> str | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return repr(value) if 0 <= value < float("inf") else None


def _boolean(text: str) -> str | None:
    return text.lower() if text.lower() in {"true", "false"} else None


_SCALARS = {"integer": _integer, "double": _double, "boolean": _boolean}


def _kind_text(kind: str) -> str:
    return {
        "integer": "a whole number, 0 or more",
        "double": "a number, 0 or more",
        "boolean": "true or false",
        FRACTION: "a fraction a/b in (0, 1]",
    }[kind]


def show(kind: str, cells: Sequence[str]) -> str:
    """A parameter's value as the adviser types it (`1/3`, `96`, `true`, `null`)."""
    if kind == FRACTION:
        return f"{cells[0]}/{cells[1]}"
    return cells[0] if cells[0] != "" else "null"


# --- the seeds of a scenario --------------------------------------------------------------


def changed_seed(seed: str, changes: Sequence[Change], round_id: str) -> str:
    """The CSV text of `seed` with `changes` applied to the round's rows."""
    header, rows = read_seed(seed)
    table = next(table for table in TABLES if table.seed == seed)
    rule_version = round_rule_version(round_id)
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        mine = (
            cells.get("round_id") == round_id
            if table.row_key is None
            else cells.get("rule_version") == rule_version
        )
        for change in changes:
            if change.seed != seed or not mine:
                continue
            if table.row_key is not None and cells[table.row_key] != change.row:
                continue
            for column, text in zip(change.columns, change.cells, strict=True):
                row[header.index(column)] = text
    written = io.StringIO()
    writer = csv.writer(written, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return written.getvalue()
