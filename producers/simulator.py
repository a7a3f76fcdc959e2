"""Seeded simulator of the court, facility and reference events of MoPS/MND prisons.

`simulate(config)` yields envelope dicts (docs/contracts.md) in publish order: reference events
first (facilities, amnesty rounds), then each person's story, one person at a time, so a run
of 200,000 inmates streams in constant memory. Everything random comes from one
`random.Random(seed)`, event ids included, and nothing reads the clock: the same config gives
byte-identical output.

Each person's story is planned first (sentence, admission, quarterly grades, reductions,
obligations, amnesty, release, ...) and then published in recorded order. Optional faults make
the stream realistic for the ingest: late events (recorded weeks later and published later),
out-of-order events within a person, and exact duplicates published again later.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import heapq
import itertools
import json
import random
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from clemency.contracts.envelope import envelope
from producers import reference_data as ref

VN = dt.timezone(dt.timedelta(hours=7))
MAX_INMATES = 500_000
EARLIEST_AS_OF = dt.date(2010, 1, 1)
LATEST_AS_OF = dt.date(2099, 12, 31)

LATE_MIN_DAYS, LATE_MAX_DAYS = 15, 180
LATE_DELAY_PEOPLE = 200  # a late event is published up to this many people later
DUPLICATE_DELAY_PEOPLE = 20
REFERENCE_SINCE = dt.datetime(2020, 1, 1, 8, 0, tzinfo=VN)
# Reduction and parole reviews: courts sit around these days each year (month, day).
REVIEW_SESSIONS = ((4, 20), (8, 25), (12, 20))

T = TypeVar("T")
_GRADING_DELAYS = tuple(dt.timedelta(days=d) for d in range(10))  # grades come 0-9 days late


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate; every field is validated (ValueError says which and why)."""

    inmates: int
    seed: int = 7
    as_of: dt.date = dt.date(2025, 11, 30)
    duplicate_rate: float = 0.0
    late_rate: float = 0.0
    out_of_order_rate: float = 0.0

    def __post_init__(self) -> None:
        if type(self.inmates) is not int or not 1 <= self.inmates <= MAX_INMATES:
            raise ValueError(f"inmates must be an integer from 1 to {MAX_INMATES:,}")
        if type(self.seed) is not int:
            raise ValueError("seed must be an integer")
        if type(self.as_of) is not dt.date:
            raise ValueError("as_of must be a datetime.date (not a datetime or string)")
        if not EARLIEST_AS_OF <= self.as_of <= LATEST_AS_OF:
            raise ValueError(f"as_of must be between {EARLIEST_AS_OF} and {LATEST_AS_OF}")
        for name in ("duplicate_rate", "late_rate", "out_of_order_rate"):
            rate = getattr(self, name)
            if isinstance(rate, bool) or not isinstance(rate, int | float):
                raise ValueError(f"{name} must be a number between 0 and 1")
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")


@dataclass(frozen=True)
class Facility:
    facility_id: str
    name: str
    kind: str  # prison | detention_centre
    agency: str  # MoPS | MND
    province: ref.Province
    capacity: int
    work_sites: tuple[tuple[str, float], ...]
    number: int  # two digits in the inmate numbers of foreigners, e.g. TG-07-000123
    vietnamese_grades: bool  # this facility's system sends "tốt" rather than "tot"

    @property
    def inmate_prefix(self) -> str:
        if self.agency == "MND":
            return "QD"
        return "TG" if self.kind == "prison" else "TTG"

    def near_sites(self) -> list[str]:
        return [s for s, km in self.work_sites if km <= ref.WORK_RELEASE_MAX_DISTANCE_KM]


# --- small helpers ----------------------------------------------------------------------------


class _Weighted(Generic[T]):
    """Draw from weighted items with one rng.random() call (faster than rng.choices)."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> T:
        index = bisect.bisect_right(self.cumulative, rng.random() * self.total)
        return self.items[min(index, len(self.items) - 1)]


def _randint(rng: random.Random, low: int, high: int) -> int:
    """Like rng.randint(low, high), three times faster (this is the hot path)."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    """Like rng.choice(items), faster."""
    return items[int(rng.random() * len(items))]


def _days(n: float) -> dt.timedelta:
    return dt.timedelta(days=round(n))


def _months_to_days(months: float) -> int:
    return round(months * ref.DAYS_PER_MONTH)


def _between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end] (start when end is earlier)."""
    span = (end - start).days
    return start if span <= 0 else start + dt.timedelta(days=int(rng.random() * (span + 1)))


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN)


def _office_hours(rng: random.Random, day: dt.date) -> dt.datetime:
    minute = int(rng.random() * 540)  # 08:00 to 16:59
    return dt.datetime(day.year, day.month, day.day, 8 + minute // 60, minute % 60, tzinfo=VN)


def _quarter(day: dt.date) -> int:
    return day.year * 4 + (day.month - 1) // 3


@cache
def _quarter_start(quarter: int) -> dt.date:
    return dt.date(quarter // 4, (quarter % 4) * 3 + 1, 1)


@cache
def _quarter_label(quarter: int) -> str:
    return f"{quarter // 4}-Q{quarter % 4 + 1}"


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# --- reference data: facilities and amnesty rounds --------------------------------------------


def build_facilities(rng: random.Random, inmates: int) -> list[Facility]:
    """Facilities scaled to the run: 53 MoPS prisons from ~50,000 inmates, at least 6 in all."""
    scale = inmates / ref.NATIONAL_SCALE_FROM
    prisons = min(ref.MOPS_PRISONS, max(4, round(ref.MOPS_PRISONS * scale)))
    centres = min(ref.MOPS_DETENTION_CENTRES, max(1, round(ref.MOPS_DETENTION_CENTRES * scale)))
    military = min(ref.MND_PRISONS, max(1, round(ref.MND_PRISONS * scale)))

    names = ref.MOPS_PRISON_NAMES[: ref.MOPS_PRISONS]
    chosen = sorted(rng.sample(range(len(names)), prisons))
    specs = [(f"Trại giam {names[i][0]}", names[i][1], "prison", "MoPS") for i in chosen]
    for province in rng.sample(ref.PROVINCES, centres):
        name = f"Trại tạm giam Công an {province.name_vi}"
        specs.append((name, province.code, "detention_centre", "MoPS"))
    for name, code in ref.MND_PRISON_NAMES[:military]:
        specs.append((name, code, "prison", "MND"))

    weights = [rng.uniform(*ref.CAPACITY_WEIGHT[_capacity_class(s[2], s[3])]) for s in specs]
    total_capacity = inmates * ref.CAPACITY_HEADROOM
    with_sites = set(
        rng.sample(range(prisons), max(1, round(prisons * ref.WORK_SITE_PRISON_SHARE)))
    )

    facilities: list[Facility] = []
    per_prefix: Counter[tuple[str, str]] = Counter()
    for index, ((name, code, kind, agency), weight) in enumerate(zip(specs, weights, strict=True)):
        prefix = {"MND": "TGQD"}.get(agency, "TG" if kind == "prison" else "TTG")
        per_prefix[(prefix, code)] += 1
        suffix = f"{code}-{per_prefix[(prefix, code)]:02d}"
        sites = _work_sites(rng, suffix) if index in with_sites else ()
        facilities.append(
            Facility(
                facility_id=f"{prefix}-{suffix}",
                name=name,
                kind=kind,
                agency=agency,
                province=ref.PROVINCE_BY_CODE[code],
                capacity=max(1, round(total_capacity * weight / sum(weights))),
                work_sites=sites,
                number=index + 1,
                vietnamese_grades=rng.random() < ref.VIETNAMESE_GRADE_FACILITY_SHARE,
            )
        )
    return _with_a_distant_site(rng, facilities)


def _capacity_class(kind: str, agency: str) -> str:
    return "mnd" if agency == "MND" else kind


def _work_sites(rng: random.Random, suffix: str) -> tuple[tuple[str, float], ...]:
    low, high = ref.WORK_SITE_DISTANCE_KM
    count = rng.choice((1, 1, 2, 3))
    # The first site is usually within the 50 km limit, so most site prisons can place people.
    first = rng.uniform(low, ref.WORK_RELEASE_MAX_DISTANCE_KM) if rng.random() < 0.8 else None
    sites = []
    for k in range(1, count + 1):
        km = first if k == 1 and first is not None else rng.uniform(low, high)
        sites.append((f"WS-{suffix}-{k}", round(km, 1)))
    return tuple(sites)


def _with_a_distant_site(rng: random.Random, facilities: list[Facility]) -> list[Facility]:
    """Make sure at least one work site lies beyond 50 km, so the distance rule is exercised."""
    if any(km > ref.WORK_RELEASE_MAX_DISTANCE_KM for f in facilities for _, km in f.work_sites):
        return facilities
    index = next(i for i, f in enumerate(facilities) if f.work_sites)
    chosen = facilities[index]
    site_id = f"WS-{chosen.facility_id.split('-', 1)[1]}-{len(chosen.work_sites) + 1}"
    far = (site_id, round(rng.uniform(55.0, ref.WORK_SITE_DISTANCE_KM[1]), 1))
    facilities[index] = Facility(**{**chosen.__dict__, "work_sites": (*chosen.work_sites, far)})
    return facilities


def _event_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _reference_events(
    rng: random.Random, facilities: list[Facility], as_of: dt.date
) -> Iterator[dict[str, Any]]:
    for offset, facility in enumerate(facilities):
        payload: dict[str, Any] = {
            "facility_id": facility.facility_id,
            "name": facility.name,
            "kind": facility.kind,
            "agency": facility.agency,
            "province": facility.province.name_vi,
            "capacity": facility.capacity,
        }
        if facility.work_sites:
            payload["work_sites"] = [
                {"site_id": site, "distance_km": km} for site, km in facility.work_sites
            ]
        occurred = REFERENCE_SINCE + dt.timedelta(minutes=offset)
        registry = "BCA-C10" if facility.agency == "MoPS" else "BQP-CUC-THA"
        yield envelope(
            "facility.registered",
            payload,
            event_id=_event_id(rng),
            occurred_at=occurred,
            recorded_at=occurred + dt.timedelta(hours=1),
            source_id=registry,
        )
    for round_ in ref.AMNESTY_ROUNDS:
        if round_.signed_date > as_of:
            continue
        occurred = _at(round_.signed_date, 17)
        yield envelope(
            "amnesty_round.declared",
            {
                "round_id": round_.round_id,
                "decision_no": round_.decision_no,
                "signed_date": round_.signed_date.isoformat(),
                "cutoff_date": round_.cutoff_date.isoformat(),
                "rule_version": round_.rule_version,
            },
            event_id=_event_id(rng),
            occurred_at=occurred,
            recorded_at=occurred + dt.timedelta(hours=2),
            source_id="VPCTN",
        )


# --- one person -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Planned:
    """One event of a person's story before it gets its envelope."""

    at: dt.datetime
    kind: str
    payload: dict[str, Any]
    court: bool
    on_release_day: bool = False  # a cause of the release (grant, quash), kept on that day


@dataclass
class _Person:
    person_id: str
    foreign: bool
    sex: str
    birth: dt.date
    disposition: str
    facility: Facility
    prior_convictions: int
    dangerous_recidivist: bool
    case_id: str
    court_id: str
    articles: frozenset[int]
    owed: dict[str, int]
    corruption: bool
    arrest: dt.date
    judgment: dt.date
    admission: dt.date
    term_months: int | None  # None while a life sentence is not reduced to a term
    life: bool
    nationality: str = "VN"
    reduced_months: int = 0
    suspended: tuple[dt.date, dt.date] | None = None
    # At liberty before serving (bail, then maybe a postponement): spans that do not count.
    liberty: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    review: tuple[dt.date, dt.date] | None = None  # cassation or reopening, open..close
    review_direction: str | None = None  # what it seeks; None when not sent
    organiser_ps: bool = False  # organiser of a (possibly) particularly serious crime
    prosecutions: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    # Behaviour grades in quarter order: the quarter, its grade code and the day it was given.
    grade_quarters: list[int] = field(default_factory=list)
    grade_codes: list[str] = field(default_factory=list)
    grade_dates: list[dt.date] = field(default_factory=list)
    discipline_days: list[dt.date] = field(default_factory=list)
    payments: list[tuple[dt.date, str, int]] = field(default_factory=list)
    hardship: dt.date | None = None
    discharged: dict[str, dt.date] = field(default_factory=dict)  # kind -> terminated/waived
    escaped: bool = False
    early_release: tuple[dt.date, str] | None = None  # parole, quash or amnesty
    fit_and_healthy: bool = True  # as last assessed
    released_on: dt.date | None = None
    moved: tuple[dt.date, Facility] | None = None  # the one transfer, if any
    events: list[_Planned] = field(default_factory=list)

    def term_end(self) -> dt.date | None:
        """End of the term as it now stands; None for an unreduced life sentence."""
        if self.term_months is None:
            return None
        months = self.term_months - self.reduced_months
        extra = (self.suspended[1] - self.suspended[0]).days if self.suspended else 0
        extra += self.liberty_days()
        return self.arrest + dt.timedelta(days=_months_to_days(months) + extra)

    def liberty_days(self) -> int:
        """Days on bail or a postponement of serving (they do not count as served)."""
        return sum((end - start).days for start, end in self.liberty)

    def fixed_term_months(self) -> int:
        """`term_months` of someone known to serve a term (not an unreduced life sentence)."""
        if self.term_months is None:
            raise ValueError(f"{self.person_id} serves a life sentence not reduced to a term")
        return self.term_months

    def fixed_term_end(self) -> dt.date:
        """`term_end()` of someone known to serve a term (not an unreduced life sentence)."""
        end = self.term_end()
        if end is None:
            raise ValueError(f"{self.person_id} serves a life sentence not reduced to a term")
        return end

    def release(self) -> tuple[dt.date, str] | None:
        end = self.term_end()
        natural = (end, "end_of_term") if end is not None else None
        candidates = [c for c in (natural, self.early_release) if c is not None]
        return min(candidates) if candidates else None

    def suspended_on(self, day: dt.date) -> bool:
        return self.suspended is not None and self.suspended[0] <= day < self.suspended[1]

    def served_days(self, on: dt.date) -> int:
        days = (on - self.arrest).days
        for start, end in [*self.liberty, *([self.suspended] if self.suspended else [])]:
            if start < on:
                days -= (min(on, end) - start).days
        return days

    def review_bars(self, on: dt.date) -> bool:
        """A pending review bars amnesty when it seeks a heavier liability or does not say."""
        return _pending([self.review], on) and self.review_direction in ("heavier", None)

    def add(
        self, at: dt.datetime, kind: str, payload: dict[str, Any], *, court: bool = False
    ) -> None:
        self.events.append(_Planned(at, kind, payload, court))


class _Population:
    """Everything shared between people: facilities, id registries, amnesty quotas."""

    def __init__(self, rng: random.Random, config: SimulationConfig) -> None:
        self.rng = rng
        self.config = config
        self.facilities = build_facilities(rng, config.inmates)
        self.by_capacity = _Weighted(self.facilities, [f.capacity for f in self.facilities])
        self.offences = _Weighted(list(ref.OFFENCE_MIX), [w for w, _ in ref.OFFENCE_MIX.values()])
        self.provinces = _Weighted(
            ref.PROVINCES, [ref.PROVINCE_POPULATION_M[p.code] for p in ref.PROVINCES]
        )
        self.ages = _Weighted(
            [(lo, hi) for _, lo, hi in ref.AGE_AT_ARREST], [w for w, _, _ in ref.AGE_AT_ARREST]
        )
        self.priors = _Weighted(
            list(ref.PRIOR_CONVICTIONS_WEIGHTS), list(ref.PRIOR_CONVICTIONS_WEIGHTS.values())
        )
        self.dispositions = _Weighted(
            list(ref.DISPOSITIONS), [share for share, _ in ref.DISPOSITIONS.values()]
        )
        self.nationalities = _Weighted(
            list(ref.FOREIGN_NATIONALITY_WEIGHTS), list(ref.FOREIGN_NATIONALITY_WEIGHTS.values())
        )
        self.grade_mix = {
            name: _Weighted(ref.GRADES, mix) for name, (_, mix) in ref.DISPOSITIONS.items()
        }
        self.issued_ids: set[str] = set()
        self.case_numbers: Counter[tuple[str, int]] = Counter()
        self.inmate_numbers: Counter[str] = Counter()
        self.seen = 0
        self.granted: Counter[str] = Counter()

    def same_agency(self, facility: Facility) -> list[Facility]:
        return [f for f in self.facilities if f.agency == facility.agency and f is not facility]

    def new_case_id(self, court_code: str, year: int) -> str:
        self.case_numbers[(court_code, year)] += 1
        return f"HS-{year}-{court_code}-{self.case_numbers[(court_code, year)]:05d}"


def _draw_sentence(pop: _Population) -> tuple[list[dict[str, Any]], int | None]:
    """Offences with clause (and point) and the term in months, or None for life."""
    rng = pop.rng
    article = pop.offences.draw(rng)
    offences: list[dict[str, Any]] = [{"article": article}]
    months = None
    clause_band = _band(rng, ref.SENTENCE_PROFILES[ref.OFFENCE_MIX[article][1]])
    offences[0]["clause"] = clause_band[0]
    _, low, high, _, life_share = clause_band
    if not (life_share and rng.random() < life_share):
        months = _months_in(rng, low, high)
    if rng.random() < ref.SECOND_OFFENCE_SHARE:
        companions = ref.COMPANION_OFFENCES.get(article) or (pop.offences.draw(rng),)
        second = _pick(rng, companions)
        if second != article:
            offences.append({"article": second, "clause": 1})
            if months is not None:
                months = min(ref.MAX_AGGREGATED_TERM_MONTHS, months + _randint(rng, 6, 36))
    return offences, months


def _band(rng: random.Random, bands: Sequence[ref.Band]) -> ref.Band:
    pick = rng.random() * sum(b[3] for b in bands)
    for band in bands:
        pick -= band[3]
        if pick <= 0:
            return band
    return bands[-1]


def _months_in(rng: random.Random, low: int, high: int) -> int:
    # Skewed to the low end of the band, as courts mostly sentence near the minimum.
    months = low + (high - low) * rng.random() ** 1.6
    return max(1, int(months) if months < 12 else 3 * round(months / 3))


def _points(rng: random.Random, offences: list[dict[str, Any]]) -> None:
    for offence in offences:
        if offence["clause"] >= 2 and rng.random() < 0.6:
            offence["point"] = _pick(rng, "abcdđe")


def _role(rng: random.Random, offences: list[dict[str, Any]]) -> bool:
    """A share of cases are joint crimes: the main offence gets the person's role (Penal Code
    Art. 17). True for the organiser of a crime that is, or may be, particularly serious
    (Art. 9; the catalogue seed says which clauses), whom work release excludes."""
    if rng.random() >= ref.JOINT_CRIME_SHARE:
        return False
    main = offences[0]
    main["role"] = _ROLES.draw(rng)
    seriousness = ref.particularly_serious(main["article"], main.get("clause"))
    return main["role"] == "organiser" and seriousness is not False


@dataclass(frozen=True)
class _Story:
    """The dates of a person's story before the sentence is served."""

    sex: str
    birth: dt.date
    arrest: dt.date
    judgment: dt.date
    admission: dt.date


@dataclass(frozen=True)
class _Liberty:
    """Bail before the judgment took effect, then maybe a postponement of serving."""

    story: _Story  # with the admission after the postponement
    bail: tuple[dt.date, dt.date]
    measure: str | None
    bail_ended_sent: bool  # False: custody resumed at the admission, no bail.ended sent
    postponed: tuple[dt.date, dt.date] | None = None
    ground: str | None = None

    def shifted(self, by: dt.timedelta) -> _Liberty:
        s = self.story
        story = _Story(s.sex, s.birth - by, s.arrest - by, s.judgment - by, s.admission - by)
        bail = (self.bail[0] - by, self.bail[1] - by)
        postponed = (self.postponed[0] - by, self.postponed[1] - by) if self.postponed else None
        return _Liberty(story, bail, self.measure, self.bail_ended_sent, postponed, self.ground)


def _bail_share(months: int | None, articles: Sequence[int]) -> float:
    if months is None or any(ref.category_of(a) in ref.BAIL_EXCLUDED_CATEGORIES for a in articles):
        return 0.0
    return next((share for top, share in ref.BAIL_SHARE_BY_TERM if months <= top), 0.0)


def _liberty(
    rng: random.Random, months: int | None, articles: Sequence[int], story: _Story
) -> _Liberty | None:
    """Bail for a minority of lighter cases (ref.BAIL_SHARE_BY_TERM) from a few days after
    the arrest; for some of them a postponement of serving after the judgment (Art. 67)."""
    share = _bail_share(months, articles)
    if not share or rng.random() >= share:
        return None
    pretrial = (story.judgment - story.arrest).days
    bail_start = story.arrest + _days(_randint(rng, 3, max(3, min(45, pretrial - 5))))
    measure = _BAIL_MEASURES.draw(rng) if rng.random() < 0.8 else None
    if rng.random() < ref.POSTPONEMENT_SHARE_OF_BAILED:
        ground = _postponement_ground(rng, months, story)
        _, low, high = ref.POSTPONEMENT_GROUNDS[ground]
        start = story.judgment + _days(_randint(rng, 15, 45))  # once the judgment takes effect
        end = start + _days(_randint(rng, low, high))
        admitted = _Story(
            story.sex, story.birth, story.arrest, story.judgment, end + _days(_randint(rng, 1, 10))
        )
        return _Liberty(admitted, (bail_start, start), measure, True, (start, end), ground)
    if rng.random() < 0.15:  # reported to the prison: no bail.ended, custody from admission
        return _Liberty(story, (bail_start, story.admission), measure, False)
    back = story.judgment + _days(_randint(rng, 0, (story.admission - story.judgment).days))
    return _Liberty(story, (bail_start, back), measure, True)


def _postponement_ground(rng: random.Random, months: int | None, story: _Story) -> str:
    grounds = dict(ref.POSTPONEMENT_GROUNDS)
    if not (story.sex == "F" and 18 <= _age(story.birth, story.judgment) <= 42):
        grounds.pop("pregnant_or_child_under_36m")
    if months is None or months > 36:  # Art. 67(1)(d): less serious crimes only
        grounds.pop("public_duty")
    return _Weighted(list(grounds), [w for w, _, _ in grounds.values()]).draw(rng)


def _liberty_events(rng: random.Random, person: _Person, liberty: _Liberty) -> None:
    case = {"case_id": person.case_id}
    start, end = liberty.bail
    person.liberty.append(liberty.bail)
    granted: dict[str, Any] = {**case, "start_date": start.isoformat()}
    if liberty.measure is not None:
        granted["measure"] = liberty.measure
    person.add(_office_hours(rng, start), "bail.granted", granted, court=True)
    if liberty.bail_ended_sent:
        person.add(_office_hours(rng, end), "bail.ended", {**case, "date": end.isoformat()},
                   court=True)  # fmt: skip
    if liberty.postponed is None or liberty.ground is None:
        return
    start, end = liberty.postponed
    person.liberty.append(liberty.postponed)
    postponed = {**case, "start_date": start.isoformat(), "reason": liberty.ground}
    if rng.random() < 0.7:
        postponed["end_date"] = end.isoformat()
    person.add(_office_hours(rng, start), "sentence.postponed", postponed, court=True)
    person.add(_office_hours(rng, end), "sentence.postponement_ended",
               {**case, "date": end.isoformat()}, court=True)  # fmt: skip


def _obligations(rng: random.Random, articles: Iterable[int]) -> dict[str, int]:
    category = ref.category_of(next(iter(articles)))
    fine_share, fines, comp_share, comps = ref.OBLIGATIONS.get(category, ref.OBLIGATIONS_DEFAULT)
    fine = _round_vnd(rng.uniform(*fines)) if rng.random() < fine_share else 0
    # Compensation is log-uniform: most amounts small, a few very large.
    low, high = comps
    comp = _round_vnd(low * (high / low) ** rng.random()) if rng.random() < comp_share else 0
    fee = ref.CRIMINAL_COURT_FEE_VND + _round_vnd(comp * ref.CIVIL_FEE_SHARE) * (comp > 0)
    return {"fine": fine, "court_fee": fee, "compensation": comp}


def _round_vnd(amount: float) -> int:
    return int(round(amount / 100_000) * 100_000) if amount >= 1_000_000 else int(amount)


def _person(pop: _Population) -> _Person:
    """Draw who the person is, the sentence and the dates around it."""
    rng, as_of = pop.rng, pop.config.as_of
    facility = pop.by_capacity.draw(rng)
    foreign = rng.random() < ref.FOREIGNER_SHARE
    offences, months = _draw_sentence(pop)
    _points(rng, offences)
    organiser_ps = _role(rng, offences)
    articles = [o["article"] for o in offences]

    # Stock sampling: on a reference day near as_of the person is part-way through the term.
    length_days = _months_to_days(months) if months else _randint(rng, 20, 25) * 365
    reference_day = as_of - _days(_randint(rng, 0, 300))
    arrest = reference_day - _days(rng.random() * length_days)
    pretrial = _randint(rng, 30, 365) if months is None else _randint(rng, 20, 365)
    pretrial = min(pretrial, max(20, int(0.4 * length_days)))
    judgment = arrest + _days(pretrial)
    admission = judgment + _days(_randint(rng, 15, max(15, min(60, int(0.2 * length_days)))))
    if admission >= as_of:  # keep the whole story before as_of
        shift = _days((admission - as_of).days + _randint(rng, 1, 120))
        arrest, judgment, admission = arrest - shift, judgment - shift, admission - shift

    sex = "F" if rng.random() < ref.FEMALE_SHARE else "M"
    low, high = pop.ages.draw(rng)
    birth = arrest - _days(rng.uniform(low, high) * 365.25)
    liberty = _liberty(rng, months, articles, _Story(sex, birth, arrest, judgment, admission))
    if liberty is not None and liberty.story.admission >= as_of:  # a postponement ran late
        liberty = liberty.shifted(
            _days((liberty.story.admission - as_of).days + _randint(rng, 1, 120))
        )
    if liberty is not None:
        birth, arrest, judgment, admission = (
            liberty.story.birth, liberty.story.arrest, liberty.story.judgment,
            liberty.story.admission,
        )  # fmt: skip
    residence = pop.provinces.draw(rng) if rng.random() < 0.97 else None
    court_province = residence or facility.province
    priors = pop.priors.draw(rng)
    person_id = _inmate_number(pop, facility) if foreign else _cccd(pop, residence, sex, birth)
    corruption = any(ref.category_of(a) == "corruption" for a in articles)
    nationality = pop.nationalities.draw(rng) if foreign else "VN"
    person = _Person(
        person_id=person_id,
        foreign=foreign,
        sex=sex,
        birth=birth,
        disposition=pop.dispositions.draw(rng),
        facility=facility,
        prior_convictions=priors,
        dangerous_recidivist=priors >= 2
        and rng.random() < ref.DANGEROUS_RECIDIVIST_SHARE_OF_REPEATERS,
        case_id=pop.new_case_id(court_province.code, judgment.year),
        court_id=f"TAND-{court_province.code}",
        articles=frozenset(articles),
        owed=_obligations(rng, articles),
        corruption=corruption,
        arrest=arrest,
        judgment=judgment,
        admission=admission,
        term_months=months,
        life=months is None,
        nationality=nationality,
        organiser_ps=organiser_ps,
    )
    sentence: dict[str, Any] = {
        "case_id": person.case_id,
        "court_id": person.court_id,
        "judgment_date": judgment.isoformat(),
        "arrest_date": arrest.isoformat(),
        "offences": offences,
        **({"life": True} if months is None else {"term_months": months}),
        "fine_vnd": person.owed["fine"],
        "court_fee_vnd": person.owed["court_fee"],
        "compensation_vnd": person.owed["compensation"],
    }
    if corruption:
        sentence["corruption"] = True
    person.add(_at(judgment, _randint(rng, 8, 11), _randint(rng, 0, 59)), "sentence.imposed",
               sentence, court=True)  # fmt: skip
    if liberty is not None:
        _liberty_events(rng, person, liberty)
    admitted = {
        "facility_id": facility.facility_id,
        "date": admission.isoformat(),
        "full_name": _foreign_name(rng, nationality) if foreign else _vietnamese_name(rng, sex),
        "birth_date": birth.isoformat(),
        "sex": sex,
        "nationality": nationality,
        **({"residence_province": residence.name_vi} if residence and not foreign else {}),
        "prior_convictions": priors,
        "dangerous_recidivist": person.dangerous_recidivist,
    }
    person.add(_at(admission, 10, _randint(rng, 0, 59)), "person.admitted", admitted)
    return person


def _cccd(pop: _Population, residence: ref.Province | None, sex: str, birth: dt.date) -> str:
    """12 digits: province of birth registration, century and sex, birth year, 6 random."""
    rng = pop.rng
    born_in = residence if residence is not None and rng.random() < 0.85 else None
    province = born_in or pop.provinces.draw(rng)
    century = (birth.year // 100 - 19) * 2 + (sex == "F")
    while True:
        candidate = (
            f"{_pick(rng, province.cccd_codes)}{century}{birth.year % 100:02d}"
            f"{int(rng.random() * 1_000_000):06d}"
        )
        if candidate not in pop.issued_ids:
            pop.issued_ids.add(candidate)
            return candidate


def _inmate_number(pop: _Population, facility: Facility) -> str:
    pop.inmate_numbers[facility.facility_id] += 1
    count = pop.inmate_numbers[facility.facility_id]
    return f"{facility.inmate_prefix}-{facility.number:02d}-{count:06d}"


def _vietnamese_name(rng: random.Random, sex: str) -> str:
    family = _FAMILY.draw(rng)
    middle = _pick(rng, ref.MIDDLE_NAMES[sex])
    given = _pick(rng, ref.GIVEN_NAMES[sex])
    if rng.random() < ref.DOUBLE_GIVEN_NAME_SHARE:
        first = _pick(rng, ref.GIVEN_NAMES[sex])
        if first != given:
            given = f"{first} {given}"
    return f"{family} {middle} {given}"


_FAMILY = _Weighted(list(ref.FAMILY_NAMES), list(ref.FAMILY_NAMES.values()))
_ROLES = _Weighted(list(ref.OFFENCE_ROLES), list(ref.OFFENCE_ROLES.values()))
_BAIL_MEASURES = _Weighted(list(ref.BAIL_MEASURES), list(ref.BAIL_MEASURES.values()))
_DIRECTIONS = _Weighted(list(ref.REVIEW_DIRECTIONS), list(ref.REVIEW_DIRECTIONS.values()))


def _foreign_name(rng: random.Random, nationality: str) -> str:
    families, givens = ref.FOREIGN_NAMES[nationality]
    family, given = _pick(rng, families), _pick(rng, givens)
    return f"{family} {given}" if nationality in ("CN", "KR", "TW") else f"{given} {family}"


# --- the story after admission ----------------------------------------------------------------

GOOD_GRADES = frozenset({"tot", "kha"})


def _horizon(pop: _Population, person: _Person) -> dt.date:
    """The last day the person can still be inside, as far as the story has gone."""
    end = person.term_end()
    return pop.config.as_of if end is None else min(pop.config.as_of, end - dt.timedelta(days=1))


def _health(pop: _Population, person: _Person) -> None:
    rng = pop.rng
    first = person.admission + _days(_randint(rng, 1, 10))
    aged = _age(person.birth, first) >= 60
    fit = rng.random() < (0.65 if aged else 0.95)
    infectious = rng.random() < 0.004
    _assess(rng, person, first, infectious, fit)
    if not fit or infectious:  # a follow-up; most recover
        recovered = rng.random() < 0.7
        later = first + _days(_randint(rng, 90, 365))
        _assess(rng, person, later, infectious and not recovered, fit or recovered)


def _assess(rng: random.Random, person: _Person, day: dt.date, infectious: bool, fit: bool) -> None:
    person.fit_and_healthy = fit and not infectious
    payload = {"date": day.isoformat(), "infectious_group_a": infectious, "fit_for_labour": fit}
    person.add(_office_hours(rng, day), "health.assessed", payload)


def _status(
    rng: random.Random,
    person: _Person,
    category: str,
    start: dt.date,
    end: dt.date | None,
    as_of: dt.date,
) -> None:
    """A special category from `start`; its end is given once it has passed by as_of."""
    payload = {"category": category, "start_date": start.isoformat()}
    if end is not None and end <= as_of:
        payload["end_date"] = end.isoformat()
    person.add(_office_hours(rng, start), "special_status.recorded", payload)


def _special_statuses(pop: _Population, person: _Person) -> None:
    """Special categories (shorter time served for amnesty); some lead to a suspension."""
    rng, as_of = pop.rng, pop.config.as_of
    start, horizon = person.admission + dt.timedelta(days=1), _horizon(pop, person)
    seventy = _add_years(person.birth, 70)
    if seventy <= horizon:
        _status(rng, person, "aged_70_plus", max(start, seventy), None, as_of)
    for category, share in (("merit", 0.003), ("sole_worker", 0.01), ("severe_disability", 0.005)):
        if rng.random() < share:
            _status(rng, person, category, _between(rng, start, horizon), None, as_of)
    if rng.random() < 0.01:
        _serious_illness(pop, person, start, horizon)
    if person.sex == "F" and 18 <= _age(person.birth, person.admission) <= 42:
        _motherhood(pop, person, start, horizon)
    if rng.random() < 0.001:
        _suspend(pop, person, _between(rng, start, horizon), _randint(rng, 60, 240))


def _serious_illness(pop: _Population, person: _Person, start: dt.date, horizon: dt.date) -> None:
    """A serious illness some day in [start, horizon]; it may suspend the sentence."""
    rng, as_of = pop.rng, pop.config.as_of
    ill = _between(rng, start, horizon)
    _status(rng, person, "serious_illness", ill, None, as_of)
    if rng.random() < 0.3:
        _suspend(pop, person, ill + _days(_randint(rng, 10, 60)), _randint(rng, 90, 365))


def _motherhood(pop: _Population, person: _Person, start: dt.date, horizon: dt.date) -> None:
    """For a woman of 18-42 at admission: a pregnancy (then a young child, maybe a
    suspension) or, less often, a child under 36 months from the start."""
    rng, as_of = pop.rng, pop.config.as_of
    if rng.random() < 0.04:
        pregnant = start + _days(_randint(rng, 0, 60))
        born = pregnant + _days(_randint(rng, 120, 240))
        _status(rng, person, "pregnant", pregnant, born, as_of)
        if born <= horizon:
            _status(rng, person, "child_under_36m", born, _add_years(born, 3), as_of)
        if rng.random() < 0.5:
            _suspend(pop, person, pregnant + _days(_randint(rng, 30, 90)), _randint(rng, 270, 720))
    elif rng.random() < 0.02:
        end = start + _days(_randint(rng, 30, 1_000))
        _status(rng, person, "child_under_36m", start, end, as_of)


def _suspend(pop: _Population, person: _Person, start: dt.date, days: int) -> None:
    """Temporary suspension of serving (court); the term stops running meanwhile."""
    end = person.term_end()
    if person.suspended is not None or start > pop.config.as_of:
        return
    if start <= person.admission or (end is not None and start >= end - dt.timedelta(days=30)):
        return
    rng = pop.rng
    until = start + dt.timedelta(days=days)
    person.suspended = (start, until)
    payload = {"case_id": person.case_id, "start_date": start.isoformat()}
    if rng.random() < 0.7:
        payload["end_date"] = until.isoformat()
    person.add(_office_hours(rng, start), "sentence.suspended", payload, court=True)
    if until <= pop.config.as_of:
        ended = {"case_id": person.case_id, "date": until.isoformat()}
        person.add(_office_hours(rng, until), "sentence.suspension_ended", ended, court=True)


def _case_review(pop: _Population, person: _Person) -> None:
    """A rare cassation or reopening; it may amend the term or quash the sentence."""
    rng, as_of = pop.rng, pop.config.as_of
    if rng.random() >= 0.006:
        return
    horizon = _horizon(pop, person)
    opened = _between(rng, person.admission + _days(30), person.admission + _days(540))
    if opened > horizon:
        return
    closed = opened + _days(_randint(rng, 60, 300))
    kind = "cassation" if rng.random() < 0.8 else "reopening"
    person.review = (opened, closed)
    person.review_direction = direction = _DIRECTIONS.draw(rng)
    body = {"case_id": person.case_id, "kind": kind}
    seeks = {} if direction is None else {"direction": direction}
    person.add(_office_hours(rng, opened), "case.review_opened",
               {**body, "date": opened.isoformat(), **seeks}, court=True)  # fmt: skip
    end = person.term_end()
    if closed > as_of or (end is not None and closed >= end):
        return
    at = _at(closed, 9, _randint(rng, 0, 59))
    person.add(at, "case.review_closed", {**body, "date": closed.isoformat()}, court=True)
    outcome = rng.random()
    if person.term_months is not None and outcome < 0.25:
        changed = _reviewed_term(rng, person, closed)
        if changed != person.term_months:
            person.term_months = changed
            amended = {"case_id": person.case_id, "decision_date": closed.isoformat(),
                       "term_months": changed}  # fmt: skip
            person.add(at + dt.timedelta(minutes=30), "sentence.amended", amended, court=True)
    elif outcome > 0.9:
        quashed = {"case_id": person.case_id, "date": closed.isoformat()}
        person.add(at + dt.timedelta(minutes=30), "sentence.quashed", quashed, court=True)
        person.events[-2].on_release_day = person.events[-1].on_release_day = True
        person.early_release = (closed, "other")


def _reviewed_term(rng: random.Random, person: _Person, closed: dt.date) -> int:
    """The term after a review that changes it: longer when it sought a heavier liability,
    else shorter (never below what is served plus three months)."""
    term = person.fixed_term_months()
    if person.review_direction == "heavier":
        return min(ref.MAX_AGGREGATED_TERM_MONTHS, term + _randint(rng, 6, 24))
    served_months = person.served_days(closed) / ref.DAYS_PER_MONTH
    return min(term, max(int(served_months) + 3, term - _randint(rng, 6, 24)))


def _prosecution(pop: _Population, person: _Person, opened: dt.date) -> None:
    """Prosecution for another offence (a new case), open until it closes."""
    rng = pop.rng
    closed = opened + _days(_randint(rng, 90, 400))
    case_id = pop.new_case_id(person.court_id.removeprefix("TAND-"), opened.year)
    person.prosecutions.append((opened, closed))
    person.add(_office_hours(rng, opened), "prosecution.opened",
               {"case_id": case_id, "date": opened.isoformat()}, court=True)  # fmt: skip
    if closed <= pop.config.as_of:
        person.add(_office_hours(rng, closed), "prosecution.closed",
                   {"case_id": case_id, "date": closed.isoformat()}, court=True)  # fmt: skip


def _behaviour(pop: _Population, person: _Person) -> None:
    """A grade for every full quarter served, discipline, and a rare escape."""
    rng = pop.rng
    horizon = _horizon(pop, person)
    admitted_in = _quarter(person.admission)
    first = admitted_in + (person.admission != _quarter_start(admitted_in))  # first full one
    last = _quarter(horizon + dt.timedelta(days=1)) - 1  # the last quarter ended by horizon
    mix = pop.grade_mix[person.disposition]
    discipline_chance = ref.DISCIPLINE_PER_QUARTER[person.disposition]
    escape_quarter = _randint(rng, first, last) if last >= first and rng.random() < 0.001 else None
    suspended = person.suspended
    events = person.events
    for quarter in range(first, last + 1):
        start, next_start = _quarter_start(quarter), _quarter_start(quarter + 1)
        if suspended and start < suspended[1] and suspended[0] < next_start:
            continue
        graded_on = next_start + _GRADING_DELAYS[int(rng.random() * 10)]
        if graded_on > horizon:
            break
        grade = mix.draw(rng)
        if quarter == first and grade == "tot" and rng.random() < 0.5:
            grade = "kha"  # a new inmate is seldom graded good at once
        if quarter == escape_quarter:
            grade = "kem"
            _escape(pop, person, _between(rng, start, next_start - dt.timedelta(days=1)))
        elif rng.random() < discipline_chance:
            severity = rng.choices(("reprimand", "warning", "disciplinary_room"), (6, 3, 1))[0]
            _discipline(rng, person, _between(rng, start, next_start - dt.timedelta(days=1)),
                        severity)  # fmt: skip
            grade = "kem" if severity != "reprimand" and rng.random() < 0.5 else "trung_binh"
        person.grade_quarters.append(quarter)
        person.grade_codes.append(grade)
        person.grade_dates.append(graded_on)
        payload = {"period": _quarter_label(quarter), "grade": grade}
        events.append(_Planned(_office_hours(rng, graded_on), "behaviour.graded", payload, False))


def _discipline(rng: random.Random, person: _Person, day: dt.date, severity: str) -> None:
    person.discipline_days.append(day)
    payload = {"date": day.isoformat(), "severity": severity}
    person.add(_office_hours(rng, day), "discipline.recorded", payload)


def _escape(pop: _Population, person: _Person, day: dt.date) -> None:
    rng = pop.rng
    person.escaped = True
    person.add(_office_hours(rng, day), "escape.recorded", {"date": day.isoformat()})
    _discipline(rng, person, day + _days(_randint(rng, 1, 5)), "disciplinary_room")
    _prosecution(pop, person, day + _days(_randint(rng, 20, 60)))  # Art. 386, escaping


def _good_record(person: _Person, on: dt.date, quarters: int) -> bool:
    """The last `quarters` quarters graded by `on` are consecutive and tốt or khá."""
    known = bisect.bisect_right(person.grade_dates, on)
    if known < quarters:
        return False
    recent = person.grade_quarters[known - quarters : known]
    consecutive = recent[-1] - recent[0] == quarters - 1
    return consecutive and all(
        g in GOOD_GRADES for g in person.grade_codes[known - quarters : known]
    )


def _no_discipline_within(person: _Person, on: dt.date, days: int) -> bool:
    return not any(0 <= (on - d).days <= days for d in person.discipline_days)


def _session_days(rng: random.Random, since: dt.date, until: dt.date) -> Iterator[dt.date]:
    """One review session a year (reductions at most once a year), from `since` to `until`."""
    for year in range(since.year, until.year + 1):
        month, day = _pick(rng, REVIEW_SESSIONS)
        session = dt.date(year, month, day) + _days(_randint(rng, 0, 10))
        if since <= session <= until:
            yield session


def _reductions(pop: _Population, person: _Person) -> None:
    """Art. 63: first after 1/3 (12 years for life), once a year, ≥ 1/2 actually served."""
    rng, as_of = pop.rng, pop.config.as_of
    eligible_from = _first_reduction_day(person)
    chance = {"good": 0.45, "average": 0.2, "poor": 0.05}[person.disposition]
    last_reduced = None
    for session in _session_days(rng, eligible_from, as_of):
        end = person.term_end()
        if end is not None and session >= end - dt.timedelta(days=60):
            break
        if last_reduced is not None and (session - last_reduced).days < 365:
            continue  # at most once a year
        if not (_good_record(person, session, 2) and _no_discipline_within(person, session, 365)):
            continue
        if rng.random() >= chance:
            continue
        payload: dict[str, Any] = {"case_id": person.case_id, "decision_date": session.isoformat()}
        if person.term_months is None:
            person.term_months = ref.LIFE_TO_TERM_MONTHS
            payload["life_to_term_months"] = ref.LIFE_TO_TERM_MONTHS
        else:
            months = _reduction_months(rng, person, session)
            if months <= 0:
                break
            person.reduced_months += months
            payload["months"] = months
        person.add(_office_hours(rng, session), "sentence.reduced", payload, court=True)
        last_reduced = session


def _first_reduction_day(person: _Person) -> dt.date:
    """After 1/3 of the term (12 years for life), a month in, and after any review or
    suspension has closed."""
    if person.life:
        eligible_from = _add_years(person.arrest, ref.LIFE_FIRST_REDUCTION_YEARS)
    else:
        eligible_from = person.arrest + _days(_months_to_days(person.fixed_term_months()) / 3)
    eligible_from += dt.timedelta(days=person.liberty_days())  # days at liberty are not served
    eligible_from = max(eligible_from, person.admission + dt.timedelta(days=30))
    for blocker in (person.review, person.suspended):
        if blocker is not None:
            eligible_from = max(eligible_from, blocker[1] + dt.timedelta(days=1))
    return eligible_from


def _reduction_months(rng: random.Random, person: _Person, on: dt.date) -> int:
    term = person.fixed_term_months()
    if person.life:
        allowance = term - ref.LIFE_REDUCED_MIN_SERVED_MONTHS - person.reduced_months
    else:
        allowance = term // 2 - person.reduced_months
    left_months = (
        person.fixed_term_end() - on
    ).days / ref.DAYS_PER_MONTH - 2  # release stays ahead
    cap = min(allowance, max(1, term // 5), int(left_months), 36)
    if cap <= 0:
        return 0
    options = [m for m in (1, 2, 3, 4, 6, 9, 12, 18, 24, 36) if m <= cap]
    return _pick(rng, options)


def _obligation_payments(pop: _Population, person: _Person) -> None:
    """Payments (partial or full, never more than owed) and hardship findings."""
    rng = pop.rng
    first, last = person.admission + dt.timedelta(days=7), _horizon(pop, person)
    if last < first:
        return
    full_share = {"fine": 0.7, "court_fee": 0.9, "compensation": 0.5 if person.corruption else 0.45}
    for kind, owed in person.owed.items():
        if owed <= 0:
            continue
        draw = rng.random()
        if draw < full_share[kind]:
            total = owed
        elif draw < full_share[kind] + 0.2:
            total = max(1, int(owed * rng.uniform(0.2, 0.8)) // 1_000 * 1_000)
        else:
            continue
        days = sorted(_between(rng, first, last) for _ in range(_installments(rng, total)))
        for day, amount in zip(days, _split(rng, total, len(days)), strict=True):
            person.payments.append((day, kind, amount))
            payload = {"kind": kind, "amount_vnd": amount, "date": day.isoformat()}
            person.add(_office_hours(rng, day), "obligation.paid", payload)
    unpaid = person.owed["compensation"] - _paid(person, "compensation", last)
    if unpaid > 0 and not person.corruption and rng.random() < 0.3:
        person.hardship = _between(rng, first, last)
        payload = {"date": person.hardship.isoformat()}
        person.add(_office_hours(rng, person.hardship), "hardship.certified", payload)
    _discharges(rng, person, first, last)


def _discharges(rng: random.Random, person: _Person, first: dt.date, last: dt.date) -> None:
    """Unpaid obligations a creditor waives in writing (compensation, not corruption) or
    whose enforcement is terminated (ref.CREDITOR_WAIVER_SHARE, ENFORCEMENT_TERMINATED_SHARE),
    after the last payment towards them."""
    for kind, owed in person.owed.items():
        if owed - _paid(person, kind, last) <= 0:
            continue
        waivable = kind == "compensation" and not person.corruption
        if waivable and rng.random() < ref.CREDITOR_WAIVER_SHARE:
            reason, document = "creditor_waived", "VB-TT"
        elif rng.random() < ref.ENFORCEMENT_TERMINATED_SHARE:
            reason, document = "enforcement_terminated", "QĐ-CCTHADS"
        else:
            continue
        paid_on = [day for day, k, _ in person.payments if k == kind]
        day = _between(rng, max([first, *paid_on]), last)
        person.discharged[kind] = day
        payload = {"kind": kind, "reason": reason, "date": day.isoformat()}
        if rng.random() < 0.6:
            payload["decision_no"] = f"{_randint(rng, 1, 999)}/{day.year}/{document}"
        person.add(_office_hours(rng, day), "obligation.discharged", payload)


def _installments(rng: random.Random, total: int) -> int:
    return 1 if total < 2_000_000 else _pick(rng, (1, 1, 2, 3))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    if parts == 1:
        return [total]
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _paid(person: _Person, kind: str, by: dt.date) -> int:
    return sum(amount for day, k, amount in person.payments if k == kind and day <= by)


def _settled(person: _Person, kind: str, by: dt.date) -> bool:
    """Paid in full, or terminated or waived (Decree 52/2019 Art. 4), by `by`."""
    discharged = person.discharged.get(kind)
    return _paid(person, kind, by) >= person.owed[kind] or (
        discharged is not None and discharged <= by
    )


def _obligations_met(person: _Person, by: dt.date) -> bool:
    if not (_settled(person, "fine", by) and _settled(person, "court_fee", by)):
        return False
    if _settled(person, "compensation", by):
        return True
    paid = _paid(person, "compensation", by)
    hardship = person.hardship is not None and person.hardship <= by
    return not person.corruption and hardship and paid > 0


def _pending(intervals: Iterable[tuple[dt.date, dt.date] | None], on: dt.date) -> bool:
    return any(i is not None and i[0] <= on < i[1] for i in intervals)


def _parole(pop: _Population, person: _Person) -> None:
    """Art. 66 conditional early release after half the term, for first offenders."""
    rng = pop.rng
    # Parole has no article list of its own here: the latest round's Art. 12 bars stand in.
    barred = (
        person.articles & ref.amnesty_rules(ref.AMNESTY_ROUNDS[-1].rule_version).excluded_articles
    )
    if person.life or person.prior_convictions or barred or person.dangerous_recidivist:
        return
    half = person.arrest + _days(
        _months_to_days(person.fixed_term_months()) / 2 + person.liberty_days()
    )
    for session in _session_days(rng, max(half, person.admission), pop.config.as_of):
        end = person.fixed_term_end()
        if session >= end - dt.timedelta(days=90) or person.early_release:
            return
        if person.suspended_on(session) or _pending([person.review, *person.prosecutions], session):
            continue
        if _good_record(person, session, 4) and _obligations_met(person, session):
            if rng.random() < 0.05:
                person.early_release = (session, "parole")
                return


def _amnesty(pop: _Population, person: _Person) -> None:
    """Propose eligible people; grant a share, keeping each round near its national rate."""
    rng = pop.rng
    pop.seen += 1
    for round_ in ref.AMNESTY_ROUNDS:
        if not _amnesty_eligible(person, round_):
            continue  # (events after as_of are left out when publishing)
        quota = round_.national_granted / ref.NATIONAL_INMATES * pop.seen
        if rng.random() >= (0.95 if pop.granted[round_.round_id] < quota else 0.02):
            continue
        earliest = max(round_.signed_date + dt.timedelta(days=5), person.admission + _days(1))
        proposed = _between(rng, earliest, round_.cutoff_date - dt.timedelta(days=1))
        person.add(_office_hours(rng, proposed), "amnesty.proposed",
                   {"round_id": round_.round_id, "date": proposed.isoformat()})  # fmt: skip
        if rng.random() < ref.AMNESTY_APPRAISAL_PASS_RATE:
            pop.granted[round_.round_id] += 1
            granted = {
                "round_id": round_.round_id,
                "decision_no": round_.grant_decision_no,
                "effective_date": round_.effective_date.isoformat(),
            }
            person.add(_at(round_.effective_date, 7, 30), "amnesty.granted", granted, court=True)
            person.events[-1].on_release_day = True
            person.early_release = (round_.effective_date, "amnesty")
            return


def _amnesty_eligible(person: _Person, round_: ref.AmnestyRound) -> bool:
    """The simulator's view of Art. 11-12 at the cutoff (the pipeline decides for real)."""
    cutoff = round_.cutoff_date
    release = person.release()
    if person.admission >= round_.signed_date or person.term_months is None:
        return False
    if release is not None and release[0] <= round_.effective_date:
        return False
    rules = ref.amnesty_rules(round_.rule_version)
    if person.articles & rules.excluded_articles or person.prior_convictions > 1:
        return False
    if person.suspended_on(cutoff) or _pending(person.prosecutions, cutoff):
        return False
    if person.review_bars(cutoff):  # Art. 12(2): only a review seeking a heavier liability
        return False
    stricter = any(
        a in rules.stricter_articles
        and (person.life or person.term_months >= rules.stricter_articles[a])
        for a in person.articles
    )
    if person.life:
        needed_days = (17 if stricter else 14) * 365.25
        quarters = rules.quarters_life_reduced
    else:
        needed_days = _months_to_days(person.term_months) / (2 if stricter else 3)
        quarters = rules.quarters_for(person.term_months)
    if person.served_days(cutoff) < needed_days:
        return False
    return _good_record(person, cutoff, quarters) and _obligations_met(person, cutoff)


def _release(pop: _Population, person: _Person) -> dt.date | None:
    release = person.release()
    if release is None or release[0] > pop.config.as_of:
        return None
    day, reason = release
    payload = {"date": day.isoformat(), "reason": reason}
    person.add(_at(day, 9 if reason == "amnesty" else 15, _randint(pop.rng, 0, 59)),
               "person.released", payload)  # fmt: skip
    person.events[-1].on_release_day = True
    return day


def _transfer(pop: _Population, person: _Person, stop: dt.date) -> tuple[dt.date, Facility] | None:
    rng = pop.rng
    if rng.random() >= 0.05:
        return None
    destinations = pop.same_agency(person.facility)
    day = _between(rng, person.admission + _days(60), stop - _days(30))
    if not destinations or not person.admission + _days(60) <= day < stop - _days(30):
        return None
    if person.suspended_on(day):
        return None
    to = _pick(rng, destinations)
    payload = {
        "from_facility_id": person.facility.facility_id,
        "to_facility_id": to.facility_id,
        "date": day.isoformat(),
    }
    person.add(_office_hours(rng, day), "person.transferred", payload)
    return day, to


def _work_release(pop: _Population, person: _Person, released: dt.date | None) -> None:
    """Resolution 54/2022 pilot: MoPS prisons with a site within 50 km, plausible candidates."""
    rng, as_of = pop.rng, pop.config.as_of
    sites = _work_release_sites(person)
    if not sites:
        return
    stop = released or as_of
    remaining_ok = person.fixed_term_end() - _days(_months_to_days(84))
    start = max(ref.WORK_RELEASE_PILOT_START, person.admission + _days(180), remaining_ok)
    placed = _between(rng, start, stop - _days(90))
    if placed > stop - _days(90) or not 18 <= _age(person.birth, placed) < 60:
        return
    if not _good_record(person, placed, 2) or rng.random() >= 0.2:
        return
    returned, reason = _work_release_return(rng, person, placed, released)
    if returned <= placed + _days(30):
        return
    site = _pick(rng, sites)
    person.add(_office_hours(rng, placed), "work_release.placed",
               {"site_id": site, "date": placed.isoformat()})  # fmt: skip
    if returned <= as_of:
        if reason == "violation":
            _discipline(rng, person, returned, "warning")
        person.add(_office_hours(rng, returned), "work_release.returned",
                   {"site_id": site, "date": returned.isoformat(), "reason": reason})  # fmt: skip


def _work_release_sites(person: _Person) -> list[str]:
    """The work sites open to `person`; none unless a plausible candidate in a MoPS prison."""
    facility = person.facility
    sites = facility.near_sites() if facility.agency == "MoPS" else []
    if not sites or person.foreign or person.prior_convictions or person.dangerous_recidivist:
        return []
    if person.escaped or person.suspended or not person.fit_and_healthy:
        return []
    if any(108 <= a <= 122 or 421 <= a <= 425 for a in person.articles) or person.life:
        return []
    if person.organiser_ps:  # Resolution 54/2022: organiser of a particularly serious crime
        return []
    return sites


def _work_release_return(
    rng: random.Random, person: _Person, placed: dt.date, released: dt.date | None
) -> tuple[dt.date, str]:
    """When and why a placement from `placed` ends: its end, a violation, or release."""
    returned, reason = placed + _days(_randint(rng, 120, 540)), "end_of_placement"
    if rng.random() < 0.07:
        returned, reason = _between(rng, placed + _days(7), returned), "violation"
    # Participants return at least a month before release (docs/domain.md).
    last_out = min(d for d in (person.term_end(), released) if d is not None) - _days(30)
    if returned > last_out:
        returned, reason = last_out - _days(_randint(rng, 0, 15)), "before_release"
    return returned, reason


def _plan(pop: _Population) -> _Person:
    person = _person(pop)
    _health(pop, person)
    _special_statuses(pop, person)
    _case_review(pop, person)
    if pop.rng.random() < 0.004:
        opened = _between(pop.rng, person.admission + _days(30), _horizon(pop, person))
        _prosecution(pop, person, opened)
    _behaviour(pop, person)
    _reductions(pop, person)
    _obligation_payments(pop, person)
    _parole(pop, person)
    _amnesty(pop, person)
    person.released_on = _release(pop, person)
    person.moved = _transfer(pop, person, person.released_on or pop.config.as_of)
    if person.moved is None:
        _work_release(pop, person, person.released_on)
    return person


# --- publishing -------------------------------------------------------------------------------

COURT_SOURCE_FOR_GRANTS = "TANDTC"  # Supreme People's Court system carries the President's grants
ALWAYS_KEPT = frozenset({"sentence.imposed", "person.admitted"})


def _publishable(pop: _Population, person: _Person) -> list[_Planned]:
    """The story as the world saw it: nothing after as_of or release, nothing inside while
    suspended; in occurred order."""
    as_of, released = pop.config.as_of, person.released_on
    kept = []
    for event in person.events:
        day = event.at.date()
        if event.kind not in ALWAYS_KEPT:
            if day > as_of:
                continue
            if released is not None and (
                day > released or (day == released and not event.on_release_day)
            ):
                continue
            if not event.court and not event.on_release_day and person.suspended_on(day):
                continue
        kept.append(event)
    kept.sort(key=lambda e: e.at)
    return kept


def _source_id(person: _Person, event: _Planned) -> str:
    if event.court:
        return COURT_SOURCE_FOR_GRANTS if event.kind == "amnesty.granted" else person.court_id
    return _facility_at(person, event).facility_id


def _facility_at(person: _Person, event: _Planned) -> Facility:
    if person.moved is not None and event.kind != "person.transferred":
        moved_on, to = person.moved
        if event.at.date() >= moved_on:
            return to
    return person.facility


def _recorded_times(rng: random.Random, planned: list[_Planned]) -> list[dt.datetime]:
    """occurred + a small lag (hours for facilities, up to days for courts); a source records
    one person's events in order."""
    recorded, previous = [], None
    for event in planned:
        hours = 2 + rng.expovariate(1 / 30) if event.court else 0.25 + rng.expovariate(1 / 6)
        lag = dt.timedelta(seconds=int(min(hours, 120 if event.court else 72) * 3600))
        at = event.at + lag
        if previous is not None and at <= previous:
            at = previous + dt.timedelta(minutes=1)
        recorded.append(at)
        previous = at
    return recorded


def _person_envelopes(
    pop: _Population, person: _Person
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(on-time events in publish order, late events) of one person."""
    rng, config = pop.rng, pop.config
    planned = _publishable(pop, person)
    recorded = _recorded_times(rng, planned)
    on_time: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []
    for event, recorded_at in zip(planned, recorded, strict=True):
        is_late = False
        if config.late_rate and rng.random() < config.late_rate:
            room = (config.as_of - event.at.date()).days - 1  # stay recorded by as_of
            if room >= LATE_MIN_DAYS:
                days = _randint(rng, LATE_MIN_DAYS, min(LATE_MAX_DAYS, room))
                recorded_at = event.at + dt.timedelta(days=days, seconds=_randint(rng, 0, 28_800))
                is_late = True
        if event.kind == "behaviour.graded" and _facility_at(person, event).vietnamese_grades:
            event.payload["grade"] = ref.GRADES_VI[event.payload["grade"]]
        built = envelope(
            event.kind,
            event.payload,
            event_id=_event_id(rng),
            occurred_at=event.at,
            recorded_at=recorded_at,
            source_id=_source_id(person, event),
            person_id=person.person_id,
        )
        (late if is_late else on_time).append(built)
    return on_time, late


def _swap_some(rng: random.Random, events: list[dict[str, Any]], rate: float) -> None:
    """Out of order: an event is published just after the next one of the same person."""
    index = 0
    while index < len(events) - 1:
        if rng.random() < rate:
            events[index], events[index + 1] = events[index + 1], events[index]
            index += 1
        index += 1


def simulate(config: SimulationConfig) -> Iterator[dict[str, Any]]:
    """Every event of the run in publish order: reference data first, then person by person.

    Late events and duplicates wait in a small buffer and are published a few people later.
    """
    if not isinstance(config, SimulationConfig):
        raise TypeError("simulate() takes a SimulationConfig")
    rng = random.Random(config.seed)
    population = _Population(rng, config)
    yield from _reference_events(rng, population.facilities, config.as_of)
    waiting: list[tuple[int, int, dict[str, Any]]] = []  # (publish after person, order, event)
    order = itertools.count()
    for index in range(config.inmates):
        on_time, late = _person_envelopes(population, _plan(population))
        for event in late:
            heapq.heappush(
                waiting, (index + _randint(rng, 1, LATE_DELAY_PEOPLE), next(order), event)
            )
        if config.out_of_order_rate:
            _swap_some(rng, on_time, config.out_of_order_rate)
        for event in on_time:
            yield event
            if config.duplicate_rate and rng.random() < config.duplicate_rate:
                again = index + _randint(rng, 0, DUPLICATE_DELAY_PEOPLE)
                heapq.heappush(waiting, (again, next(order), copy.deepcopy(event)))
        while waiting and waiting[0][0] <= index:
            yield heapq.heappop(waiting)[2]
    while waiting:
        yield heapq.heappop(waiting)[2]


def write_jsonl(events: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write one compact JSON object per line (UTF-8, diacritics kept); return the count."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for event in events:
            out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            count += 1
    return count


def summarise(events: Iterable[dict[str, Any]]) -> dict[str, int]:
    """How many events of each type, by type name."""
    return dict(sorted(Counter(e["event_type"] for e in events).items()))
