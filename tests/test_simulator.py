"""The simulator: reproducible, valid, internally consistent, realistic in shape."""

from __future__ import annotations

import csv
import datetime as dt
import json
import unicodedata
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pytest

from clemency.contracts import normalise, validate_event
from producers import reference_data as ref
from producers.simulator import SimulationConfig, simulate, summarise, write_jsonl

SEEDS = Path(__file__).resolve().parents[1] / "transforms" / "seeds"
FACILITY_TYPES = {
    "person.admitted", "person.transferred", "behaviour.graded", "discipline.recorded",
    "escape.recorded", "obligation.paid", "obligation.discharged", "hardship.certified",
    "health.assessed",
    "special_status.recorded", "work_release.placed", "work_release.returned",
    "amnesty.proposed", "person.released",
}  # fmt: skip
REFERENCE_TYPES = {"facility.registered", "amnesty_round.declared"}
# At liberty before serving: bail before the judgment took effect, a postponement after it.
LIBERTY_TYPES = {"bail.granted", "bail.ended", "sentence.postponed", "sentence.postponement_ended"}
VIETNAMESE_GRADES = {"tốt", "khá", "trung bình", "kém"}


@cache
def run(inmates: int, seed: int = 7, rate: float = 0.0) -> tuple[dict, ...]:
    config = SimulationConfig(
        inmates=inmates, seed=seed, duplicate_rate=rate, late_rate=rate, out_of_order_rate=rate
    )
    return tuple(simulate(config))


def lines(events) -> list[str]:
    return [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in events]


def when(event: dict, field: str = "occurred_at") -> dt.datetime:
    return dt.datetime.fromisoformat(event[field])


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def by_person(events) -> dict[str, list[dict]]:
    people = defaultdict(list)
    for event in events:
        if "person_id" in event:
            people[event["person_id"]].append(event)
    return people


def first(events: list[dict], kind: str) -> dict:
    return next(e for e in events if e["event_type"] == kind)


# --- reproducibility ----------------------------------------------------------------------------


def test_same_seed_gives_identical_json_and_another_seed_differs():
    once = lines(run(300))
    again = lines(simulate(SimulationConfig(inmates=300)))
    assert once == again
    assert len(once) > 300 * 5
    assert lines(run(300, seed=8)) != once


def test_faults_are_reproducible_too():
    config = SimulationConfig(inmates=200, duplicate_rate=0.1, late_rate=0.1, out_of_order_rate=0.1)
    assert lines(simulate(config)) == lines(simulate(config))


@pytest.mark.parametrize(
    "changes",
    [
        {"inmates": 0},
        {"inmates": 10_000_000},
        {"inmates": 5.0},
        {"duplicate_rate": -0.1},
        {"late_rate": 1.5},
        {"out_of_order_rate": "0.1"},
        {"as_of": dt.datetime(2025, 11, 30, 12, 0)},
        {"as_of": "2025-11-30"},
        {"seed": "7"},
    ],
)
def test_config_rejects_bad_values_with_a_clear_reason(changes):
    with pytest.raises(ValueError, match=next(iter(changes))):
        SimulationConfig(**{"inmates": 10, **changes})


# --- validity ------------------------------------------------------------------------------------


def test_every_event_of_a_faulty_run_is_valid_and_keeps_vietnamese_text():
    events = run(500, rate=0.05)
    problems = [(e["event_type"], validate_event(normalise(e))) for e in events]
    assert [p for p in problems if p[1]] == []
    grades = {e["payload"]["grade"] for e in events if e["event_type"] == "behaviour.graded"}
    assert VIETNAMESE_GRADES & grades and {"tot", "kha"} & grades
    names = [e["payload"]["full_name"] for e in events if e["event_type"] == "person.admitted"]
    with_diacritics = [n for n in names if unicodedata.normalize("NFD", n) != n]
    assert len(with_diacritics) > len(names) * 0.9
    assert any(n.startswith("Nguyễn ") for n in names)


def test_reference_events_come_first_with_both_amnesty_rounds():
    events = run(300)
    kinds = [e["event_type"] for e in events]
    first_person = next(i for i, k in enumerate(kinds) if k not in REFERENCE_TYPES)
    assert set(kinds[first_person:]).isdisjoint(REFERENCE_TYPES)
    declared = [e for e in events[:first_person] if e["event_type"] == "amnesty_round.declared"]
    rounds = {e["payload"]["round_id"]: e["payload"] for e in declared}
    assert rounds["2025-1"]["cutoff_date"] == "2025-04-30"
    assert rounds["2025-2"]["decision_no"] == "1244/2025/QĐ-CTN"
    assert rounds["2025-2"]["cutoff_date"] == "2025-08-31"
    assert rounds["2025-2"]["rule_version"] == "2025-2.v1"


def test_facilities_small_run_has_mnd_and_several_provinces():
    facilities = [e["payload"] for e in run(300) if e["event_type"] == "facility.registered"]
    assert len(facilities) >= 6
    assert any(f["agency"] == "MND" for f in facilities)
    assert len({f["province"] for f in facilities}) >= 4
    assert {f["province"] for f in facilities} <= {p.name_vi for p in ref.PROVINCES}
    sites = [s for f in facilities for s in f.get("work_sites", [])]
    assert sites and all(f["agency"] == "MoPS" for f in facilities if f.get("work_sites"))
    assert any(s["distance_km"] > 50 for s in sites)
    assert 300 <= sum(f["capacity"] for f in facilities) <= 400  # ≈ inmates × 1.1


def test_national_scale_has_53_mops_prisons():
    config = SimulationConfig(inmates=50_000)
    events = simulate(config)
    facilities = []
    for event in events:
        if event["event_type"] != "facility.registered":
            break
        facilities.append(event["payload"])
    kinds = Counter((f["agency"], f["kind"]) for f in facilities)
    assert kinds[("MoPS", "prison")] == 53
    assert kinds[("MND", "prison")] == 6
    assert kinds[("MoPS", "detention_centre")] >= 1
    with_sites = sum(1 for f in facilities if f.get("work_sites") and f["agency"] == "MoPS")
    assert 15 <= with_sites <= 20  # about a third of the MoPS prisons


# --- consistency of each person's story (no faults) ---------------------------------------------


@pytest.fixture(scope="module")
def people() -> dict[str, list[dict]]:
    return by_person(run(2_000))


def test_sentence_precedes_admission_and_everything_else(people):
    for events in people.values():
        sentence, admitted = first(events, "sentence.imposed"), first(events, "person.admitted")
        arrest, judgment = (
            day(sentence["payload"]["arrest_date"]),
            day(sentence["payload"]["judgment_date"]),
        )
        assert arrest <= judgment <= day(admitted["payload"]["date"])
        for event in events:
            if event["event_type"] in LIBERTY_TYPES:  # between the arrest and the admission
                assert arrest < when(event).date() <= day(admitted["payload"]["date"]), event
            elif event is not sentence:
                assert when(event) >= when(admitted), event


def test_no_grade_before_the_admission_quarter(people):
    for events in people.values():
        admitted = day(first(events, "person.admitted")["payload"]["date"])
        for event in events:
            if event["event_type"] == "behaviour.graded":
                year, quarter = event["payload"]["period"].split("-Q")
                start = dt.date(int(year), 3 * int(quarter) - 2, 1)
                assert start >= admitted
                assert when(event).date() > start


def test_nothing_happens_inside_after_release(people):
    released_people = 0
    for events in people.values():
        releases = [e for e in events if e["event_type"] == "person.released"]
        assert len(releases) <= 1
        if not releases:
            continue
        released_people += 1
        out = when(releases[0])
        after = [e for e in events if when(e) > out]
        assert after == []
        sentence = first(events, "sentence.imposed")
        assert day(releases[0]["payload"]["date"]) > day(sentence["payload"]["judgment_date"])
    assert released_people > 100


def test_reductions_keep_half_the_term_served(people):
    checked = 0
    for events in people.values():
        sentence = first(events, "sentence.imposed")["payload"]
        if sentence.get("life"):
            continue
        amended = [e["payload"] for e in events if e["event_type"] == "sentence.amended"]
        term = amended[-1]["term_months"] if amended else sentence["term_months"]
        reductions = [e["payload"] for e in events if e["event_type"] == "sentence.reduced"]
        if not reductions:
            continue
        checked += 1
        assert sum(r["months"] for r in reductions) <= term / 2
        third = day(sentence["arrest_date"]) + dt.timedelta(days=term * ref.DAYS_PER_MONTH / 3)
        assert day(reductions[0]["decision_date"]) >= third - dt.timedelta(days=1)
        decided = [day(r["decision_date"]) for r in reductions]
        assert all((b - a).days >= 365 for a, b in zip(decided, decided[1:], strict=False))
    assert checked > 50


def test_obligation_payments_never_exceed_what_is_owed(people):
    paid_any = 0
    for events in people.values():
        sentence = first(events, "sentence.imposed")["payload"]
        owed = {k: sentence[f"{k}_vnd"] for k in ("fine", "court_fee", "compensation")}
        paid = Counter()
        for event in events:
            if event["event_type"] == "obligation.paid":
                paid[event["payload"]["kind"]] += event["payload"]["amount_vnd"]
        assert all(paid[k] <= owed[k] for k in owed)
        paid_any += bool(paid)
    assert paid_any > 500


def test_citizen_ids_agree_with_birth_year_sex_and_province(people):
    cccd_codes = {c for p in ref.PROVINCES for c in p.cccd_codes}
    foreigners = 0
    for person_id, events in people.items():
        admitted = first(events, "person.admitted")["payload"]
        if admitted["nationality"] != "VN":
            foreigners += 1
            assert not person_id.isdigit()
            continue
        born = day(admitted["birth_date"])
        assert len(person_id) == 12 and person_id.isdigit()
        assert person_id[:3] in cccd_codes
        century_sex = (born.year // 100 - 19) * 2 + (admitted["sex"] == "F")
        assert int(person_id[3]) == century_sex
        assert person_id[4:6] == f"{born.year % 100:02d}"
    assert 1 <= foreigners <= 30  # ~0.3 %


def test_ages_cover_juveniles_elders_and_mostly_adults(people):
    ages = []
    for events in people.values():
        admitted = first(events, "person.admitted")["payload"]
        arrest = day(first(events, "sentence.imposed")["payload"]["arrest_date"])
        ages.append((arrest - day(admitted["birth_date"])).days / 365.25)
    assert sum(a < 18 for a in ages) >= 5
    assert sum(a >= 60 for a in ages) >= 20 and sum(a >= 70 for a in ages) >= 2
    assert sum(18 <= a < 60 for a in ages) > 0.9 * len(ages)


def test_each_person_is_published_in_recorded_order_without_faults(people):
    for events in people.values():
        recorded = [when(e, "recorded_at") for e in events]
        assert recorded == sorted(recorded)
        assert all(when(e, "recorded_at") >= when(e) for e in events)
        assert all(when(e, "recorded_at") - when(e) < dt.timedelta(days=14) for e in events)


def test_work_release_only_from_mops_prisons_with_a_site(people):
    sites = {
        s["site_id"]: e["payload"]
        for e in run(2_000)
        if e["event_type"] == "facility.registered"
        for s in e["payload"].get("work_sites", [])
    }
    placed = 0
    for events in people.values():
        for event in events:
            if event["event_type"] == "work_release.placed":
                placed += 1
                facility = sites[event["payload"]["site_id"]]
                assert facility["agency"] == "MoPS" and facility["kind"] == "prison"
                assert event["source"]["id"] == facility["facility_id"]
    assert placed > 0


def test_amnesty_grants_are_proposed_first_and_released_that_day(people):
    granted = Counter()
    for events in people.values():
        for event in events:
            if event["event_type"] != "amnesty.granted":
                continue
            round_id = event["payload"]["round_id"]
            granted[round_id] += 1
            proposals = [
                e for e in events
                if e["event_type"] == "amnesty.proposed" and e["payload"]["round_id"] == round_id
            ]  # fmt: skip
            assert proposals and when(proposals[0]) < when(event)
            release = first(events, "person.released")["payload"]
            assert release == {"date": event["payload"]["effective_date"], "reason": "amnesty"}
    # National rates scaled to 2,000 inmates: 8,056 and 13,920 of ~197,000.
    assert 60 <= granted["2025-1"] <= 105
    assert 110 <= granted["2025-2"] <= 175


def test_sentence_mix_is_realistic():
    sentences = [e["payload"] for e in run(2_000) if e["event_type"] == "sentence.imposed"]
    lives = sum(1 for s in sentences if s.get("life"))
    assert lives >= 1
    terms = [s["term_months"] for s in sentences if "term_months" in s]
    assert sum(12 <= t <= 60 for t in terms) > sum(60 < t <= 180 for t in terms)
    assert sum(60 < t <= 180 for t in terms) > sum(180 < t for t in terms) > 0
    categories = Counter(ref.category_of(s["offences"][0]["article"]) for s in sentences)
    top_two = {c for c, _ in categories.most_common(2)}
    assert top_two == {"drugs", "property"}
    assert 0 < categories["corruption"] < 0.1 * len(sentences)
    corrupt = [s for s in sentences if s.get("corruption")]
    assert corrupt and all(any(353 <= o["article"] <= 359 for o in s["offences"]) for s in corrupt)


# --- at liberty before serving, reviews, roles, discharges --------------------------------------


def _term(sentence: dict) -> int | None:
    return None if sentence.get("life") else sentence["term_months"]


def test_bail_for_a_minority_of_lighter_sentences_before_the_judgment(people):
    """ref.BAIL_SHARE_BY_TERM: 12 % up to 3 years, 4 % up to 7, none longer or for life."""
    bailed, by_band = 0, Counter()
    totals = Counter()
    for events in people.values():
        sentence = first(events, "sentence.imposed")["payload"]
        term = _term(sentence)
        band = (
            "life"
            if term is None
            else "up_to_3y"
            if term <= 36
            else ("up_to_7y" if term <= 84 else "longer")
        )
        totals[band] += 1
        grants = [e for e in events if e["event_type"] == "bail.granted"]
        if not grants:
            continue
        bailed += 1
        by_band[band] += 1
        assert len(grants) == 1
        start = day(grants[0]["payload"]["start_date"])
        assert day(sentence["arrest_date"]) < start < day(sentence["judgment_date"])
        assert grants[0]["payload"]["case_id"] == sentence["case_id"]
    assert 0.08 <= by_band["up_to_3y"] / totals["up_to_3y"] <= 0.16
    assert 0.01 <= by_band["up_to_7y"] / totals["up_to_7y"] <= 0.08
    assert by_band["longer"] == by_band["life"] == 0
    assert 0.03 <= bailed / len(people) <= 0.09  # "a minority"


def test_postponement_for_some_on_bail_on_the_grounds_of_article_67(people):
    """ref.POSTPONEMENT_SHARE_OF_BAILED (10 %); pregnancy only for women, public duty only
    for sentences up to 3 years; serving starts after the postponement ends."""
    bailed = postponed = 0
    for events in people.values():
        kinds = {e["event_type"] for e in events}
        bailed += "bail.granted" in kinds
        if "sentence.postponed" not in kinds:
            continue
        postponed += 1
        assert "bail.granted" in kinds  # only a convict at liberty is postponed
        payload = first(events, "sentence.postponed")["payload"]
        sentence = first(events, "sentence.imposed")["payload"]
        admitted = first(events, "person.admitted")["payload"]
        ended = day(first(events, "sentence.postponement_ended")["payload"]["date"])
        assert day(sentence["judgment_date"]) < day(payload["start_date"]) < ended
        assert ended < day(admitted["date"])
        if payload["reason"] == "pregnant_or_child_under_36m":
            assert admitted["sex"] == "F"
        if payload["reason"] == "public_duty":
            assert _term(sentence) is not None and _term(sentence) <= 36
        bail_end = first(events, "bail.ended")["payload"]["date"]
        assert bail_end == payload["start_date"]  # bail runs until the postponement
    assert postponed >= 3
    assert 0.03 <= postponed / bailed <= 0.2


def test_days_at_liberty_push_the_end_of_term_back(people):
    """Bail and postponement do not count as served: an unreduced, unsuspended term served
    to its end ends the days at liberty later than arrest + term."""
    checked = 0
    for events in people.values():
        kinds = {e["event_type"] for e in events}
        release = next((e for e in events if e["event_type"] == "person.released"), None)
        if "bail.granted" not in kinds or release is None:
            continue
        if release["payload"]["reason"] != "end_of_term" or kinds & {
            "sentence.reduced",
            "sentence.amended",
            "sentence.suspended",
        }:
            continue
        sentence = first(events, "sentence.imposed")["payload"]
        admitted = day(first(events, "person.admitted")["payload"]["date"])
        start = day(first(events, "bail.granted")["payload"]["start_date"])
        ends = [day(e["payload"]["date"]) for e in events if e["event_type"] == "bail.ended"]
        liberty = ((ends[0] if ends else admitted) - start).days
        if "sentence.postponed" in kinds:
            postponed = day(first(events, "sentence.postponed")["payload"]["start_date"])
            ended = day(first(events, "sentence.postponement_ended")["payload"]["date"])
            liberty += (ended - postponed).days
        term_days = round(sentence["term_months"] * ref.DAYS_PER_MONTH)
        expected = day(sentence["arrest_date"]) + dt.timedelta(days=term_days + liberty)
        assert day(release["payload"]["date"]) == expected
        checked += 1
    assert checked >= 5


@cache
def _large_run() -> tuple[dict, ...]:
    return run(12_000)


def test_review_directions_appear_at_their_rates():
    """ref.REVIEW_DIRECTIONS: lighter 45 %, heavier 35 %, other 10 %, not sent 10 %; the
    closing event never carries a direction."""
    opened = [e["payload"] for e in _large_run() if e["event_type"] == "case.review_opened"]
    closed = [e["payload"] for e in _large_run() if e["event_type"] == "case.review_closed"]
    directions = Counter(p.get("direction") for p in opened)
    assert len(opened) >= 40
    assert directions["lighter"] > directions["other"] and directions["heavier"] > 0.15 * len(
        opened
    )
    assert 0 < directions[None] < 0.3 * len(opened)  # old-style events stay in the stream
    assert all("direction" not in p for p in closed)


def test_offence_roles_of_joint_crimes_and_no_organiser_of_a_grave_crime_on_work_release():
    """ref.JOINT_CRIME_SHARE (25 %) and ref.OFFENCE_ROLES (organiser 20 % of those);
    Resolution 54/2022 excludes the organiser of a particularly serious crime."""
    events = _large_run()
    sentences = [e["payload"] for e in events if e["event_type"] == "sentence.imposed"]
    roles = Counter(s["offences"][0].get("role") for s in sentences)
    joint = len(sentences) - roles[None]
    assert 0.21 <= joint / len(sentences) <= 0.29
    assert 0.15 <= roles["organiser"] / joint <= 0.25
    assert all("role" not in o for s in sentences for o in s["offences"][1:])
    excluded = set()
    for event in events:
        if event["event_type"] == "sentence.imposed":
            main = event["payload"]["offences"][0]
            grave = ref.particularly_serious(main["article"], main.get("clause"))
            if main.get("role") == "organiser" and grave is not False:
                excluded.add(event["person_id"])
    placed = {e["person_id"] for e in events if e["event_type"] == "work_release.placed"}
    assert excluded and placed and not excluded & placed


def test_obligations_discharged_only_when_unpaid_and_waived_only_by_a_creditor(people):
    """ref.CREDITOR_WAIVER_SHARE (8 % of unpaid compensation, not corruption) and
    ref.ENFORCEMENT_TERMINATED_SHARE (2 % of any unpaid obligation): dated after the last
    payment towards that obligation, while part of it is still owed."""
    discharged = Counter()
    for events in people.values():
        sentence = first(events, "sentence.imposed")["payload"]
        for event in events:
            if event["event_type"] != "obligation.discharged":
                continue
            payload = event["payload"]
            discharged[payload["reason"]] += 1
            kind, on = payload["kind"], day(payload["date"])
            paid = [
                e["payload"] for e in events
                if e["event_type"] == "obligation.paid" and e["payload"]["kind"] == kind
            ]  # fmt: skip
            assert all(day(p["date"]) <= on for p in paid)
            assert sum(p["amount_vnd"] for p in paid) < sentence[f"{kind}_vnd"]
            if payload["reason"] == "creditor_waived":
                assert kind == "compensation" and not sentence.get("corruption")
    assert discharged["creditor_waived"] >= 10 and discharged["enforcement_terminated"] >= 3


# --- faults ---------------------------------------------------------------------------------------


def test_duplicate_rate_repeats_about_that_share_of_event_ids():
    config = SimulationConfig(inmates=500, duplicate_rate=0.1)
    events = list(simulate(config))
    counts = Counter(e["event_id"] for e in events)
    repeats = sum(n - 1 for n in counts.values())
    assert 0.08 <= repeats / len(counts) <= 0.12
    copies = defaultdict(list)
    for event in events:
        copies[event["event_id"]].append(event)
    assert all(c[0] == c[-1] for c in copies.values())  # exact copies


def test_late_events_are_recorded_weeks_later_and_published_later():
    events = list(simulate(SimulationConfig(inmates=500, late_rate=0.05)))
    lag = [when(e, "recorded_at") - when(e) for e in events]
    late = [i for i, d in enumerate(lag) if d > dt.timedelta(days=14)]
    assert 0.03 * len(events) <= len(late) <= 0.07 * len(events)
    last_on_time = {}
    late_set = set(late)
    for index, event in enumerate(events):
        if "person_id" in event and index not in late_set:
            last_on_time[event["person_id"]] = index
    for index in late:
        assert index > last_on_time[events[index]["person_id"]]
    # Late events are still recorded by as_of, so a run as of that day sees them.
    assert max(when(events[i], "recorded_at") for i in late).date() <= dt.date(2025, 11, 30)


def test_out_of_order_publishes_some_events_after_later_ones():
    events = list(simulate(SimulationConfig(inmates=300, out_of_order_rate=0.05)))
    shuffled = [
        person
        for person, mine in by_person(events).items()
        if [when(e) for e in mine] != sorted(when(e) for e in mine)
    ]
    assert shuffled
    in_order = by_person(run(300))
    assert all([when(e) for e in m] == sorted(when(e) for e in m) for m in in_order.values())


# --- seeds and helpers ----------------------------------------------------------------------------


def test_province_seed_has_the_34_provinces_of_the_simulator():
    with (SEEDS / "provinces.csv").open(encoding="utf-8") as seed:
        rows = list(csv.DictReader(seed))
    assert len(rows) == 34 == len(ref.PROVINCES)
    assert [r["name_vi"] for r in rows] == [p.name_vi for p in ref.PROVINCES]
    for row, province in zip(rows, ref.PROVINCES, strict=True):
        assert row["province_code"] == province.code
        assert row["cccd_codes"].split("|") == list(province.cccd_codes)
        assert (row["merged"] == "true") == province.merged
    codes = [c for r in rows for c in r["cccd_codes"].split("|")]
    assert len(codes) == len(set(codes)) == 63
    by_name = {r["name_vi"]: r for r in rows}
    assert by_name["Hà Nội"]["cccd_codes"] == "001"
    assert by_name["TP Hồ Chí Minh"]["cccd_codes"] == "079|074|077"
    assert sum(r["merged"] == "true" for r in rows) == 23


def test_penal_code_seed_covers_the_simulated_and_named_articles():
    with (SEEDS / "penal_code_articles.csv").open(encoding="utf-8") as seed:
        rows = {int(r["article"]): r for r in csv.DictReader(seed)}
    named_in_domain = {*range(108, 126), *range(123, 157), 168, 169, 171, 172, 173, 174, 141}
    named_in_domain |= {142, 248, 251, 252, 299, 304, *range(421, 426)}
    assert named_in_domain | set(ref.OFFENCE_MIX) <= set(rows)
    for article, row in rows.items():
        assert row["category"] == ref.category_of(article), article
    assert rows[115]["chapter"] == "XIII" and rows[134]["chapter"] == "XIV"
    assert rows[251]["category"] == "drugs" and rows[354]["category"] == "corruption"
    assert rows[173]["title_vi"] == "Tội trộm cắp tài sản"
    # Penal Code 2015: Art. 119 is obstructing a detention facility, Art. 121 fleeing abroad
    assert rows[119]["title_vi"] == "Tội chống phá cơ sở giam giữ"
    assert rows[121]["title_vi"] == (
        "Tội trốn đi nước ngoài hoặc trốn ở lại nước ngoài nhằm chống chính quyền nhân dân"
    )


def test_penal_code_seed_seriousness_follows_article_9():
    """Art. 9: particularly serious = a frame with a maximum over 15 years, life or death;
    the class is that of the heaviest frame, and the listed clauses are the frames that are."""
    with (SEEDS / "penal_code_articles.csv").open(encoding="utf-8") as seed:
        rows = {int(r["article"]): r for r in csv.DictReader(seed)}
    classes = {"less_serious": 3, "serious": 7, "very_serious": 15}
    for article, row in rows.items():
        clauses, kind, top = (
            row["particularly_serious_clauses"],
            row["seriousness_class"],
            row["max_penalty"],
        )
        if kind == "particularly_serious":
            assert top in ("life", "death") or int(top) > 15, article
            assert clauses and clauses != "verify", article
        elif kind in classes:
            assert int(top) <= classes[kind] and clauses == "", article
        else:
            assert kind in ("verify", "not_applicable"), article
    assert rows[173]["particularly_serious_clauses"] == "4"  # theft: 12-20 years
    assert rows[251]["particularly_serious_clauses"] == "3|4"
    assert rows[123]["particularly_serious_clauses"] == "1"  # murder: clause 2 is 7-15 years
    assert ref.particularly_serious(173, 1) is False and ref.particularly_serious(173, 4)
    assert ref.particularly_serious(173, None) is None  # no clause: cannot tell
    assert ref.particularly_serious(999, 1) is None  # not in the catalogue
    # the articles the simulator draws most are all classified
    common = [a for a, (weight, _) in ref.OFFENCE_MIX.items() if weight >= 0.5]
    assert all(rows[a]["seriousness_class"] != "verify" for a in common)


def test_write_jsonl_writes_compact_utf8_lines(tmp_path):
    events = run(20)
    path = tmp_path / "events.jsonl"
    assert write_jsonl(iter(events), path) == len(events)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines() == lines(events)
    assert "Nguyễn" in text or "Trần" in text or "ị" in text
    assert summarise(events)["person.admitted"] == 20
    assert sum(summarise(events).values()) == len(events)
