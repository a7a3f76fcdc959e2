"""Small hand-built valid events for tests that need exact control over every field."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from clemency.contracts.envelope import envelope

VN = dt.timezone(dt.timedelta(hours=7))
PERSON = "001085012345"


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=VN)


def event(kind: str, payload: dict[str, Any], day: str = "2024-01-10", **overrides) -> dict:
    person = overrides.pop("person_id", PERSON)
    built = envelope(
        kind,
        payload,
        event_id=overrides.pop("event_id", uuid.uuid4()),
        occurred_at=at(day),
        recorded_at=at(day) + dt.timedelta(hours=3),
        source_id="TG-HN-01"
        if not kind.startswith(("sentence", "case", "prosecution", "amnesty.granted"))
        else "TAND-HNI",
        person_id=None if kind in {"facility.registered", "amnesty_round.declared"} else person,
    )
    built.update(overrides)
    return built


def admitted(person_id: str = PERSON, full_name: str = "Nguyễn Thị Ánh Tuyết") -> dict:
    return event(
        "person.admitted",
        {
            "facility_id": "TG-HN-01",
            "date": "2024-01-10",
            "full_name": full_name,
            "birth_date": "1985-06-01",
            "sex": "F",
            "nationality": "VN",
            "residence_province": "Hà Nội",
            "prior_convictions": 0,
            "dangerous_recidivist": False,
        },
        person_id=person_id,
    )


def graded(grade: str = "khá", period: str = "2024-Q2", person_id: str = PERSON) -> dict:
    return event(
        "behaviour.graded", {"period": period, "grade": grade}, "2024-07-01", person_id=person_id
    )


def imposed(person_id: str = PERSON, **payload) -> dict:
    body = {
        "case_id": "HS-2023-0001",
        "court_id": "TAND-HNI",
        "judgment_date": "2023-11-20",
        "arrest_date": "2023-05-02",
        "offences": [{"article": 173, "clause": 2, "point": "c"}],
        "term_months": 36,
        "fine_vnd": 0,
        "court_fee_vnd": 200_000,
        "compensation_vnd": 15_000_000,
    }
    body.update(payload)
    return event("sentence.imposed", body, "2023-11-20", person_id=person_id)


def facility() -> dict:
    return event(
        "facility.registered",
        {
            "facility_id": "TG-HN-01",
            "name": "Trại giam Thanh Xuân",
            "kind": "prison",
            "agency": "MoPS",
            "province": "Hà Nội",
            "capacity": 3000,
            "work_sites": [{"site_id": "WS-HN-01", "distance_km": 22.5}],
        },
        "2020-01-01",
    )
