"""The court family suite: `court.events` rows with their payload fields as columns.

Plausibility only (ranges, date order, required fields per type); whether a sentence makes
anyone eligible is decided in dbt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations import WARNING, FieldKind, family_event_types, gx_severity, payload_frame

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd

DATASET = "court_events"
TOPIC = "court.events"

FIELDS: dict[str, FieldKind] = {
    "case_id": "text",
    "judgment_date": "date",
    "arrest_date": "date",
    "term_months": "number",
    "months": "number",
    "life_to_term_months": "number",
    "fine_vnd": "number",
    "court_fee_vnd": "number",
    "compensation_vnd": "number",
    "start_date": "date",
    "end_date": "date",
}


def prepare(raw: pd.DataFrame) -> pd.DataFrame:
    return payload_frame(raw, FIELDS)


def build_suite() -> gx.ExpectationSuite:
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    warning = gx_severity(WARNING)
    imposed = Column("event_type") == "sentence.imposed"

    def months(column: str) -> gxe.Expectation:
        return gxe.ExpectColumnValuesToBeBetween(
            column=column, min_value=1, max_value=600, severity=warning
        )

    def amount(column: str) -> gxe.Expectation:
        return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, severity=warning)

    return gx.ExpectationSuite(
        name=DATASET,
        expectations=[
            gxe.ExpectColumnValuesToBeInSet(
                column="event_type", value_set=family_event_types(TOPIC), severity=warning
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="case_id",
                row_condition=Column("event_type") != "amnesty.granted",
                severity=warning,
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="judgment_date", row_condition=imposed, severity=warning
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="arrest_date", row_condition=imposed, severity=warning
            ),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="judgment_date",
                column_B="arrest_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                severity=warning,
            ),
            months("term_months"),
            months("months"),
            months("life_to_term_months"),
            amount("fine_vnd"),
            amount("court_fee_vnd"),
            amount("compensation_vnd"),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="end_date",
                column_B="start_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                severity=warning,
            ),
        ],
    )
