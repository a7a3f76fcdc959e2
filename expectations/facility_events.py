"""The facility family suite: `facility.events` rows with their payload fields as columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations import WARNING, FieldKind, family_event_types, gx_severity, payload_frame

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd

DATASET = "facility_events"
TOPIC = "facility.events"

GRADES = ["tot", "kha", "trung_binh", "kem"]

FIELDS: dict[str, FieldKind] = {
    "facility_id": "text",
    "date": "date",
    "birth_date": "date",
    "prior_convictions": "number",
    "period": "text",
    "grade": "text",
    "amount_vnd": "number",
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
    admitted = Column("event_type") == "person.admitted"
    return gx.ExpectationSuite(
        name=DATASET,
        expectations=[
            gxe.ExpectColumnValuesToBeInSet(
                column="event_type", value_set=family_event_types(TOPIC), severity=warning
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="facility_id", row_condition=admitted, severity=warning
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="birth_date", row_condition=admitted, severity=warning
            ),
            # Only admissions carry birth_date, so the pair skips every other row.
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="date",
                column_B="birth_date",
                ignore_row_if="either_value_is_missing",
                severity=warning,
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="prior_convictions", min_value=0, max_value=50, severity=warning
            ),
            gxe.ExpectColumnValuesToBeInSet(column="grade", value_set=GRADES, severity=warning),
            gxe.ExpectColumnValuesToMatchRegex(
                column="period", regex=r"^[0-9]{4}-Q[1-4]$", severity=warning
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="amount_vnd", min_value=0, strict_min=True, severity=warning
            ),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="end_date",
                column_B="start_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                severity=warning,
            ),
        ],
    )
