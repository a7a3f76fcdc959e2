"""Turn one Kafka message into a raw-lake row or a quarantine row, never an exception.

Pure functions, so the decoder is tested without a broker (and fuzzed: tests/test_fuzz.py).

Hostile input ends in the quarantine with a reason code, checked in this order:
`empty_message`, `too_large` (over MAX_MESSAGE_BYTES, before decoding anything),
`not_utf8`, `not_json`, `too_deep` (nested over MAX_DEPTH), `bad_number` (NaN, Infinity,
a float that overflows, an integer of more than 4,300 digits), `duplicate_key` (a field
name twice in one object), `not_object`, then the contract's problems
(`schema_violation`, `unknown_type`, `forbidden_character`, …) and the routing checks
(`wrong_topic`, `missing_key`, `key_mismatch`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from clemency.contracts import (
    FORBIDDEN_CHARACTERS,
    MAX_DEPTH,
    MAX_PROBLEMS,
    Problem,
    event_type,
    join_path,
    message_key,
    nesting_depth,
    normalise,
    validate_event,
)

# A valid event is well under 2 KiB. 512 KiB leaves room under Kafka's default 1 MiB
# request size for the dead-letter copy of any message this decoder reads whole.
MAX_MESSAGE_BYTES = 512 * 1024
MAX_REASON_CHARS = 500  # a reason quotes the bad value: clipped, so a reason stays small


class Coordinates(NamedTuple):  # one per message: a tuple is built in half the time
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


class _BadNumber(ValueError):
    pass


def _constant(name: str) -> float:
    raise _BadNumber(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber(f"{text[:40]} overflows a double")
    return value


class _Repeated(ValueError):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    built = dict(pairs)
    if len(built) != len(pairs):
        raise _Repeated  # the slow parse below finds where
    return built


# One parser for every message: json.loads(text, hooks...) would build one per call,
# which costs more than parsing a typical event.
_PARSER = json.JSONDecoder(object_pairs_hook=_unique, parse_constant=_constant, parse_float=_float)
# Likewise json.dumps(..., sort_keys=True) builds an encoder per call.
_PAYLOAD_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


class _Objects:
    """object_pairs_hook that remembers every object that repeated a field name."""

    def __init__(self) -> None:
        # id → (the object itself, kept so its id is not reused; the repeated names)
        self.repeated: dict[int, tuple[dict, list[str]]] = {}

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) != len(pairs):
            seen: set[str] = set()
            names: set[str] = set()
            for name, _ in pairs:
                if name in seen:
                    names.add(name)
                seen.add(name)
            self.repeated[id(built)] = (built, sorted(names))
        return built


def _repeated_fields(record: dict[str, Any], repeated: dict[int, tuple]) -> list[str]:
    """The paths of repeated field names (`record` is known to nest at most MAX_DEPTH)."""
    found = []
    stack: list[tuple[Any, str]] = [(record, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            found += [join_path(path, name) for name in repeated.get(id(node), (0, ()))[1]]
            stack += [(child, join_path(path, key)) for key, child in node.items()]
        elif isinstance(node, list):
            stack += [(child, join_path(path, n)) for n, child in enumerate(node)]
    return sorted(found)


def _duplicate_keys(text: str) -> Verdict:
    objects = _Objects()
    slow = json.JSONDecoder(object_pairs_hook=objects, parse_constant=_constant, parse_float=_float)
    try:
        record = slow.decode(text)
    except RecursionError:
        return _quarantine("too_deep", f"(record): nested more than {MAX_DEPTH} levels deep")
    except json.JSONDecodeError as error:  # broken after the repeated name
        return _quarantine("not_json", f"(record): not JSON: {error}")
    except ValueError as error:  # a bad number after the repeated name
        return _quarantine("bad_number", f"(record): {error}")
    if nesting_depth(record) > MAX_DEPTH:
        return _quarantine("too_deep", f"(record): nested more than {MAX_DEPTH} levels deep")
    repeated = _repeated_fields(record, objects.repeated) or ["(record)"]
    return _quarantine("duplicate_key", *(f"{path}: appears more than once" for path in repeated))


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _safe(text: str) -> str:
    """A reason that always encodes (Parquet, DLQ headers) and stays small."""
    if len(text) > MAX_REASON_CHARS:
        text = text[:MAX_REASON_CHARS] + f"… ({len(text)} characters)"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _quarantine(code: str, *details: str) -> Verdict:
    return Verdict(reason_codes=(code,), reasons=tuple(map(_safe, details or (code,))))


def decode(value: bytes | None, where: Coordinates) -> Verdict:
    text = _text(value)
    if isinstance(text, Verdict):
        return text
    record = _parse(text)
    if isinstance(record, Verdict):
        return record

    # Without a backslash, no string can hold a character the text does not show, and
    # there cannot be more levels than brackets: then the validator may skip its own scan.
    clean = (
        text.count("{") + text.count("[") <= MAX_DEPTH
        and "\\" not in text
        and FORBIDDEN_CHARACTERS.search(text) is None
    )
    record = normalise(record)
    problems = validate_event(record, clean=clean)
    if problems:
        return _invalid(problems)
    return _route(record, where)


def _text(value: bytes | None) -> str | Verdict:
    """The message as text, or the quarantine verdict for a missing, huge or non-UTF-8 one."""
    if value is None:
        return _quarantine("empty_message", "(record): the message has no value (tombstone)")
    if len(value) > MAX_MESSAGE_BYTES:
        return _quarantine(
            "too_large", f"(record): {len(value)} bytes, over the {MAX_MESSAGE_BYTES} byte limit"
        )
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as error:
        return _quarantine("not_utf8", f"(record): not UTF-8 at byte {error.start}")


def _parse(text: str) -> dict[str, Any] | Verdict:
    """The JSON object in `text`, or the quarantine verdict for anything else."""
    try:
        record = _PARSER.decode(text)
    except _Repeated:  # parsers disagree on which copy wins: a spoofing vector
        return _duplicate_keys(text)
    except _BadNumber as error:
        return _quarantine("bad_number", f"(record): {error}")
    except RecursionError:
        return _quarantine("too_deep", f"(record): nested more than {MAX_DEPTH} levels deep")
    except json.JSONDecodeError as error:
        return _quarantine("not_json", f"(record): not JSON: {error}")
    except ValueError as error:  # int() refuses over 4,300 digits (CVE-2020-10735)
        return _quarantine("bad_number", f"(record): {error}")
    if not isinstance(record, dict):
        return _quarantine(
            "not_object", f"(record): expected an object, got {type(record).__name__}"
        )
    return record


def _invalid(problems: list[Problem]) -> Verdict:
    """The quarantine verdict for a record the contract rejects, its reasons capped."""
    codes = tuple(sorted({p.code for p in problems}))
    reasons = [_safe(str(p)) for p in problems[:MAX_PROBLEMS]]
    if len(problems) > len(reasons):
        reasons.append(f"(record): and {len(problems) - len(reasons)} more problems")
    return Verdict(reason_codes=codes, reasons=tuple(reasons))


def _route(record: dict[str, Any], where: Coordinates) -> Verdict:
    """A valid record's raw row, unless it came on the wrong topic or under the wrong key."""
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
            "payload": _PAYLOAD_ENCODER.encode(record["payload"]),
        }
    )
