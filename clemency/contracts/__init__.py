"""Event contracts: the JSON Schema files beside this module are the single source.

`validate_event` checks the envelope and then the payload of its type and version, and
returns every problem it finds, each with the field path (`payload.offences[0].article`),
so a publisher or the ingest can say exactly what is wrong with a record.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).parent / "schemas"
_REQUIRED = re.compile(r"^'(.+)' is a required property$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record: where (`path`), what (`message`), and a stable `code`."""

    path: str
    message: str
    code: str = "schema_violation"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class EventType:
    """One event type at one schema version, as declared by its schema file."""

    name: str
    version: int
    topic: str
    key_field: str  # "person_id" (envelope) or a payload field for reference data
    description: str
    schema: dict[str, Any]
    path: Path


_formats = FormatChecker(formats=())


def _is_valid_format(check):
    def accepts(value: str) -> bool:
        try:
            return check(value)
        except ValueError:
            return False

    return accepts


@_formats.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if len(value) != 10:
        raise ValueError("expected YYYY-MM-DD")
    dt.date.fromisoformat(value)
    return True


@_formats.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a date-time needs a UTC offset, e.g. +07:00 or Z")
    return True


@_formats.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if isinstance(value, str):
        uuid.UUID(value)
    return True


@cache
def _registry() -> tuple[Registry, dict[tuple[str, int], EventType], dict[str, Any]]:
    resources = []
    types: dict[tuple[str, int], EventType] = {}
    envelope: dict[str, Any] = {}
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
        if path.name == "envelope.v1.json":
            envelope = schema
        elif "x-topic" in schema:
            name, version = path.name.removesuffix(".json").rsplit(".v", 1)
            types[(name, int(version))] = EventType(
                name=name,
                version=int(version),
                topic=schema["x-topic"],
                key_field=schema["x-key"],
                description=schema["description"],
                schema=schema,
                path=path,
            )
    return Registry().with_resources(resources), types, envelope


def event_types() -> dict[tuple[str, int], EventType]:
    """Every known (event_type, schema_version), from the schema files."""
    return _registry()[1]


def kind_of(record: dict[str, Any]) -> EventType | None:
    """The declared type of a record, or None if it names no known (type, version)."""
    name, version = record.get("event_type"), record.get("schema_version")
    if not isinstance(name, str) or type(version) is not int:
        return None
    return event_types().get((name, version))


def event_type(name: str, version: int = 1) -> EventType:
    return event_types()[(name, version)]


def topics() -> tuple[str, ...]:
    """The data topics, in a stable order."""
    return tuple(sorted({t.topic for t in event_types().values()}))


@cache
def _fast_validator(schema_id: str):
    """A compiled validator (~15x faster than jsonschema) that only says yes or no.

    Most records are valid, so they take this path; a rejected record is re-checked by
    jsonschema, which lists every problem with its path.
    """
    registry, _, envelope = _registry()
    schema = envelope if schema_id == envelope["$id"] else registry.contents(schema_id)
    return fastjsonschema.compile(
        schema,
        handlers={"urn": registry.contents},
        formats={
            "date": _is_valid_format(_is_date),
            "date-time": _is_valid_format(_is_datetime),
            "uuid": _is_valid_format(_is_uuid),
        },
    )


def _fast_problem(schema_id: str, instance: object, prefix: str) -> Problem | None:
    try:
        _fast_validator(schema_id)(instance)
    except fastjsonschema.JsonSchemaException as error:
        return Problem(prefix or "(record)", str(error))
    return None


@cache
def _validator(schema_id: str) -> Draft202012Validator:
    registry, types, envelope = _registry()
    schema = envelope if schema_id == envelope["$id"] else registry.contents(schema_id)
    return Draft202012Validator(schema, registry=registry, format_checker=_formats)


def _path(prefix: str, error: ValidationError) -> str:
    parts = list(error.absolute_path)
    if error.validator == "required":  # point at the missing field itself
        parts.append(_REQUIRED.match(error.message).group(1))
    path = prefix
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(record)"


def _message(error: ValidationError) -> str:
    if error.validator == "required":
        return "is required"
    if error.validator in {"oneOf", "anyOf"} and "x-rule" in error.schema:
        return f"needs {error.schema['x-rule']}"
    if error.validator == "minProperties" and "x-rule" in error.schema:
        return f"needs {error.schema['x-rule']}"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "format" and error.cause is not None:
        return f"{error.instance!r} is not a valid {error.validator_value}: {error.cause}"
    return error.message


def _problems(validator: Draft202012Validator, instance: object, prefix: str) -> list[Problem]:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [Problem(_path(prefix, e), _message(e)) for e in errors]


def _alias_key(text: str) -> str:
    # Sources send NFC or NFD, upper or lower case: compare on one canonical form.
    return unicodedata.normalize("NFC", text).strip().casefold()


@cache
def _aliases(name: str, version: int) -> dict[str, dict[str, str]]:
    """field → {canonical spelling → code} for the fields of a type that declare aliases."""
    found = {}
    for field, spec in event_types()[(name, version)].schema["properties"].items():
        if "x-aliases" in spec:
            canonical = {_alias_key(k): v for k, v in spec["x-aliases"].items()}
            canonical.update({_alias_key(code): code for code in spec.get("enum", [])})
            found[field] = canonical
    return found


def normalise(record: dict[str, Any]) -> dict[str, Any]:
    """Return `record` with aliased values (Vietnamese grade spellings) mapped to their codes.

    Works on a shallow copy; unknown spellings are left for validation to report.
    """
    if not isinstance(record, dict) or not isinstance(record.get("payload"), dict):
        return record
    kind = kind_of(record)
    if kind is None:
        return record
    aliases = _aliases(kind.name, kind.version)
    if not aliases:
        return record
    payload = dict(record["payload"])
    for field, canonical in aliases.items():
        value = payload.get(field)
        if isinstance(value, str):
            payload[field] = canonical.get(_alias_key(value), value)
    return {**record, "payload": payload}


def validate_event(record: object) -> list[Problem]:
    """Every problem with `record` (an already-normalised, decoded JSON value); [] if valid."""
    _, types, envelope = _registry()
    if not isinstance(record, dict):
        return [
            Problem(
                "(record)", f"expected a JSON object, got {type(record).__name__}", "not_object"
            )
        ]
    kind = kind_of(record)
    if kind is not None:
        fast = _fast_problem(envelope["$id"], record, "") or _fast_problem(
            kind.schema["$id"], record["payload"], "payload"
        )
        if fast is None:
            return _source_problems(record, kind)
    problems = _problems(_validator(envelope["$id"]), record, "")
    if kind is None:
        name, version = record.get("event_type"), record.get("schema_version")
        known = sorted(v for (n, v) in types if n == name)
        if isinstance(name, str) and not known:
            problems.append(Problem("event_type", f"unknown event type {name!r}", "unknown_type"))
        elif isinstance(version, int) and known:
            message = f"unknown schema_version {version} (known: {known})"
            problems.append(Problem("schema_version", message, "unknown_type"))
        return problems
    if isinstance(record.get("payload"), dict):
        problems += _problems(_validator(kind.schema["$id"]), record["payload"], "payload")
    # The two validators agree on every schema we ship; should they ever differ, the
    # record is still rejected, with the fast validator's reason.
    return (problems or [fast]) + _source_problems(record, kind)


def _source_problems(record: dict[str, Any], kind: EventType) -> list[Problem]:
    expected = {"court.events": "court", "facility.events": "facility"}.get(kind.topic, "registry")
    source = record.get("source")
    if isinstance(source, dict) and source.get("system") not in (None, expected):
        return [
            Problem(
                "source.system", f"{kind.name} comes from {expected!r}, not {source['system']!r}"
            )
        ]
    return []


def message_key(record: dict[str, Any]) -> str:
    """The Kafka key of a valid record: `person_id`, or the reference entity's id."""
    kind = event_type(record["event_type"], record["schema_version"])
    if kind.key_field == "person_id":
        return record["person_id"]
    return record["payload"][kind.key_field]
