"""Property-based and fuzz tests: hostile input to the decoder and the contract validator
ends in the raw lake or in the quarantine with reasons naming the field, never in a crash.

The budget comes from the Hypothesis profile (tests/conftest.py): `ci` by default (bounded,
derandomised: `make test`), `fuzz` for the long search (`make fuzz`).

Categories and their reason codes: huge (`too_large`), deep (`too_deep`), invalid UTF-8
(`not_utf8`), control/bidi characters (`forbidden_character`), dates outside 1900..2100 or
not YYYY-MM-DD (`schema_violation` on the field), negative or out-of-range numbers and
numbers as strings (`schema_violation` on the field), NaN/Infinity/huge integers
(`bad_number`), repeated field names (`duplicate_key`).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from factories import event
from hypothesis import assume, example, given
from hypothesis import strategies as st
from kafka import KafkaConsumer, KafkaProducer

from clemency.contracts import (
    MAX_DEPTH,
    SCHEMA_DIR,
    YEAR_MAX,
    YEAR_MIN,
    _fast_problem,
    _problems,
    _registry,
    _validator,
    event_types,
    join_path,
    kind_of,
    message_key,
    normalise,
    topics,
    validate_event,
)
from clemency.ingest.decode import MAX_MESSAGE_BYTES, MAX_REASON_CHARS, Coordinates, Verdict, decode
from clemency.ingest.quarantine import MAX_DEAD_LETTER_VALUE
from clemency.ingest.run import ingest
from clemency.kafka.clients import ensure_topics
from clemency.lake.schemas import QUARANTINE_SCHEMA, RAW_SCHEMA

TYPES = sorted(event_types().values(), key=lambda t: t.name)
ROW_SCHEMA = pa.schema([f for f in RAW_SCHEMA if not f.name.startswith("kafka_")])
COMMON = json.loads((SCHEMA_DIR / "common.json").read_text(encoding="utf-8"))["$defs"]
ENVELOPE = _registry()[2]

FieldPath = tuple[str | int, ...]  # ("payload", "offences", 0, "article")

# ---------------------------------------------------------------------------- helpers


def valid(kind, event_id=None) -> dict:
    """The schema's own example of `kind`, in a valid envelope."""
    overrides = {} if event_id is None else {"event_id": event_id}
    return event(kind.name, copy.deepcopy(kind.schema["examples"][0]), **overrides)


def where(record: dict) -> Coordinates:
    """Where a valid `record` belongs: its topic and its key."""
    return Coordinates(kind_of(record).topic, 0, 0, message_key(record).encode(), 0)


def to_bytes(value: Any, ascii_only: bool = True) -> bytes:
    # ensure_ascii escapes lone surrogates ("\ud800"); without it they become invalid UTF-8
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def dotted(path: FieldPath) -> str:
    text = ""
    for part in path:
        text = join_path(text, part)
    return text


def get(record: Any, path: FieldPath) -> Any:
    for part in path:
        record = record[part]
    return record


def put(record: Any, path: FieldPath, value: Any) -> Any:
    record = copy.deepcopy(record)
    get(record, path[:-1])[path[-1]] = value
    return record


def all_paths(value: Any, at: FieldPath = ()) -> list[FieldPath]:
    """The path of every field and array item in `value`, nested ones included."""
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    else:
        return []
    found = []
    for key, child in children:
        found.append((*at, key))
        found += all_paths(child, (*at, key))
    return found


def resolve(spec: dict, schema: dict) -> dict:
    """A property's schema with `$ref` and `allOf` folded in (enough for our schemas)."""
    merged: dict = {}
    ref = spec.get("$ref", "")
    if ref.startswith("urn:clemency:common#/$defs/"):
        merged.update(COMMON[ref.rsplit("/", 1)[1]])
    elif ref.startswith("#/$defs/"):
        merged.update(schema["$defs"][ref.rsplit("/", 1)[1]])
    for part in spec.get("allOf", ()):
        merged.update(resolve(part, schema))
    merged.update({k: v for k, v in spec.items() if k not in {"$ref", "allOf"}})
    return merged


def fields(predicate) -> list[tuple[str, FieldPath, dict]]:
    """(type name, path, resolved schema) of every envelope and top-level payload field of
    every type's example for which predicate(schema) holds."""
    found = []
    for kind in TYPES:
        record = valid(kind)
        for name, spec in ENVELOPE["properties"].items():
            if name in record and predicate(resolved := resolve(spec, ENVELOPE)):
                found.append((kind.name, (name,), resolved))
        for name, spec in kind.schema["properties"].items():
            if name in record["payload"] and predicate(resolved := resolve(spec, kind.schema)):
                found.append((kind.name, ("payload", name), resolved))
    return found


def string_leaves() -> list[tuple[str, FieldPath]]:
    """Every string value of every type's example (names, IDs, dates, enums...)."""
    found = []
    for kind in TYPES:
        record = valid(kind)
        found += [(kind.name, p) for p in all_paths(record) if isinstance(get(record, p), str)]
    return found


def example_of(name: str) -> dict:
    return valid(event_types()[(name, 1)])


def assert_sound(verdict: Verdict) -> None:
    """The decoder's contract: a Verdict, exactly one outcome, and either outcome fits its
    Parquet schema (so the ingest can always land it)."""
    assert isinstance(verdict, Verdict)
    if verdict.row is not None:
        assert verdict.reason_codes == () and verdict.reasons == ()
        pa.Table.from_pylist([verdict.row], ROW_SCHEMA)
        json.loads(verdict.row["payload"], parse_constant=_no_constants)  # strict JSON
        return
    assert verdict.reason_codes and verdict.reasons
    assert all(
        isinstance(code, str) and re.fullmatch(r"[a-z0-9_]+", code) for code in verdict.reason_codes
    )
    for reason in verdict.reasons:
        assert isinstance(reason, str) and reason
        reason.encode("utf-8")  # no lone surrogates: Parquet and DLQ headers take it
        assert len(reason) <= MAX_REASON_CHARS + 40
        assert REASON.match(reason), reason  # "field.path: what is wrong"
    pa.Table.from_pylist(
        [
            {
                "kafka_topic": "t",
                "kafka_partition": 0,
                "kafka_offset": 0,
                "reason_codes": list(verdict.reason_codes),
                "reasons": list(verdict.reasons),
            }
        ],
        QUARANTINE_SCHEMA,
    )


_STEP = r'(\.[A-Za-z_]\w*|\[(\d+|"([^"\\]|\\.)*"|…)\])'
REASON = re.compile(rf"(\(record\)|\(key\)|[A-Za-z_]\w*{_STEP}*|{_STEP}+): ", re.ASCII)


def _no_constants(name: str):
    raise AssertionError(f"{name} in a landed payload")


def reasons_for(verdict: Verdict, path: str) -> list[str]:
    return [r for r in verdict.reasons if r.startswith(f"{path}: ")]


# ------------------------------------------------------------------------- strategies

FORBIDDEN = [
    "\x00", "\t", "\n", "\r", "\x1b", "\x7f", "\x85",  # C0, DEL, C1
    "\u200b", "\u200e", "\u200f", "\u061c",  # zero-width space, LRM, RLM, ALM
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # embeddings and overrides
    "\u2066", "\u2067", "\u2068", "\u2069", "\u2028", "\u2029", "\ufeff",
    "\ud800", "\udfff",  # lone surrogates (arrive as \\u escapes)
]  # fmt: skip
forbidden_chars = st.sampled_from(FORBIDDEN) | st.characters(categories=["Cc", "Cs"])
any_text = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Cs"]))
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20,
)
type_names = st.sampled_from([t.name for t in TYPES]) | any_text
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "event_id": st.uuids().map(str) | any_text,
        "event_type": type_names,
        "schema_version": st.sampled_from([1, 1.0, "1", 2, 0, -1, True, None, 2**31]),
        "occurred_at": st.datetimes().map(lambda d: d.isoformat() + "+07:00") | any_text,
        "recorded_at": st.just("2024-01-10T09:00:00+07:00"),
        "source": st.fixed_dictionaries(
            {"system": st.sampled_from(["facility", "court", "x"]), "id": any_text}
        ),
        "person_id": st.just("001085012345") | any_text,
        "payload": json_values,
    },
)
records = st.builds(valid, st.sampled_from(TYPES), st.uuids())


@st.composite
def mutated(draw) -> tuple[dict, dict]:
    """(a valid record, the same record with one hostile change)."""
    record = draw(records)
    path = draw(st.sampled_from(all_paths(record)))
    old = get(record, path)
    how = draw(st.sampled_from(["replace", "delete", "stringify", "insert", "extra"]))
    if how == "delete":
        changed = copy.deepcopy(record)
        del get(changed, path[:-1])[path[-1]]
    elif how == "stringify":
        changed = put(record, path, json.dumps(old) if not isinstance(old, str) else old + " ")
    elif how == "insert" and isinstance(old, str):
        at = draw(st.integers(0, len(old)))
        changed = put(record, path, old[:at] + draw(forbidden_chars) + old[at:])
    elif how == "extra" and isinstance(old, dict):
        changed = put(record, path, {**old, draw(any_text): draw(json_values)})
    else:
        changed = put(record, path, draw(json_values))
    return record, changed


# ------------------------------------------------------ the decoder, on anything at all


@given(st.binary(max_size=4096), st.sampled_from(topics()), st.none() | st.binary(max_size=24))
def test_arbitrary_bytes_never_crash_the_decoder(value, topic, key):
    assert_sound(decode(value, Coordinates(topic, 0, 0, key, 0)))


@given(json_values | envelopes, st.booleans(), st.sampled_from(topics()))
def test_arbitrary_json_never_crashes_the_decoder(value, ascii_only, topic):
    assert_sound(decode(to_bytes(value, ascii_only), Coordinates(topic, 0, 0, b"k", 0)))


@given(mutated(), st.booleans())
def test_mutated_valid_events_land_or_are_quarantined_with_reasons(pair, ascii_only):
    record, changed = pair
    verdict = decode(to_bytes(changed, ascii_only), where(record))
    assert_sound(verdict)
    if verdict.row is not None:  # only a record the contract accepts lands
        assert validate_event(normalise(changed)) == []
        assert json.loads(verdict.row["payload"]) == normalise(changed)["payload"]


@given(records)
def test_valid_events_land(record):
    verdict = decode(to_bytes(record, ascii_only=False), where(record))
    assert verdict.row is not None, verdict.reasons
    assert_sound(verdict)


@given(records, st.none() | st.binary(max_size=16), st.sampled_from(topics()))
def test_a_valid_event_under_another_key_or_topic_is_quarantined(record, key, topic):
    right = where(record)
    assume((key, topic) != (right.key, right.topic))
    verdict = decode(to_bytes(record), Coordinates(topic, 0, 0, key, 0))
    assert verdict.row is None
    assert verdict.reason_codes in {("wrong_topic",), ("missing_key",), ("key_mismatch",)}
    assert_sound(verdict)


# ------------------------------------------------------------- each hostile category


@given(records, st.integers(MAX_MESSAGE_BYTES + 1, MAX_MESSAGE_BYTES + 8192))
def test_huge_messages_are_too_large_before_anything_is_decoded(record, size):
    text = to_bytes(record)
    value = text[:-1] + b', "padding": "' + b"x" * (size - len(text) - 15) + b'"}'
    assert len(value) == size
    verdict = decode(value, where(record))
    assert verdict.reason_codes == ("too_large",)
    assert verdict.reasons[0].startswith("(record): ") and str(size) in verdict.reasons[0]


def test_a_message_just_under_the_limit_is_decoded_and_checked():
    record = example_of("person.admitted")
    text = to_bytes(put(record, ("payload", "full_name"), "")).replace(b'""', b'"%s"', 1)
    value = text.replace(b"%s", b"A" * (MAX_MESSAGE_BYTES - len(text) + 2))
    assert len(value) == MAX_MESSAGE_BYTES
    verdict = decode(value, where(record))
    assert verdict.reason_codes == ("schema_violation",)
    assert reasons_for(verdict, "payload.full_name")  # over maxLength, named


@given(
    st.sampled_from([(n, p) for n, p in string_leaves() if p[0] == "payload"]),
    st.integers(1, 20_000),
    st.sampled_from(["[", '{"a": ', '{"": ']),
)
@example(("person.admitted", ("payload", "full_name")), MAX_DEPTH - 2, "[")
@example(("person.admitted", ("payload", "full_name")), MAX_DEPTH - 1, "[")
def test_deep_nesting_is_too_deep_never_a_recursion_error(leaf, depth, opener):
    name, path = leaf
    record = example_of(name)
    closer = "]" if opener == "[" else "}"
    nested = opener * depth + "0" + closer * depth
    value = to_bytes(put(record, path, "HOLE")).replace(b'"HOLE"', nested.encode())
    verdict = decode(value, where(record))
    assert_sound(verdict)
    if depth + len(path) > MAX_DEPTH:  # the record and payload objects are levels too
        assert verdict.reason_codes == ("too_deep",)
    else:
        assert reasons_for(verdict, dotted(path)), verdict.reasons


@given(st.integers(0, 5_000), st.sampled_from(["list", "dict"]))
@example(100_000, "list")
def test_validator_survives_python_values_nested_beyond_the_recursion_limit(depth, shape):
    nested: Any = "x"
    for _ in range(depth):
        nested = [nested] if shape == "list" else {"a": nested}
    record = {**example_of("person.admitted"), "payload": nested}
    problems = validate_event(record)
    assert problems  # a list or a deep dict is never a valid payload
    if depth + 1 > MAX_DEPTH:
        assert [p.code for p in problems] == ["too_deep"]


def test_a_cyclic_value_is_too_deep_not_a_hang():
    record = example_of("person.admitted")
    record["payload"]["self"] = record
    assert [p.code for p in validate_event(record)] == ["too_deep"]


BAD_UTF8 = [b"\xff", b"\xfe", b"\x80", b"\xc3\x28", b"\xc0\xaf", b"\xe2\x82", b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80"]  # fmt: skip


@given(records, st.sampled_from(BAD_UTF8), st.floats(0, 1))
def test_invalid_utf8_anywhere_is_not_utf8(record, bad, where_in):
    text = to_bytes(record, ascii_only=False)
    at = int(where_in * len(text))
    value = text[:at] + bad + text[at:]
    try:
        value.decode("utf-8")
        assume(False)  # the insertion happened to complete a character
    except UnicodeDecodeError:
        pass
    verdict = decode(value, where(record))
    assert verdict.reason_codes == ("not_utf8",)
    assert verdict.reasons[0].startswith("(record): not UTF-8 at byte")


@given(st.sampled_from(string_leaves()), forbidden_chars, st.integers(0, 80))
@example(("person.admitted", ("payload", "full_name")), "\u202e", 4)  # RLO in a name
@example(("person.admitted", ("person_id",)), "\n", 12)  # "001085012345\n" matches ^…$
@example(("sentence.imposed", ("payload", "case_id")), "\n", 99)
def test_control_and_bidi_characters_are_refused_by_field(leaf, char, at):
    name, path = leaf
    record = example_of(name)
    old = get(record, path)
    at = min(at, len(old))
    verdict = decode(to_bytes(put(record, path, old[:at] + char + old[at:])), where(record))
    assert_sound(verdict)
    assert "forbidden_character" in verdict.reason_codes
    assert any(f"U+{ord(char):04X}" in r for r in reasons_for(verdict, dotted(path)))


@given(any_text.filter(bool), st.integers(1, MAX_DEPTH - 2))
@example("\u00a0" * 40 + "\u0132" * 400, 1)  # found by `make fuzz`: the path was clipped
@example("a" * 5000, MAX_DEPTH - 2)
def test_hostile_field_names_keep_every_reason_in_path_message_form(name, depth):
    nested: Any = "\x00"
    for _ in range(depth):
        nested = {name: nested}
    record = {**example_of("person.admitted"), "event_id": nested}
    verdict = decode(to_bytes(record), where(example_of("person.admitted")))
    assert "forbidden_character" in verdict.reason_codes
    assert_sound(verdict)


def test_a_bidi_mark_in_a_field_name_is_refused():
    record = example_of("person.admitted")
    record["payload"]["full\u202ename"] = "x"
    verdict = decode(to_bytes(record), where(record))
    assert "forbidden_character" in verdict.reason_codes
    assert any("field name contains U+202E" in r for r in reasons_for(verdict, "payload"))


DATE_FIELDS = fields(lambda s: s.get("format") in {"date", "date-time"})
OFFSETS = st.sampled_from(["Z", "+07:00", "-12:00", "+14:00", "+00:00"])


@given(st.sampled_from(DATE_FIELDS), st.dates(), OFFSETS)
@example(("person.admitted", ("occurred_at",), {"format": "date-time"}), dt.date(1, 1, 1), "+07:00")
@example(
    ("person.admitted", ("occurred_at",), {"format": "date-time"}), dt.date(9999, 12, 31), "-05:00"
)
def test_dates_far_in_the_past_or_future_are_quarantined_by_field(field, day, offset):
    name, path, spec = field
    record = example_of(name)
    if spec["format"] == "date":
        text = day.isoformat()
    else:
        text = dt.datetime.combine(day, dt.time(9, 30)).isoformat() + offset
    verdict = decode(to_bytes(put(record, path, text)), where(record))
    assert_sound(verdict)
    if YEAR_MIN <= day.year <= YEAR_MAX:
        assert verdict.row is not None, verdict.reasons
    else:
        assert verdict.reason_codes == ("schema_violation",)
        assert any(
            f"outside {YEAR_MIN}..{YEAR_MAX}" in r for r in reasons_for(verdict, dotted(path))
        )


def _is_strict_date(text: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    try:
        return YEAR_MIN <= dt.date.fromisoformat(text).year <= YEAR_MAX
    except ValueError:
        return False


DATE_SHAPES = st.from_regex(r"\A[+-]?[0-9]{1,6}-(W?[0-9]{1,3})(-[0-9]{1,2})?\Z") | st.builds(
    "{:04d}-{:02d}-{:02d}".format, st.integers(1800, 2200), st.integers(0, 13), st.integers(0, 32)
)


@given(st.sampled_from([f for f in DATE_FIELDS if f[2]["format"] == "date"]), DATE_SHAPES)
@example(("person.admitted", ("payload", "date"), {}), "2025-02-30")
@example(("person.admitted", ("payload", "date"), {}), "+10000-01-01")
@example(("person.admitted", ("payload", "date"), {}), "2024-W01-1")
@example(("person.admitted", ("payload", "date"), {}), "２０２４-01-10")
def test_only_strict_plausible_calendar_dates_land(field, text):
    name, path, _ = field
    record = example_of(name)
    verdict = decode(to_bytes(put(record, path, text)), where(record))
    assert_sound(verdict)
    if _is_strict_date(text):
        assert verdict.row is not None, verdict.reasons
    else:
        assert reasons_for(verdict, dotted(path)), verdict.reasons


DATETIME_SHAPES = st.sampled_from(
    [
        "2024-01-10T09:00:00",  # no offset
        "2024-01-10 09:00:00+07:00",
        "2024-01-10T09:00+07:00",
        "20240110T090000+0700",
        "2024-W02-3T09:00:00Z",
        "2024-01-10T09:00:00+07:00:30",
        "2024-01-10T09:00:00.1234567890+07:00",
        "2024-01-10T24:00:00Z",
        "2024-01-10T09:00:00+24:00",
        "2024-01-10t09:00:00z",
        "0001-01-01T00:00:00+14:00",
    ]
)


@given(st.sampled_from(["occurred_at", "recorded_at"]), DATETIME_SHAPES, st.sampled_from(TYPES))
def test_loose_or_impossible_date_times_are_quarantined_by_field(field, text, kind):
    record = valid(kind)
    verdict = decode(to_bytes({**record, field: text}), where(record))
    assert verdict.reason_codes == ("schema_violation",)
    assert reasons_for(verdict, field)


INTEGER_FIELDS = fields(
    lambda s: s.get("type") == "integer" and ("minimum" in s or "exclusiveMinimum" in s)
)


@given(st.sampled_from(INTEGER_FIELDS), st.integers(-(10**20), 10**20) | st.integers(-5, 5))
@example(("sentence.imposed", ("payload", "term_months"), {"minimum": 1, "maximum": 600}), -36)
@example(("sentence.imposed", ("payload", "term_months"), {"minimum": 1, "maximum": 600}), 0)
def test_negative_and_out_of_range_numbers_are_quarantined_by_field(field, number):
    name, path, spec = field
    record = example_of(name)
    verdict = decode(to_bytes(put(record, path, number)), where(record))
    assert_sound(verdict)
    low = max(spec.get("minimum", -(10**30)), spec.get("exclusiveMinimum", -(10**30)) + 1)
    high = spec.get("maximum", float("inf"))
    if path == ("schema_version",):
        ok = number == 1  # the only version there is
    else:
        ok = low <= number <= high
    if ok:
        assert verdict.row is not None, verdict.reasons
    else:
        assert reasons_for(verdict, dotted(path)), verdict.reasons


NUMBER_FIELDS = fields(lambda s: s.get("type") in {"integer", "number"}) + [
    ("sentence.imposed", ("payload", "offences", 0, "article"), {}),
    ("facility.registered", ("payload", "work_sites", 0, "distance_km"), {}),
]
AS_TEXT = [str, lambda n: f" {n}", lambda n: f"{n}.0", lambda n: f"{float(n):e}", lambda n: f"+{n}"]


@given(st.sampled_from(NUMBER_FIELDS), st.sampled_from(AS_TEXT))
def test_numbers_as_strings_are_quarantined_by_field(field, as_text):
    name, path, _ = field
    record = example_of(name)
    verdict = decode(to_bytes(put(record, path, as_text(get(record, path)))), where(record))
    assert_sound(verdict)
    assert verdict.reason_codes in {("schema_violation",), ("schema_violation", "unknown_type")}
    assert any("is not of type" in r for r in reasons_for(verdict, dotted(path))), verdict.reasons


@given(
    st.sampled_from(NUMBER_FIELDS),
    st.sampled_from(
        ["NaN", "Infinity", "-Infinity", "1e999", "-1e400", "9" * 4301, "-" + "9" * 5000]
    ),
)
def test_nan_infinity_and_huge_numbers_are_bad_numbers(field, literal):
    name, path, _ = field
    record = example_of(name)
    value = to_bytes(put(record, path, "HOLE")).replace(b'"HOLE"', literal.encode())
    verdict = decode(value, where(record))
    assert verdict.reason_codes == ("bad_number",)


def dumps_repeating(value: Any, repeat: FieldPath, at: FieldPath = ()) -> str:
    """JSON text of `value` in which the field at `repeat` appears twice."""
    if isinstance(value, dict):
        items = []
        for key, child in value.items():
            items.append(f"{json.dumps(key)}: {dumps_repeating(child, repeat, (*at, key))}")
            if (*at, key) == repeat:
                items.append(f"{json.dumps(key)}: {json.dumps(child)}")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return (
            "[" + ", ".join(dumps_repeating(c, repeat, (*at, n)) for n, c in enumerate(value)) + "]"
        )
    return json.dumps(value)


@given(records, st.data())
def test_a_repeated_field_name_is_a_duplicate_key_by_path(record, data):
    path = data.draw(st.sampled_from([p for p in all_paths(record) if isinstance(p[-1], str)]))
    verdict = decode(dumps_repeating(record, path).encode(), where(record))
    assert verdict.reason_codes == ("duplicate_key",)
    assert verdict.reasons == (f"{dotted(path)}: appears more than once",)


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"schema_version": 1.0}, "unknown_type", "schema_version"),  # found by fuzzing
        (
            {"event_id": "urn:uuid:0f4fec32-c0dc-468c-b6de-46cf4b5647d2"},
            "schema_violation",
            "event_id",
        ),
        ({"event_id": "0F4FEC32-C0DC-468C-B6DE-46CF4B5647D2"}, "schema_violation", "event_id"),
        ({"event_id": "{0f4fec32c0dc468cb6de46cf4b5647d2}"}, "schema_violation", "event_id"),
    ],
)
def test_spellings_that_used_to_land(change, code, path):
    record = example_of("person.admitted")
    verdict = decode(to_bytes({**record, **change}), where(record))
    assert code in verdict.reason_codes
    assert reasons_for(verdict, path)


@pytest.mark.parametrize("life", [1, 1.0])
def test_life_must_be_the_boolean_true(life):  # fastjsonschema compared 1 == True
    record = example_of("sentence.imposed")
    del record["payload"]["term_months"]
    record["payload"]["life"] = life
    verdict = decode(to_bytes(record), where(record))
    assert reasons_for(verdict, "payload.life"), verdict


# ------------------------------------------------------------------------- the validator


@given(st.dictionaries(any_text, json_values) | envelopes)
def test_validate_event_never_raises_and_names_every_problem(record):
    for problem in validate_event(normalise(record)):
        assert problem.path and isinstance(problem.path, str)
        assert problem.message and re.fullmatch(r"[a-z0-9_]+", problem.code)


def _agree(schema_id: str, instance: Any, prefix: str) -> None:
    fast = _fast_problem(schema_id, instance, prefix)
    listed = _problems(_validator(schema_id), instance, prefix)
    assert (fast is None) == (not listed), (fast, listed)


@given(mutated())
@example((None, put(example_of("sentence.imposed"), ("payload", "case_id"), "HS-2023-0412\n")))
@example((None, put(example_of("person.admitted"), ("person_id",), "001085012345\n")))
def test_fast_path_and_problem_listing_agree(pair):
    _, changed = pair
    record = normalise(changed)
    _agree(ENVELOPE["$id"], record, "")
    kind = kind_of(record)
    if kind is not None and isinstance(record.get("payload"), dict):
        _agree(kind.schema["$id"], record["payload"], "payload")
    problems = validate_event(record)
    if kind is not None and (
        _fast_problem(ENVELOPE["$id"], record, "")
        or _fast_problem(kind.schema["$id"], record["payload"], "payload")
    ):
        assert problems, "the fast path rejected it: it must be listed with a reason"


# ------------------------------------------------------------- end to end, real broker


def _corpus() -> list[tuple[str, str, bytes, bytes, str | None, str | None]]:
    """(label, topic, key, value, expected reason code or None for raw, field path)."""
    admitted, imposed = example_of("person.admitted"), example_of("sentence.imposed")
    facility = example_of("facility.registered")
    person, site = admitted["person_id"].encode(), facility["payload"]["facility_id"].encode()
    name, term, day = ("payload", "full_name"), ("payload", "term_months"), ("payload", "date")
    chars, schema, number = "forbidden_character", "schema_violation", "bad_number"

    def a(path, value):  # person.admitted with one field changed, UTF-8 on the wire
        return to_bytes(put(admitted, path, value), ascii_only=False)

    def s(path, value):  # sentence.imposed with one field changed
        return to_bytes(put(imposed, path, value))

    def hole(record, path, literal: bytes):  # a literal json.dumps would never write
        return to_bytes(put(record, path, "HOLE")).replace(b'"HOLE"', literal)

    deep, deep_enough = b"[" * 5000 + b"]" * 5000, b"[" * 40 + b"]" * 40
    facility_events = [
        ("valid admitted", to_bytes(admitted, False), None, None),
        ("valid admitted 2", to_bytes(example_of("person.admitted")), None, None),
        ("huge", a(name, "x" * (MAX_MESSAGE_BYTES + 10)), "too_large", "(record)"),
        # as large as the broker takes: its dead letter must still fit a produce request
        ("near 1 MiB", a(name, "x" * 1_040_000), "too_large", "(record)"),
        ("deep", hole(admitted, name, deep), "too_deep", "(record)"),
        ("deep, parseable", hole(admitted, name, deep_enough), "too_deep", "(record)"),
        ("bad UTF-8", a(name, "Nguyễn").replace("ễ".encode(), b"\xe1\xbb"), "not_utf8", "(record)"),
        ("RLO in name", a(name, "Nguyễn \u202eTuyết"), chars, "payload.full_name"),
        ("LRM in name", a(name, "\u200eNguyễn"), chars, "payload.full_name"),
        ("NUL in name", a(name, "Nguy\x00ễn"), chars, "payload.full_name"),
        ("lone surrogate", to_bytes(put(admitted, name, "\udc00")), chars, "payload.full_name"),
        ("newline after id", a(("person_id",), "001085012345\n"), chars, "person_id"),
        ("year 1", a(("occurred_at",), "0001-01-01T00:00:00+07:00"), schema, "occurred_at"),
        ("year 9999", a(day, "9999-12-31"), schema, "payload.date"),
        ("year 10000", a(("payload", "birth_date"), "+10000-01-01"), schema, "payload.birth_date"),
        ("30 February", a(day, "2025-02-30"), schema, "payload.date"),
        ("week date", a(day, "2024-W01-1"), schema, "payload.date"),
        ("version as string", a(("schema_version",), "1"), schema, "schema_version"),
        ("version 1.0", a(("schema_version",), 1.0), "unknown_type", "schema_version"),
        ("urn: UUID", a(("event_id",), "urn:uuid:" + admitted["event_id"]), schema, "event_id"),
        (
            "repeated id",
            dumps_repeating(admitted, ("person_id",)).encode(),
            "duplicate_key",
            "person_id",
        ),
        ("valid admitted 3", to_bytes(example_of("person.admitted")), None, None),
    ]
    court_events = [
        ("valid imposed", to_bytes(imposed), None, None),
        ("negative term", s(term, -36), schema, "payload.term_months"),
        ("term as string", s(term, "36"), schema, "payload.term_months"),
        ("life = 1", s(term, 0).replace(b'"term_months": 0', b'"life": 1'), schema, "payload.life"),
        (
            "5000-digit fine",
            hole(imposed, ("payload", "fine_vnd"), b"9" * 5000),
            number,
            "(record)",
        ),
    ]
    distance = ("payload", "work_sites", 0, "distance_km")
    reference_events = [
        ("valid facility", to_bytes(facility, False), None, None),
        ("NaN distance", hole(facility, distance, b"NaN"), number, "(record)"),
    ]
    return (
        [(label, "facility.events", person, *rest) for label, *rest in facility_events]
        + [(label, "court.events", person, *rest) for label, *rest in court_events]
        + [(label, "reference.events", site, *rest) for label, *rest in reference_events]
    )


@pytest.mark.broker
def test_hostile_corpus_end_to_end_lands_or_quarantines_every_record(fresh_broker, lake, group_id):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    corpus = _corpus()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    expected = {}
    for label, topic, key, value, code, path in corpus:
        sent = producer.send(topic, key=key, value=value).get(timeout=10)
        expected[(topic, sent.offset)] = (label, code, path)
    producer.close()

    result = ingest(bootstrap, lake, gate=False, group_id=group_id)

    hostile = {k: v for k, v in expected.items() if v[1] is not None}
    assert result.total("consumed") == len(corpus)
    assert result.total("landed") == len(corpus) - len(hostile)
    assert result.total("quarantined") == len(hostile)
    for ledger in result.partitions:
        assert ledger.consumed == ledger.landed + ledger.quarantined, ledger

    raw = {
        (r["kafka_topic"], r["kafka_offset"])
        for f in lake.raw.rglob("*.parquet")
        for r in pq.read_table(f).to_pylist()
    }
    assert raw == {k for k, v in expected.items() if v[1] is None}
    quarantined = {
        (r["kafka_topic"], r["kafka_offset"]): r
        for f in lake.quarantine.rglob("*.parquet")
        for r in pq.read_table(f).to_pylist()
    }
    assert quarantined.keys() == hostile.keys()
    for coordinates, (label, code, path) in hostile.items():
        row = quarantined[coordinates]
        assert code in row["reason_codes"], (label, row["reason_codes"], row["reasons"])
        assert any(r.startswith(f"{path}: ") for r in row["reasons"]), (label, row["reasons"])
        assert row["value"] is not None and row["kafka_key"] is not None

    dead = KafkaConsumer(
        *(f"{t}.dlq" for t in topics()),
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    letters = list(dead)
    dead.close()
    sources = {dict(m.headers)["clemency.source"].decode() for m in letters}
    assert sources == {f"{t}/0/{o}" for t, o in hostile}
    for letter in letters:
        headers = dict(letter.headers)
        topic, _, offset = headers["clemency.source"].decode().split("/")
        original = quarantined[(topic, int(offset))]["value"]
        if "clemency.truncated" in headers:  # cut to fit; the quarantine keeps every byte
            assert len(original) > MAX_DEAD_LETTER_VALUE == len(letter.value)
            assert headers["clemency.truncated"].decode().endswith(f"value={len(original)}")
            assert original.startswith(letter.value)
        else:
            assert letter.value == original
