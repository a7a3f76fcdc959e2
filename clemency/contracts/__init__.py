"""Event contracts: the JSON Schema files beside this module are the single source.

`validate_event` checks the envelope and then the payload of its type and version, and
returns every problem it finds, each with the field path (`payload.offences[0].article`),
so a publisher or the ingest can say exactly what is wrong with a record.

Hostile input is a problem, never an exception: records nested deeper than `MAX_DEPTH`,
strings holding control or bidirectional-override characters, dates outside
`YEAR_MIN`..`YEAR_MAX` and non-canonical UUIDs are all reported with their field path.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).parent / "schemas"
_REQUIRED = re.compile(r"^'(.+)' is a required property$")

MAX_DEPTH = 32  # a valid record nests 4 deep (record → payload → offences → offence)
MAX_PROBLEMS = 50  # per validator: a 100,000-item array must not yield 100,000 problems
YEAR_MIN, YEAR_MAX = 1900, 2100  # plausible bounds of every date and date-time
# C0/C1 controls (\n, \t, NUL, DEL...), line/paragraph separators, invisible format
# characters and bidirectional overrides/isolates/marks (a spoofing vector in names and
# IDs: "\u202e" displays the rest of a name backwards), and lone surrogates (not UTF-8).
FORBIDDEN_CHARACTERS = _FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e"
    "\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?")
_OFFSET = re.compile(r"Z|[+-][0-9]{2}:[0-9]{2}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_NAME, _MAX_PATH = 24, 160  # so "path: " always survives clipping a reason to 500
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


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
        except (ValueError, OverflowError):
            return False

    return accepts


def _plausible(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueError(f"year {year} is outside {YEAR_MIN}..{YEAR_MAX}")


# Python's fromisoformat also takes week dates ("2024-W01-1"), basic format ("20240110"),
# non-ASCII digits and more that DuckDB cannot cast: the shape is checked first, strictly.
@_formats.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        raise ValueError("expected YYYY-MM-DD")
    _plausible(dt.date.fromisoformat(value).year)
    return True


@_formats.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    shape = _DATETIME.match(value)
    if not shape:
        raise ValueError("expected YYYY-MM-DDThh:mm:ss[.fraction] and a UTC offset")
    if shape.end() == len(value):
        raise ValueError("a date-time needs a UTC offset, e.g. +07:00 or Z")
    if not _OFFSET.fullmatch(value, shape.end()):
        raise ValueError("the UTC offset must be Z or +hh:mm / -hh:mm")
    _plausible(dt.datetime.fromisoformat(value).year)
    return True


@_formats.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    # uuid.UUID() also takes braces, "urn:uuid:", no hyphens, upper case and even
    # full-width digits: one event would get several spellings and escape de-duplication.
    if isinstance(value, str) and not _UUID.fullmatch(value):
        raise ValueError("expected a lower-case hyphenated UUID (8-4-4-4-12 hex digits)")
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
        path = prefix
        for part in getattr(error, "path", ["data"])[1:]:  # ["data", "offences", "1", ...]
            path = join_path(path, int(part) if part.isdecimal() else part)
        return Problem(path or "(record)", str(error))
    return None


@cache
def _end_anchored(pattern: str) -> re.Pattern:
    # Python's `$` also matches before a final "\n", so "HS-1\n" would match "^...$":
    # fastjsonschema reads an unescaped `$` as end of string (\Z), and so does this.
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def _pattern(validator, pattern: str, instance: object, schema: dict):
    if validator.is_type(instance, "string") and not _end_anchored(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# The listing validator must reject exactly what the fast one rejects: same patterns.
_ListingValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})


@cache
def _validator(schema_id: str) -> Draft202012Validator:
    registry, types, envelope = _registry()
    schema = envelope if schema_id == envelope["$id"] else registry.contents(schema_id)
    return _ListingValidator(schema, registry=registry, format_checker=_formats)


_ELIDED = "[…]"  # the rest of an over-long path


def join_path(path: str, part: str | int) -> str:
    """`payload` + `offences` + 0 → `payload.offences[0]`.

    A field name that is not a short plain identifier is quoted, escaped and clipped
    (`payload["a: b\\n"]`), so a hostile name can neither forge a path nor hide a bidi
    override in a reason; past _MAX_PATH characters the rest of a path is `[…]`."""
    if path.endswith(_ELIDED):
        return path
    if len(path) > _MAX_PATH:
        return path + _ELIDED
    if isinstance(part, int):
        return f"{path}[{part}]"
    if len(part) > _MAX_NAME or not _IDENTIFIER.fullmatch(part):
        shown = part if len(part) <= _MAX_NAME else part[:_MAX_NAME] + "…"
        return f"{path}[{json.dumps(shown)}]"
    return f"{path}.{part}" if path else part


def _path(prefix: str, error: ValidationError) -> str:
    parts = list(error.absolute_path)
    if error.validator == "required":  # point at the missing field itself
        missing = _REQUIRED.match(error.message)
        if missing is None:
            raise ValueError(f"unexpected 'required' message: {error.message!r}")
        parts.append(missing.group(1))
    path = prefix
    for part in parts:
        path = join_path(path, part)
    return path or "(record)"


def _message(error: ValidationError) -> str:
    if error.validator == "required":
        return "is required"
    if error.validator in {"oneOf", "anyOf"} and "x-rule" in error.schema:
        return f"needs {error.schema['x-rule']}"
    if error.validator in {"minProperties", "const"} and "x-rule" in error.schema:
        return f"needs {error.schema['x-rule']}"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "format" and error.cause is not None:
        return f"{error.instance!r} is not a valid {error.validator_value}: {error.cause}"
    return error.message


def _problems(validator: Draft202012Validator, instance: object, prefix: str) -> list[Problem]:
    first = islice(validator.iter_errors(instance), MAX_PROBLEMS)
    errors = sorted(first, key=lambda e: list(map(str, e.absolute_path)))
    return [Problem(_path(prefix, e), _message(e)) for e in errors]


def nesting_depth(value: object, limit: int = MAX_DEPTH) -> int:
    """How deep objects and arrays nest (a scalar is 0, `{}` is 1), counted without
    recursion; stops at `limit + 1`, so a cyclic or absurdly deep value is cheap."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children: Iterable[object]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _scan(record: dict[str, Any]) -> tuple[int, bool]:
    """One cheap pass (no paths) for the common, clean record: how deep it nests (stopping
    past MAX_DEPTH) and whether any string, field name or float needs `_value_problems`."""
    strings: list[str] = []
    floats: list[float] = []
    stack: list[tuple[Any, int]] = [(record, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                return deepest, True
        if isinstance(node, dict):
            strings += [key for key in node if isinstance(key, str)]
            children = node.values()
        else:
            children = node
        for child in children:
            if isinstance(child, str):
                strings.append(child)
            elif isinstance(child, dict | list | tuple):
                stack.append((child, depth + 1))
            elif isinstance(child, float):
                floats.append(child)
    suspicious = _FORBIDDEN.search("".join(strings)) is not None
    return deepest, suspicious or not all(map(math.isfinite, floats))


def _describe(char: str) -> str:
    kind = "a lone surrogate" if unicodedata.category(char) == "Cs" else "a control character"
    return f"U+{ord(char):04X} ({unicodedata.name(char, kind)})"


def _value_problems(record: dict[str, Any]) -> list[Problem]:
    """Every string (and field name) with a forbidden character and every NaN or infinite
    float (json.dumps would write them as bare NaN/Infinity, which is not JSON), by path,
    in document order; `record` must already be known to nest at most MAX_DEPTH deep."""
    problems: list[Problem] = []
    stack: list[tuple[object, str]] = [(record, "")]
    while stack and len(problems) < MAX_PROBLEMS:
        node, path = stack.pop()
        if isinstance(node, str):
            found = _FORBIDDEN.search(node)
            if found:
                message = (
                    f"contains {_describe(found.group())}: control and bidi marks are not allowed"
                )
                problems.append(Problem(path or "(record)", message, "forbidden_character"))
        elif isinstance(node, float) and not math.isfinite(node):
            problems.append(
                Problem(path or "(record)", f"{node} is not a JSON number", "bad_number")
            )
        elif isinstance(node, dict):
            children = []
            for key, child in node.items():
                found = _FORBIDDEN.search(key) if isinstance(key, str) else None
                if found:
                    message = f"a field name contains {_describe(found.group())}"
                    problems.append(Problem(path or "(record)", message, "forbidden_character"))
                else:
                    children.append((child, join_path(path, key)))
            stack.extend(reversed(children))
        elif isinstance(node, list | tuple):
            stack.extend((node[n], join_path(path, n)) for n in reversed(range(len(node))))
    return problems


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
        # strip() would also eat "\t" or "\n": a value with a forbidden character is left
        # as sent, for validation to report
        if isinstance(value, str) and not _FORBIDDEN.search(value):
            payload[field] = canonical.get(_alias_key(value), value)
    return {**record, "payload": payload}


def validate_event(record: object, *, clean: bool = False) -> list[Problem]:
    """Every problem with `record` (an already-normalised, decoded JSON value); [] if valid.

    `clean=True` skips one pass over every value: the caller has proven that `record` nests
    at most MAX_DEPTH deep and holds no forbidden character and no NaN/infinity (the
    decoder proves it from the raw JSON text at a fraction of the cost).
    """
    _, types, envelope = _registry()
    if not isinstance(record, dict):
        return [
            Problem(
                "(record)", f"expected a JSON object, got {type(record).__name__}", "not_object"
            )
        ]
    depth, suspicious = (1, False) if clean else _scan(record)
    if depth > MAX_DEPTH:  # before anything that recurses (repr, jsonschema)
        return [Problem("(record)", f"nested more than {MAX_DEPTH} levels deep", "too_deep")]
    values = _value_problems(record) if suspicious else []
    kind = kind_of(record)
    if kind is None:
        problems = values + _problems(_validator(envelope["$id"]), record, "")
        return _unknown_type_problems(record, types, problems)
    fast = _fast_problem(envelope["$id"], record, "") or _fast_problem(
        kind.schema["$id"], record["payload"], "payload"
    )
    if fast is None:
        return values + _source_problems(record, kind)
    problems = values + _problems(_validator(envelope["$id"]), record, "")
    if isinstance(record.get("payload"), dict):
        problems += _problems(_validator(kind.schema["$id"]), record["payload"], "payload")
    # The two validators agree on every schema we ship; should they ever differ, the
    # record is still rejected, with the fast validator's reason.
    return (problems or [fast]) + _source_problems(record, kind)


def _unknown_type_problems(
    record: dict[str, Any], types: dict[tuple[str, int], EventType], problems: list[Problem]
) -> list[Problem]:
    """`problems` (the envelope's) plus why `record` names no known (type, version)."""
    name, version = record.get("event_type"), record.get("schema_version")
    known = sorted(v for (n, v) in types if n == name)
    if isinstance(name, str) and not known:
        problems.append(Problem("event_type", f"unknown event type {name!r}", "unknown_type"))
    elif isinstance(version, int) and known:
        message = f"unknown schema_version {version} (known: {known})"
        problems.append(Problem("schema_version", message, "unknown_type"))
    elif isinstance(version, float) and known:
        # JSON Schema calls 1.0 an integer, but it names no (type, version) we know
        message = f"must be written as an integer, not {version!r} (known: {known})"
        problems.append(Problem("schema_version", message, "unknown_type"))
    if not problems:  # never "valid" without a known type
        problems.append(Problem("event_type", "names no known type", "unknown_type"))
    return problems


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
