"""Building envelopes: the one place an event object is assembled for publishing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from clemency.contracts import event_type


def envelope(
    kind: str,
    payload: dict[str, Any],
    *,
    event_id: uuid.UUID,
    occurred_at: dt.datetime,
    recorded_at: dt.datetime,
    source_id: str,
    person_id: str | None = None,
    schema_version: int = 1,
) -> dict[str, Any]:
    """An event in the docs/contracts.md envelope; the source system follows from the topic."""
    topic = event_type(kind, schema_version).topic
    system = {"court.events": "court", "facility.events": "facility"}.get(topic, "registry")
    event: dict[str, Any] = {
        "event_id": str(event_id),
        "event_type": kind,
        "schema_version": schema_version,
        "occurred_at": occurred_at.isoformat(),
        "recorded_at": recorded_at.isoformat(),
        "source": {"system": system, "id": source_id},
    }
    if person_id is not None:
        event["person_id"] = person_id
    event["payload"] = payload
    return event
