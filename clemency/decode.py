"""Turn one Kafka message into a raw-lake row or a quarantine row, never an exception.

Pure functions, so the decoder is tested without a broker.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from clemency.contracts import event_type, message_key, normalise, validate_event


@dataclass(frozen=True)
class Coordinates:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    timestamp_ms: int


@dataclass(frozen=True)
class Verdict:
    """Exactly one of `row` (goes to raw) or `reasons` (goes to quarantine) is set."""

    row: dict[str, Any] | None = None
    reason_codes: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _quarantine(code: str, *details: str) -> Verdict:
    return Verdict(reason_codes=(code,), reasons=details or (code,))


def decode(value: bytes | None, where: Coordinates) -> Verdict:
    if value is None:
        return _quarantine("empty_message", "(record): the message has no value (tombstone)")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as error:
        return _quarantine("not_utf8", f"(record): not UTF-8 at byte {error.start}")
    try:
        record = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        return _quarantine("not_json", f"(record): not JSON: {error}")
    if not isinstance(record, dict):
        return _quarantine(
            "not_object", f"(record): expected an object, got {type(record).__name__}"
        )

    record = normalise(record)
    problems = validate_event(record)
    if problems:
        codes = tuple(sorted({p.code for p in problems}))
        return Verdict(reason_codes=codes, reasons=tuple(str(p) for p in problems))

    kind = event_type(record["event_type"], record["schema_version"])
    if kind.topic != where.topic:
        return _quarantine("wrong_topic", f"event_type: {kind.name} belongs on {kind.topic}")
    expected_key = message_key(record)
    if where.key is None:
        return _quarantine("missing_key", f"(key): missing; expected {kind.key_field}")
    if where.key != expected_key.encode("utf-8"):
        return _quarantine("key_mismatch", f"(key): does not match {kind.key_field}")

    return Verdict(
        row={
            "event_id": record["event_id"],
            "event_type": record["event_type"],
            "schema_version": record["schema_version"],
            "occurred_at": _utc(record["occurred_at"]),
            "recorded_at": _utc(record["recorded_at"]),
            "source_system": record["source"]["system"],
            "source_id": record["source"]["id"],
            "person_id": record.get("person_id"),
            "entity_key": expected_key,
            "payload": json.dumps(record["payload"], ensure_ascii=False, sort_keys=True),
        }
    )
