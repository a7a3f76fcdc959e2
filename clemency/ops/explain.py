"""`clemency explain`: one person's decision, criterion by criterion, with the figures.

The marts hold only pseudonyms, so the person id is turned into its key with the same
HMAC the dbt run used, and the decision row is read from the curated Parquet mart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from clemency.lake.audit import audited, file_entry
from clemency.lake.layout import Lake
from clemency.lake.pseudonym import person_key


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
            "details": self.details,
        }


def _months(value: float | None) -> str:
    return "life" if value is None else f"{value:g}"


def _amnesty_details(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    term = row["imposed_term_months"]
    return {
        "serving_sentence": {
            "imposed_term_months": term,
            "effective_term_months": row["effective_term_months"],
            "life_reduced_to_term": row["is_life_reduced_to_term"],
            "text": f"term {_months(term)} months, {_months(row['effective_term_months'])} "
            "after reductions",
        },
        "time_served": {
            "served_months": row["served_months"],
            "required_months": row["required_served_months"],
            "served_days": row["served_days"],
            "required_days": row["required_served_days"],
            "time_rule": row["time_rule"],
            "text": f"served {row['served_months']:g} of {_months(term)} months, needed "
            f"{_months(row['required_served_months'])} ({row['time_rule']} rule)",
        },
        "behaviour_grades": {
            "consecutive_good_quarters": row["consecutive_good_quarters"],
            "quarters_required": row["quarters_required"],
            "band": row["behaviour_band"],
            "text": f"{row['consecutive_good_quarters']} consecutive kha/tot quarters, needed "
            f"{row['quarters_required']} (band {row['behaviour_band']})",
        },
        "obligations_paid": {
            "fines_and_fees_paid": row["fines_and_fees_paid"],
            "compensation_paid_in_full": row["compensation_paid_in_full"],
            "hardship_recorded": row["has_hardship"],
            "corruption_offence": row["is_corruption"],
            "text": "fines and fees "
            + ("paid" if row["fines_and_fees_paid"] else "not paid")
            + ", compensation "
            + ("paid in full" if row["compensation_paid_in_full"] else "not paid in full")
            + (", hardship recorded" if row["has_hardship"] else "")
            + (
                ", corruption offence: all civil obligations required"
                if row["is_corruption"]
                else ""
            ),
        },
        "no_excluded_offence": {
            "articles": row["articles"],
            "text": "Penal Code articles " + ", ".join(map(str, row["articles"] or [])),
        },
        "not_previously_amnestied": {
            "earlier_amnesties": row["earlier_amnesties"],
            "text": "earlier amnesties: " + (", ".join(row["earlier_amnesties"]) or "none"),
        },
        "prior_convictions_limit": {
            "prior_convictions": row["prior_convictions"],
            "text": f"{row['prior_convictions']} prior conviction(s); two or more bar amnesty",
        },
        "special_category": {
            "categories": row["special_categories"],
            "text": "special categories: " + (", ".join(row["special_categories"]) or "none"),
        },
    }


def _work_release_details(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        "remaining_term": {
            "remaining_months": row["remaining_months"],
            "term_end_date": row["term_end_date"].isoformat() if row["term_end_date"] else None,
            "text": f"{_months(row['remaining_months'])} months left (ends "
            f"{row['term_end_date'] or 'never: life'}), at most 84 allowed",
        },
        "time_served": {
            "served_days": row["served_days"],
            "required_days": row["required_served_days"],
            "text": f"served {row['served_days']} days, needed {row['required_served_days']} "
            f"(band {row['band']})",
        },
        "consecutive_good_months": {
            "consecutive_good_months": row["consecutive_good_months"],
            "required": row["required_good_months"],
            "text": f"{row['consecutive_good_months']} consecutive kha/tot months, needed "
            f"{row['required_good_months']}",
        },
        "age_range": {"age_years": row["age_years"], "text": f"aged {row['age_years']}"},
        "site_distance": {
            "nearest_site_km": row["nearest_site_km"],
            "text": f"nearest work site {row['nearest_site_km']} km, at most 50 allowed"
            if row["nearest_site_km"] is not None
            else "the facility has no work site",
        },
        "facility_agency": {
            "facility_id": row["facility_id"],
            "agency": row["agency"],
            "text": f"{row['facility_id']} ({row['agency']})",
        },
    }


MARTS = {
    "amnesty": ("amnesty_eligibility", "round_id"),
    "work_release": ("work_release_eligibility", "policy_id"),
}


def explain(
    lake: Lake, key: str, person_id: str, program: str, scope_id: str | None
) -> Explanation:
    """The decision for `person_id` in a round (amnesty) or under a policy (work release).

    A look-up of one person is on the audit trail (who asked about which pseudonym, never
    the citizen ID), found or not."""
    pseudonym = person_key(key, person_id)
    arguments = {"person": pseudonym, "program": program, "scope": scope_id}
    with audited(lake, "explain", arguments) as record:
        mart, scope_column = MARTS[program]
        path = lake.curated / f"{mart}.parquet"
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
    details = _amnesty_details(row) if program == "amnesty" else _work_release_details(row)
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
    )
