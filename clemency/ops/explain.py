"""`clemency explain`: one person's decision, criterion by criterion, with the figures.

The marts hold only pseudonyms, so the person id is turned into its key with the same
HMAC the dbt run used, and the decision row is read from the person-level Parquet mart
(under the lake's restricted/ folder).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from clemency.lake.audit import audited, file_entry
from clemency.lake.layout import Lake
from clemency.lake.pseudonym import person_key
from clemency.paths import TRANSFORMS_DIR


class NotFound(LookupError):
    """No decision for that person in that round or programme."""


@dataclass(frozen=True)
class Explanation:
    person_key: str
    program: str
    scope_id: str
    as_of_date: dt.date
    evaluation_date: dt.date
    status: str
    met_criteria: list[str]
    unmet_criteria: list[str]
    details: dict[str, dict[str, Any]]
    rule_version: str
    unjudgeable_criteria: list[str] = field(default_factory=list)  # unmet: figures missing

    def as_json(self) -> dict[str, Any]:
        scope = "round_id" if self.program == "amnesty" else "policy_id"
        return {
            "person_key": self.person_key,
            "program": self.program,
            scope: self.scope_id,
            "as_of_date": self.as_of_date.isoformat(),
            "evaluation_date": self.evaluation_date.isoformat(),
            "rule_version": self.rule_version,
            "status": self.status,
            "met_criteria": self.met_criteria,
            "unmet_criteria": self.unmet_criteria,
            "unjudgeable_criteria": self.unjudgeable_criteria,
            "details": self.details,
        }


# Each criterion's figures and its text come from the criterion catalogue
# (transforms/seeds/rules/criteria.csv: figure_columns, explain_en), the one home of the rules'
# metadata; the figures themselves (limits included) are columns of the mart row.
CRITERIA_CATALOGUE = TRANSFORMS_DIR / "seeds" / "rules" / "criteria.csv"


def catalogue(program: str) -> list[dict[str, str]]:
    """The catalogue's rows of `program` (amnesty, work_release), in catalogue order."""
    with CRITERIA_CATALOGUE.open(encoding="utf-8", newline="") as source:
        rows = [row for row in csv.DictReader(source) if row["program"] == program]
    return sorted(rows, key=lambda row: int(row["position"]))


# What a coded figure means, as the text shows it (the figure itself stays the mart's value):
# which reading of Art. 12(2) applied to a pending review (int_legal_holds_at_evaluation), and
# on which ground an obligation was discharged (Decree 52/2019/NĐ-CP Art. 4).
VALUE_TEXTS: dict[str, dict[Any, str]] = {
    "pending_review_direction": {
        None: "nothing (no review pending)",
        "heavier": "a heavier criminal liability (bars)",
        "unknown": "no direction stated (barred conservatively)",
        "other": "an outcome other than a heavier liability (does not bar)",
        "lighter": "a lighter liability (does not bar)",
    },
    "discharge_reasons": {
        "enforcement_terminated": "enforcement terminated by the civil-enforcement head",
        "creditor_waived": "the creditor's written waiver",
    },
}


def _figure_text(name: str, value: Any) -> str:
    """A figure of column `name` as the text shows it, coded values in words."""
    texts = VALUE_TEXTS.get(name)
    if texts is None:
        return _shown(value)
    if isinstance(value, list | tuple):
        return ", ".join(texts.get(item, _shown(item)) for item in value) or "none"
    return texts.get(value, _shown(value))


def _shown(value: Any) -> str:
    """A figure as the text shows it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_shown(item) for item in value) or "none"
    return str(value)


def _details(program: str, row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every criterion of the programme: its figures (mart columns) and its text."""
    details: dict[str, dict[str, Any]] = {}
    for criterion in catalogue(program):
        figures = {name: row.get(name) for name in criterion["figure_columns"].split()}
        shown = {name: _figure_text(name, value) for name, value in figures.items()}
        details[criterion["code"]] = {
            **figures,
            "kind": criterion["kind"],
            "text": criterion["explain_en"].format_map(shown),
        }
    return details


MARTS = {
    "amnesty": ("amnesty_eligibility", "round_id"),
    "work_release": ("work_release_eligibility", "policy_id"),
}


def explain(
    lake: Lake, key: str, person_id: str, program: str, scope_id: str | None
) -> Explanation:
    """The decision for `person_id` in a round (amnesty) or under a policy (work release).

    A look-up of one person is on the audit trail (who asked about which pseudonym, never
    the citizen ID: the record builder writes `person_id` as `person_key:<hex>` wherever it
    appears), found or not; `clemency runs --person` finds it."""
    pseudonym = person_key(key, person_id)
    arguments = {"person": person_id, "program": program, "scope": scope_id}
    with audited(lake, "explain", arguments, person_ids=[person_id], pseudonym_key=key) as record:
        mart, scope_column = MARTS[program]
        path = lake.mart(mart)
        if path.exists():
            record.inputs = [file_entry(path, lake)]
        return _explain(path, scope_column, pseudonym, program, scope_id)


def _explain(
    path: Path, scope_column: str, pseudonym: str, program: str, scope_id: str | None
) -> Explanation:
    if not path.exists():
        raise NotFound(f"{path} does not exist: run `clemency transform --as-of DATE` first")
    query = "select * from read_parquet(?) where person_key = ?"
    arguments: list[Any] = [str(path), pseudonym]
    if scope_id is not None:
        query += f" and {scope_column} = ?"
        arguments.append(scope_id)
    with duckdb.connect() as connection:
        cursor = connection.execute(query, arguments)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    if not rows:
        where = f" in {scope_column} {scope_id}" if scope_id else ""
        raise NotFound(f"no {program} decision for that person{where} (not in custody then?)")
    if len(rows) > 1:
        scopes = ", ".join(sorted(str(r[scope_column]) for r in rows))
        raise NotFound(f"the person has decisions in {scopes}: choose one with --round")
    row = rows[0]
    details = _details(program, row)
    return Explanation(
        person_key=pseudonym,
        program=program,
        scope_id=row[scope_column],
        as_of_date=row["as_of_date"],
        evaluation_date=row["evaluation_date"],
        status=row["status"],
        met_criteria=list(row["met_criteria"]),
        unmet_criteria=list(row["unmet_criteria"]),
        details=details,
        rule_version=row["rule_version"],
        unjudgeable_criteria=list(row.get("unjudgeable_criteria") or []),
    )
