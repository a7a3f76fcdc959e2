"""Great Expectations suites as code: one module per raw dataset, checking shape only.

Each module declares `DATASET` (the suite's name), `TOPIC` (the raw topic its family suite
reads; None for the envelope, which reads every topic), `prepare(raw) -> frame` (the frame
its suite runs over, built from raw-lake rows) and `build_suite()`. Eligibility rules live in
dbt, not here. GX is imported only inside `build_suite`, because importing it takes seconds.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd
    from great_expectations.expectations.metadata_types import FailureSeverity

ENVELOPE = "envelope"
_MODULES = (ENVELOPE, "facility_events", "court_events", "reference_events")

COORDINATES = ("kafka_topic", "kafka_partition", "kafka_offset")
CRITICAL = "critical"  # the batch cannot be trusted: downstream stops
WARNING = "warning"  # one row is implausible: that row is quarantined

FieldKind = Literal["text", "date", "number", "object"]


def gx_severity(level: str) -> FailureSeverity:
    """GX's severity enum for CRITICAL or WARNING (a str enum: it equals the plain string).

    The plain strings stay the constants, so importing this package never imports GX."""
    from great_expectations.expectations.metadata_types import FailureSeverity

    return FailureSeverity(level)


def _module(dataset: str) -> ModuleType:
    if dataset not in _MODULES:
        raise KeyError(f"no expectation suite for dataset {dataset!r} (known: {_MODULES})")
    return importlib.import_module(f"expectations.{dataset}")


def suites() -> dict[str, Callable[[], gx.ExpectationSuite]]:
    """Dataset name → suite builder."""
    return {name: _module(name).build_suite for name in _MODULES}


def family_of(topic: str) -> str | None:
    """The family dataset whose suite reads `topic`, if any."""
    for name in _MODULES:
        if _module(name).TOPIC == topic:
            return name
    return None


def topic_of(dataset: str) -> str | None:
    return _module(dataset).TOPIC


def prepare(dataset: str, raw: pd.DataFrame) -> pd.DataFrame:
    """The frame the dataset's suite runs over, from raw-lake rows (`ingest.RAW_SCHEMA`)."""
    return _module(dataset).prepare(raw)


def _load(text: object) -> dict[str, Any]:
    # An unreadable payload becomes an empty row here; the envelope suite reports it.
    if not isinstance(text, str):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def payload_frame(raw: pd.DataFrame, fields: Mapping[str, FieldKind]) -> pd.DataFrame:
    """Kafka coordinates and `event_type` of each raw row, plus the named payload fields.

    A field absent from a row's payload is null, so an expectation on a field belongs to the
    event types that carry it (GX skips nulls in column-value expectations). Values of the
    wrong type become null too: the decoder's JSON Schema check already rejects those.
    """
    import pandas as pd

    records = [_load(text) for text in raw["payload"]]
    flat = pd.DataFrame.from_records(records, columns=list(fields), index=raw.index)
    for name, kind in fields.items():
        if kind == "date":
            flat[name] = pd.to_datetime(flat[name], format="%Y-%m-%d", errors="coerce")
        elif kind == "number":
            flat[name] = pd.to_numeric(flat[name], errors="coerce")
    keys = raw[[*COORDINATES, "event_type"]]
    return pd.concat([keys, flat], axis=1)


def family_event_types(topic: str) -> list[str]:
    """The event types published on `topic`, from the schema files."""
    from clemency.contracts import event_types

    return sorted({name for (name, _), kind in event_types().items() if kind.topic == topic})
