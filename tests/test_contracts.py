"""Event contracts: every type valid and invalid, field paths in errors, UTF-8 names."""

from __future__ import annotations

import copy
import unicodedata
import uuid

import pytest
from factories import admitted, event, graded

from clemency.contracts import event_types, message_key, normalise, topics, validate_event
from clemency.ingest.decode import Coordinates, decode
from clemency.ingest.publish import encode

TYPES = sorted(event_types().values(), key=lambda t: t.name)


def example(kind) -> dict:
    return event(kind.name, copy.deepcopy(kind.schema["examples"][0]))


def paths(record) -> set[str]:
    return {p.path for p in validate_event(normalise(record))}


def test_topics_are_the_three_of_the_contract():
    assert topics() == ("court.events", "facility.events", "reference.events")
    assert len(TYPES) >= 25


@pytest.mark.parametrize("kind", TYPES, ids=lambda t: t.name)
def test_every_type_example_is_valid(kind):
    record = example(kind)
    assert validate_event(normalise(record)) == []
    assert message_key(record) == record.get("person_id", record["payload"].get(kind.key_field))


@pytest.mark.parametrize("kind", TYPES, ids=lambda t: t.name)
def test_every_type_reports_each_missing_required_field_by_path(kind):
    record = example(kind)
    required = kind.schema["required"]
    for field in required:
        record["payload"].pop(field, None)
    found = paths(record)
    assert {f"payload.{field}" for field in required} <= found


@pytest.mark.parametrize("kind", TYPES, ids=lambda t: t.name)
def test_every_type_rejects_unknown_fields_and_wrong_types(kind):
    record = example(kind)
    record["payload"]["surprise"] = 1
    first_field = kind.schema["required"][0]
    record["payload"][first_field] = {"not": "a scalar"}
    problems = validate_event(normalise(record))
    assert any(p.path == "payload" and "surprise" in p.message for p in problems)
    assert any(p.path == f"payload.{first_field}" for p in problems)


def test_nested_paths_and_all_problems_reported_at_once():
    record = event(
        "sentence.imposed",
        {
            "case_id": "HS-1",
            "court_id": "TAND-HNI",
            "judgment_date": "2023-02-30",
            "arrest_date": "2023-01-01",
            "offences": [{"article": 173}, {"article": "174"}],
            "term_months": 36,
            "life": True,
            "fine_vnd": -5,
            "court_fee_vnd": 0,
            "compensation_vnd": 0,
        },
    )
    by_path = {p.path: p.message for p in validate_event(record)}
    assert "payload.offences[1].article" in by_path
    assert (
        "payload.judgment_date" in by_path
        and "not a valid date" in by_path["payload.judgment_date"]
    )
    assert "payload.fine_vnd" in by_path
    assert by_path["payload"] == "needs exactly one of term_months or life"


def test_envelope_problems_name_their_fields():
    record = admitted()
    record["event_id"] = "not-a-uuid"
    record["occurred_at"] = "2024-01-10T09:00:00"  # no offset
    record["person_id"] = "12345"
    del record["recorded_at"]
    record["source"] = {"system": "court", "id": "TG-HN-01"}
    found = paths(record)
    assert {"event_id", "occurred_at", "person_id", "recorded_at", "source.system"} <= found


def test_unknown_type_and_version_and_non_objects():
    assert [p.code for p in validate_event({**admitted(), "event_type": "person.teleported"})] == [
        "unknown_type"
    ]
    wrong_version = validate_event({**admitted(), "schema_version": 9})
    assert "known: [1]" in wrong_version[0].message
    assert validate_event(["a", "list"])[0].code == "not_object"


def test_reference_events_need_no_person_and_are_keyed_by_entity():
    kind = event_types()[("facility.registered", 1)]
    record = example(kind)
    assert "person_id" not in record
    assert validate_event(record) == []
    assert message_key(record) == "TG-HNI-01"


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("tốt", "tot"),
        ("Khá", "kha"),
        ("TRUNG BÌNH", "trung_binh"),
        (" kém ", "kem"),
        (unicodedata.normalize("NFD", "khá"), "kha"),  # decomposed diacritics
        ("tot", "tot"),
    ],
)
def test_vietnamese_grade_spellings_are_normalised(spelling, code):
    record = normalise(graded(spelling))
    assert record["payload"]["grade"] == code
    assert validate_event(record) == []


def test_unrecognised_grade_is_reported_not_guessed():
    record = normalise(graded("xuất sắc"))
    assert record["payload"]["grade"] == "xuất sắc"
    assert paths(record) == {"payload.grade"}


@pytest.mark.parametrize(
    "name", ["Nguyễn Thị Ánh Tuyết", "Đặng Văn Hùng", "Lê Thị Hồng Nhung", "Huỳnh Quốc Bảo"]
)
def test_utf8_names_survive_encoding_and_decoding(name):
    record = admitted(full_name=name)
    value = encode(record)
    assert name.encode("utf-8") in value  # no \\u escapes on the wire
    verdict = decode(value, Coordinates("facility.events", 0, 0, record["person_id"].encode(), 0))
    assert verdict.row is not None
    assert f'"full_name": "{name}"' in verdict.row["payload"]


def test_decoder_quarantines_key_mismatch_and_wrong_topic():
    record = admitted()
    value = encode(record)
    wrong_key = decode(value, Coordinates("facility.events", 0, 0, b"999999999999", 0))
    assert wrong_key.reason_codes == ("key_mismatch",)
    wrong_topic = decode(value, Coordinates("court.events", 0, 0, record["person_id"].encode(), 0))
    assert wrong_topic.reason_codes == ("wrong_topic",)
    no_key = decode(value, Coordinates("facility.events", 0, 0, None, 0))
    assert no_key.reason_codes == ("missing_key",)


def test_event_ids_must_be_uuids_but_any_version():
    record = admitted()
    record["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "x"))
    assert validate_event(record) == []


MUTATIONS = [None, "", "x", -1, 0, 10**16, 1.5, True, [], {}, "2025-02-30", "2025-01-01T00:00:00"]


@pytest.mark.parametrize("kind", TYPES, ids=lambda t: t.name)
def test_fast_and_full_validators_agree(kind):
    """The compiled fast path and jsonschema must give the same verdict on every field."""
    from clemency.contracts import _fast_problem, _problems, _validator

    schema_id = kind.schema["$id"]
    base = copy.deepcopy(kind.schema["examples"][0])
    for field in kind.schema["properties"]:
        for value in MUTATIONS:
            payload = {**base, field: value}
            fast_ok = _fast_problem(schema_id, payload, "payload") is None
            full_ok = not _problems(_validator(schema_id), payload, "payload")
            assert fast_ok == full_ok, (field, value)


@pytest.mark.parametrize("bad", [[], {}, None, 1.5, True, "x" * 500])
def test_hostile_type_fields_are_problems_not_crashes(bad):
    for field in ("event_type", "schema_version"):
        record = {**admitted(), field: bad}
        problems = validate_event(normalise(record))
        assert problems and all(isinstance(p.path, str) for p in problems)


# --- time at liberty, review direction, offence role, discharged obligations -----------------


@pytest.mark.parametrize("kind", TYPES, ids=lambda t: t.name)
def test_every_example_of_every_type_is_valid(kind):
    """Every example a schema gives, the older shapes kept as examples included."""
    for payload in kind.schema["examples"]:
        assert validate_event(normalise(event(kind.name, copy.deepcopy(payload)))) == []


@pytest.mark.parametrize(
    ("name", "topic", "system"),
    [
        ("bail.granted", "court.events", "court"),
        ("bail.ended", "court.events", "court"),
        ("sentence.postponed", "court.events", "court"),
        ("sentence.postponement_ended", "court.events", "court"),
        ("obligation.discharged", "facility.events", "facility"),
    ],
)
def test_new_types_belong_to_their_system(name, topic, system):
    kind = event_types()[(name, 1)]
    assert kind.topic == topic and kind.key_field == "person_id"
    record = example(kind)
    assert record["source"]["system"] == system
    other = "facility" if system == "court" else "court"
    record["source"]["system"] = other
    assert paths(record) == {"source.system"}


CASE = {"case_id": "HS-2023-0412"}


@pytest.mark.parametrize(
    ("name", "payload", "bad_paths"),
    [
        # bail: case and first day required; the measure is one of CPC Arts 121-123
        ("bail.granted", {**CASE, "start_date": "2023-05-20"}, set()),
        ("bail.granted", {**CASE, "start_date": "2023-05-20", "measure": "house_arrest"},
         {"payload.measure"}),
        ("bail.granted", {**CASE, "start_date": "2023-05-20", "end_date": "2023-13-01"},
         {"payload.end_date"}),
        ("bail.granted", {"start_date": "2023-05-20"}, {"payload.case_id"}),
        ("bail.ended", {**CASE, "date": "2023-12-05"}, set()),
        ("bail.ended", {**CASE}, {"payload.date"}),
        # postponement: a ground of Penal Code Art. 67(1) is required
        ("sentence.postponed", {**CASE, "start_date": "2023-12-20", "reason": "public_duty"},
         set()),
        ("sentence.postponed", {**CASE, "start_date": "2023-12-20"}, {"payload.reason"}),
        ("sentence.postponed", {**CASE, "start_date": "2023-12-20", "reason": "holiday"},
         {"payload.reason"}),
        ("sentence.postponement_ended", {**CASE, "date": "2024-06-20", "reason": "x"},
         {"payload"}),
        # discharged obligations: a reason; a creditor's waiver only for compensation
        ("obligation.discharged",
         {"kind": "court_fee", "reason": "enforcement_terminated", "date": "2024-09-10"}, set()),
        ("obligation.discharged",
         {"kind": "compensation", "reason": "creditor_waived", "date": "2024-09-10"}, set()),
        ("obligation.discharged",
         {"kind": "fine", "reason": "creditor_waived", "date": "2024-09-10"}, {"payload.kind"}),
        ("obligation.discharged",
         {"kind": "court_fee", "reason": "creditor_waived", "date": "2024-09-10"},
         {"payload.kind"}),
        ("obligation.discharged", {"kind": "fine", "date": "2024-09-10"}, {"payload.reason"}),
        ("obligation.discharged",
         {"kind": "fine", "reason": "paid_by_family", "date": "2024-09-10"}, {"payload.reason"}),
        ("obligation.discharged",
         {"kind": "fine", "reason": "enforcement_terminated", "date": "2024-09-10",
          "decision_no": ""}, {"payload.decision_no"}),
    ],
)  # fmt: skip
def test_new_types_valid_and_invalid(name, payload, bad_paths):
    assert paths(event(name, payload)) == bad_paths


def test_a_waiver_of_a_fine_says_why():
    record = event(
        "obligation.discharged", {"kind": "fine", "reason": "creditor_waived", "date": "2024-09-10"}
    )
    (problem,) = validate_event(record)
    assert problem.path == "payload.kind"
    assert "compensation when the reason is creditor_waived" in problem.message


@pytest.mark.parametrize("direction", ["heavier", "lighter", "other"])
def test_review_direction_is_optional_and_one_of_three(direction):
    base = {"case_id": "HS-2023-0412", "kind": "reopening", "date": "2025-02-10"}
    assert paths(event("case.review_opened", base)) == set()  # older events stay valid
    assert paths(event("case.review_opened", {**base, "direction": direction})) == set()
    for bad in ("up", "Heavier", "", None, 1):
        assert paths(event("case.review_opened", {**base, "direction": bad})) == {
            "payload.direction"
        }
    # a closing event carries no direction (what was sought is on the opening)
    closed = event("case.review_closed", {**base, "direction": direction})
    assert paths(closed) == {"payload"}


@pytest.mark.parametrize("role", ["organiser", "perpetrator", "instigator", "helper"])
def test_offence_role_is_optional_in_imposed_and_amended_sentences(role):
    imposed_payload = copy.deepcopy(event_types()[("sentence.imposed", 1)].schema["examples"][1])
    assert all("role" not in o for o in imposed_payload["offences"])  # the old shape
    assert paths(event("sentence.imposed", imposed_payload)) == set()
    imposed_payload["offences"][0]["role"] = role
    assert paths(event("sentence.imposed", imposed_payload)) == set()
    amended = {"case_id": "HS-2023-0412", "decision_date": "2024-02-15",
               "offences": [{"article": 251, "clause": 4, "role": role}]}  # fmt: skip
    assert paths(event("sentence.amended", amended)) == set()
    for bad in ("leader", "", 3):
        imposed_payload["offences"][0]["role"] = bad
        assert paths(event("sentence.imposed", imposed_payload)) == {"payload.offences[0].role"}
        amended["offences"][0]["role"] = bad
        assert paths(event("sentence.amended", amended)) == {"payload.offences[0].role"}


def test_fast_and_full_validators_agree_on_the_conditional_rule():
    """The if/then of obligation.discharged: both validators reject the same payloads."""
    from clemency.contracts import _fast_problem, _problems, _validator

    schema_id = event_types()[("obligation.discharged", 1)].schema["$id"]
    for kind in ("fine", "court_fee", "compensation", "other"):
        for reason in ("creditor_waived", "enforcement_terminated", "x", None):
            payload = {"kind": kind, "date": "2024-09-10"}
            if reason is not None:
                payload["reason"] = reason
            fast_ok = _fast_problem(schema_id, payload, "payload") is None
            full_ok = not _problems(_validator(schema_id), payload, "payload")
            assert fast_ok == full_ok, payload
            valid = kind != "other" and reason in ("enforcement_terminated", "creditor_waived")
            assert full_ok == (valid and (reason != "creditor_waived" or kind == "compensation"))
