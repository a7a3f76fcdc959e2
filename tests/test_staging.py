"""Publish → ingest → dbt staging on a real broker: typed views, duplicates gone, point in time."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from factories import admitted, event, graded, imposed

from clemency.ingest.publish import publish_events
from clemency.ingest.run import ingest
from clemency.kafka.clients import ensure_topics
from clemency.transform.dbt import run_dbt
from clemency.transform.warehouse_state import open_warehouse

pytestmark = [pytest.mark.slow, pytest.mark.broker]

OTHER = "079190054321"
THREADS = ("--threads", "4")
AS_OF = dt.date(2025, 11, 30)


def _land(bootstrap: str, lake, events: list[dict]) -> None:
    ensure_topics(bootstrap, partitions=2)
    report = publish_events(bootstrap, events)
    assert report.ok and report.sent == len(events), report.rejected
    landed = ingest(bootstrap, lake)
    assert landed.total("landed") == len(events)
    assert landed.total("quarantined") == 0


def _query(lake, sql: str) -> list[tuple]:
    with open_warehouse(lake) as connection:
        return connection.execute(sql).fetchall()


def _types(lake, view: str) -> dict[str, str]:
    with open_warehouse(lake) as connection:
        return {name: kind for name, kind, *_ in connection.execute(f"describe {view}").fetchall()}


def _registered(work_sites: list[dict], day: str) -> dict:
    payload = {
        "facility_id": "TG-HN-01",
        "name": "Trại giam Thanh Xuân",
        "kind": "prison",
        "agency": "MoPS",
        "province": "Hà Nội",
        "capacity": 3000,
        "work_sites": work_sites,
    }
    return event("facility.registered", payload, day)


def _every_event_type() -> list[dict]:
    """One or more events of every type the staging layer reads (a duplicate included)."""
    sentence = imposed()
    life = imposed(
        OTHER,
        case_id="HS-2020-0099",
        life=True,
        corruption=True,
        offences=[{"article": 353, "clause": 4}, {"article": 354}],
    )
    del life["payload"]["term_months"]  # a term or life, never both
    case = {"case_id": "HS-2023-0001"}
    return [
        _registered([{"site_id": "WS-OLD", "distance_km": 80}], "2020-01-01"),
        _registered(
            [
                {"site_id": "WS-HN-01", "distance_km": 22.5},
                {"site_id": "WS-HN-02", "distance_km": 7},
            ],
            "2021-06-01",
        ),
        event(
            "amnesty_round.declared",
            {
                "round_id": "2025-2",
                "decision_no": "1244/2025/QĐ-CTN",
                "signed_date": "2025-07-03",
                "cutoff_date": "2025-08-31",
                "rule_version": "2025-2.v1",
            },
            "2025-07-03",
        ),
        admitted(),
        admitted(OTHER),
        graded("tốt"),
        sentence,
        sentence,  # the same event_id delivered twice: staging keeps one
        life,
        event(
            "sentence.reduced", {**case, "decision_date": "2025-04-29", "months": 6}, "2025-04-29"
        ),
        event(
            "sentence.reduced",
            {"case_id": "HS-2020-0099", "decision_date": "2025-05-02", "life_to_term_months": 360},
            "2025-05-02",
            person_id=OTHER,
        ),
        event("sentence.suspended", {**case, "start_date": "2024-09-01"}, "2024-08-20"),
        event("sentence.suspension_ended", {**case, "date": "2025-03-01"}, "2025-03-01"),
        event(
            "bail.granted",
            {**case, "start_date": "2023-05-20", "measure": "guarantee"},
            "2023-05-20",
        ),
        event("bail.ended", {**case, "date": "2023-11-20"}, "2023-11-20"),
        event(
            "sentence.postponed",
            {**case, "start_date": "2023-12-05", "end_date": "2024-01-05", "reason": "sole_worker"},
            "2023-12-05",
        ),
        event("sentence.postponement_ended", {**case, "date": "2024-01-05"}, "2024-01-05"),
        event(
            "sentence.amended",
            {**case, "decision_date": "2024-02-15", "term_months": 30},
            "2024-02-15",
        ),
        event("sentence.quashed", {**case, "date": "2025-10-30"}, "2025-10-30", person_id=OTHER),
        event(
            "case.review_opened", {**case, "kind": "cassation", "date": "2025-02-10"}, "2025-02-10"
        ),
        event(
            "case.review_closed", {**case, "kind": "cassation", "date": "2025-05-20"}, "2025-05-20"
        ),
        event(
            "case.review_opened",
            {
                "case_id": "HS-2020-0099",
                "kind": "reopening",
                "date": "2025-07-01",
                "direction": "lighter",
            },
            "2025-07-01",
            person_id=OTHER,
        ),
        event("prosecution.opened", {**case, "date": "2025-06-01"}, "2025-06-01"),
        event("prosecution.closed", {**case, "date": "2025-10-01"}, "2025-10-01"),
        event(
            "amnesty.granted",
            {"round_id": "2025-2", "decision_no": "1693/QĐ-CTN", "effective_date": "2025-09-01"},
            "2025-08-30",
        ),
        event(
            "person.transferred",
            {"from_facility_id": "TG-HN-01", "to_facility_id": "TG-NB-02", "date": "2024-08-12"},
            "2024-08-12",
        ),
        event("discipline.recorded", {"date": "2024-10-03", "severity": "warning"}, "2024-10-03"),
        event("escape.recorded", {"date": "2024-12-24"}, "2024-12-24", person_id=OTHER),
        event(  # recorded five months late: absent from snapshots before 10 June 2025
            "escape.recorded",
            {"date": "2025-01-05"},
            "2025-01-05",
            recorded_at="2025-06-10T09:00:00+07:00",
        ),
        event(
            "obligation.paid",
            {"kind": "court_fee", "amount_vnd": 200_000, "date": "2024-03-15"},
            "2024-03-15",
        ),
        event("hardship.certified", {"date": "2024-04-01"}, "2024-04-01"),
        event(
            "obligation.discharged",
            {"kind": "compensation", "reason": "creditor_waived", "date": "2024-09-10"},
            "2024-09-10",
        ),
        event(
            "health.assessed",
            {"date": "2025-01-15", "infectious_group_a": False, "fit_for_labour": True},
            "2025-01-15",
        ),
        event("special_status.recorded", {"category": "sole_worker", "start_date": "2024-02-01"}),
        event("work_release.placed", {"site_id": "WS-HN-01", "date": "2025-03-01"}, "2025-03-01"),
        event(
            "work_release.returned",
            {"site_id": "WS-HN-01", "date": "2025-06-01", "reason": "end_of_placement"},
            "2025-06-01",
        ),
        event("amnesty.proposed", {"round_id": "2025-2", "date": "2025-07-20"}, "2025-07-20"),
        event("person.released", {"date": "2025-09-01", "reason": "amnesty"}, "2025-09-01"),
    ]


def test_staging_views_are_typed_deduplicated_point_in_time_unioned_and_unnested(
    fresh_broker, lake
):
    events = _every_event_type()
    _land(fresh_broker.bootstrap_servers, lake, events)

    # views, seeds and their data tests; `staging seeds` would select no seed (fqn, not path);
    # cautious: a test that also reads unbuilt models (the criteria catalogue's) is left out;
    # the unit tests run in tests/test_dbt_unit.py (one needs the typed tables built first)
    run_dbt(
        lake, AS_OF, "build", "--select", "staging", "resource_type:seed",
        "--indirect-selection", "cautious", "--exclude", "test_type:unit", *THREADS,
    )  # fmt: skip

    # court: a fixed term and a life sentence, typed; the duplicate delivery appears once
    sentences = _query(
        lake,
        "select person_id, term_months, is_life, is_corruption, json_array_length(offences),"
        " fine_vnd, court_fee_vnd, compensation_vnd, judgment_date, arrest_date"
        " from stg_court__sentences_imposed order by person_id",
    )
    assert sentences == [
        ("001085012345", 36, False, False, 1, 0, 200_000, 15_000_000)
        + (dt.date(2023, 11, 20), dt.date(2023, 5, 2)),
        (OTHER, None, True, True, 2, 0, 200_000, 15_000_000)
        + (dt.date(2023, 11, 20), dt.date(2023, 5, 2)),
    ]
    types = _types(lake, "stg_court__sentences_imposed")
    assert (types["term_months"], types["is_life"], types["fine_vnd"]) == (
        "INTEGER",
        "BOOLEAN",
        "BIGINT",
    )
    assert (types["offences"], types["judgment_date"]) == ("JSON", "DATE")
    offences = _query(lake, "select offences from stg_court__sentences_imposed where is_life")
    assert json.loads(offences[0][0]) == [{"article": 353, "clause": 4}, {"article": 354}]
    raw = _query(
        lake,
        f"select count(*) from read_parquet('{lake.raw}/court.events/*/*.parquet')"
        " where event_type = 'sentence.imposed'",
    )
    assert raw == [(3,)]  # raw keeps both deliveries

    reductions = _query(
        lake,
        "select person_id, reduction_months, life_to_term_months"
        " from stg_court__sentence_reductions order by person_id",
    )
    assert reductions == [("001085012345", 6, None), (OTHER, None, 360)]
    amendment = _query(
        lake, "select term_months, is_life, offences, fine_vnd from stg_court__sentence_amendments"
    )
    assert amendment == [(30, None, None, None)]  # null = unchanged
    assert _query(lake, "select end_date from stg_court__suspensions") == [(None,)]

    # unions: one row per event of either type, tagged by the type
    reviews = _query(
        lake,
        "select review_event, review_kind, review_direction, review_date"
        " from stg_court__case_reviews order by review_date",
    )
    assert reviews == [
        ("opened", "cassation", None, dt.date(2025, 2, 10)),  # no direction: an older event
        ("closed", "cassation", None, dt.date(2025, 5, 20)),
        ("opened", "reopening", "lighter", dt.date(2025, 7, 1)),
    ]

    # at liberty before serving, and an obligation ended without payment
    bail = _query(lake, "select bail_measure, start_date, end_date from stg_court__bail_grants")
    assert bail == [("guarantee", dt.date(2023, 5, 20), None)]
    assert _query(lake, "select ended_date from stg_court__bail_ends") == [(dt.date(2023, 11, 20),)]
    postponed = _query(
        lake, "select postponement_reason, start_date, end_date from stg_court__postponements"
    )
    assert postponed == [("sole_worker", dt.date(2023, 12, 5), dt.date(2024, 1, 5))]
    ends = _query(lake, "select ended_date from stg_court__postponement_ends")
    assert ends == [(dt.date(2024, 1, 5),)]
    discharge = _query(
        lake,
        "select obligation_kind, discharge_reason, decision_no, discharged_date"
        " from stg_facility__obligation_discharges",
    )
    assert discharge == [("compensation", "creditor_waived", None, dt.date(2024, 9, 10))]
    prosecutions = _query(
        lake, "select prosecution_event from stg_court__prosecutions order by prosecution_date"
    )
    assert prosecutions == [("opened",), ("closed",)]
    movements = _query(
        lake,
        "select movement, site_id, return_reason from stg_facility__work_release_movements"
        " order by movement_date",
    )
    assert movements == [("placed", "WS-HN-01", None), ("returned", "WS-HN-01", "end_of_placement")]

    # facility: typed booleans, amounts and enumerations
    health = _query(
        lake,
        "select has_infectious_group_a, is_fit_for_labour from stg_facility__health_assessments",
    )
    assert health == [(False, True)]
    payment = _query(
        lake, "select obligation_kind, amount_vnd from stg_facility__obligation_payments"
    )
    assert payment == [("court_fee", 200_000)]
    assert _types(lake, "stg_facility__obligation_payments")["amount_vnd"] == "BIGINT"
    release = _query(lake, "select release_reason, release_date from stg_facility__releases")
    assert release == [("amnesty", dt.date(2025, 9, 1))]

    # reference: the latest registration's work sites, one row per site
    sites = _query(
        lake, "select facility_id, site_id, distance_km from stg_reference__work_sites order by 2"
    )
    assert sites == [("TG-HN-01", "WS-HN-01", 22.5), ("TG-HN-01", "WS-HN-02", 7.0)]
    rounds = _query(
        lake,
        "select round_id, decision_no, signed_date, cutoff_date, rule_version"
        " from stg_reference__amnesty_rounds",
    )
    assert rounds == [
        ("2025-2", "1244/2025/QĐ-CTN", dt.date(2025, 7, 3), dt.date(2025, 8, 31), "2025-2.v1")
    ]

    # every view answers; every event is one row but the duplicate and the superseded
    # registration (work sites are counted per site above; the run's files, the as-of date
    # and the person-level basis, are no events, and the landed records per day count raw
    # records, not events)
    views = _query(
        lake,
        "select table_name from information_schema.tables where table_type = 'VIEW'"
        " and table_name like 'stg_%' and table_name not like 'stg_run__%' and table_name"
        " not in ('stg_reference__work_sites', 'stg_raw__landed_events')",
    )
    assert len(views) == 28
    staged = sum(_query(lake, f"select count(*) from {name}")[0][0] for (name,) in views)
    assert staged == len(events) - 2

    # seeds are typed by _rules.yml
    seed_types = _types(lake, "amnesty_rounds")
    assert (seed_types["cutoff_date"], seed_types["max_prior_convictions"]) == ("DATE", "INTEGER")
    assert _types(lake, "work_release_excluded_offences")["draft_only"] == "BOOLEAN"

    # point in time: the late escape is in the as-of view, and absent from an earlier one
    escapes = "select escape_date from stg_facility__escapes order by escape_date"
    assert _query(lake, escapes) == [(dt.date(2024, 12, 24),), (dt.date(2025, 1, 5),)]
    run_dbt(lake, dt.date(2025, 3, 1), "run", "--select", "stg_facility__escapes")
    assert _query(lake, escapes) == [(dt.date(2024, 12, 24),)]
