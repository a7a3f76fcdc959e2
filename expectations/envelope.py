"""The envelope suite: every raw row of every topic, over the raw-lake columns as landed.

Critical: the lake's own integrity (columns, Kafka coordinates present and unique); a
failure there means the batch itself is wrong. Warning: one row's envelope is implausible,
and that row can be quarantined alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations import COORDINATES, CRITICAL, WARNING, gx_severity

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd

DATASET = "envelope"
TOPIC = None

UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def prepare(raw: pd.DataFrame) -> pd.DataFrame:
    frame = raw.copy(deep=False)
    # GX compares timestamp pairs through `Series.values`, which pandas 3 deprecates for
    # tz-aware columns; naive UTC compares the same.
    for column in ("occurred_at", "recorded_at"):
        if column in frame and getattr(frame[column].dtype, "tz", None) is not None:
            frame[column] = frame[column].dt.tz_convert(None)
    return frame


def build_suite() -> gx.ExpectationSuite:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from clemency.contracts import event_types
    from clemency.lake.schemas import RAW_SCHEMA

    critical = gx_severity(CRITICAL)
    warning = gx_severity(WARNING)
    known_types = sorted({name for name, _ in event_types()})
    return gx.ExpectationSuite(
        name=DATASET,
        expectations=[
            gxe.ExpectTableColumnsToMatchSet(
                column_set=list(RAW_SCHEMA.names), exact_match=True, severity=critical
            ),
            *(gxe.ExpectColumnValuesToNotBeNull(column=c, severity=critical) for c in COORDINATES),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=list(COORDINATES), severity=critical),
            gxe.ExpectColumnValuesToNotBeNull(column="event_id", severity=warning),
            gxe.ExpectColumnValuesToMatchRegex(column="event_id", regex=UUID, severity=warning),
            gxe.ExpectColumnValuesToBeInSet(
                column="event_type", value_set=known_types, severity=warning
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="schema_version", min_value=1, severity=warning
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="occurred_at", severity=warning),
            gxe.ExpectColumnValuesToNotBeNull(column="recorded_at", severity=warning),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="recorded_at",
                column_B="occurred_at",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                severity=warning,
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="entity_key", severity=warning),
            gxe.ExpectColumnValuesToBeJsonParseable(column="payload", severity=warning),
        ],
    )
