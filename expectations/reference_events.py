"""The reference family suite: facilities and amnesty rounds from `reference.events`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations import WARNING, FieldKind, family_event_types, gx_severity, payload_frame

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd

DATASET = "reference_events"
TOPIC = "reference.events"

FIELDS: dict[str, FieldKind] = {
    "facility_id": "text",
    "agency": "text",
    "province": "text",
    "capacity": "number",
    "work_sites": "object",
    "round_id": "text",
    "signed_date": "date",
    "cutoff_date": "date",
}


def _nearest_site_km(sites: object) -> float | None:
    if not isinstance(sites, list):
        return None
    distances = [
        site["distance_km"]
        for site in sites
        if isinstance(site, dict) and isinstance(site.get("distance_km"), int | float)
    ]
    return min(distances, default=None)


def prepare(raw: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frame = payload_frame(raw, FIELDS)
    # One row per event keeps failures traceable to one Kafka offset, so the work sites
    # are checked through their smallest distance rather than exploded into rows.
    nearest = [_nearest_site_km(sites) for sites in frame.pop("work_sites")]
    frame["nearest_site_km"] = pd.to_numeric(pd.Series(nearest, index=frame.index))
    return frame


def build_suite() -> gx.ExpectationSuite:
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    warning = gx_severity(WARNING)
    registered = Column("event_type") == "facility.registered"
    declared = Column("event_type") == "amnesty_round.declared"
    return gx.ExpectationSuite(
        name=DATASET,
        expectations=[
            gxe.ExpectColumnValuesToBeInSet(
                column="event_type", value_set=family_event_types(TOPIC), severity=warning
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="facility_id", row_condition=registered, severity=warning
            ),
            gxe.ExpectColumnValuesToBeInSet(
                column="agency", value_set=["MoPS", "MND"], severity=warning
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="province", row_condition=registered, severity=warning
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="capacity", min_value=1, max_value=100_000, severity=warning
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="nearest_site_km", min_value=0, severity=warning
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="round_id", row_condition=declared, severity=warning
            ),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="cutoff_date",
                column_B="signed_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                severity=warning,
            ),
        ],
    )
