"""The small-count audit at national scale, on synthetic data (no broker, no dbt).

    python -m benchmarks.disclosure [--facilities 75] [--people 22000] [--seed 7]
                                    [--custody 238000]

Builds an in-memory DuckDB shaped like the report's inputs (the `amnesty` mart, and the
`round_lifecycle`, `facility_registry` and `amnesty_round_calendar` marts: proposals, grants
and releases per review channel, a few people on suspension reviewed by the courts) at the
size of a national round -- 75 facilities of 3 agencies in the 34
provinces, 15 criteria, 10 foreign nationalities, the special categories -- then runs the
round report's own table builders and `disclosure.protect` over them, and prints what the
audit hid, the narrowest interval it left and how long suppression and audit took.
Then the same for the work-release report over everyone in custody (`--custody`, the
national figure of `docs/benchmarks.md`): the `work_release` mart, the registry's work
sites and the year's placements and returns (`wr_activity`).
`make bench` builds a national lake end to end; this measures the audit alone, quickly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from typing import Any

import duckdb
import pyarrow as pa

from clemency.reports import data as d
from clemency.reports.disclosure import COMPLEMENT, PRIMARY, WITHHELD
from clemency.transform.rule_parameters import read_seed

ROUND = "2025-2"
REASONS = {  # criterion: share of people not eligible missing it (a few are rare)
    "behaviour_grades": 0.55, "obligations_paid": 0.45, "time_served": 0.35,
    "prior_convictions_limit": 0.08, "consecutive_good_months": 0.06,
    "no_excluded_offence": 0.05, "remaining_term": 0.03, "sentence_reduced": 0.02,
    "serving_sentence": 0.01, "no_pending_review": 0.004, "no_other_prosecution": 0.003,
    "not_previously_amnestied": 0.002, "first_offence": 0.001, "not_escaped": 0.0008,
    "current_grade": 0.0005,
}  # fmt: skip
FOREIGNERS = {"CN": 30, "LA": 12, "KH": 8, "KR": 5, "TW": 4, "US": 3, "TH": 2, "FR": 1,
              "NG": 1, "GB": 1}  # fmt: skip
SPECIAL = {"aged_70_plus": 0.006, "serious_illness": 0.003, "under_18_at_offence": 0.004,
           "merit": 0.002, "sole_worker": 0.01, "pregnant": 0.0001, "child_under_36m": 0.0004,
           "severe_disability": 0.0008}  # fmt: skip
STATUS_SHARES = {"eligible": 0.6, "almost_eligible": 0.07, "ineligible": 0.27, "excluded": 0.06}


def synthetic(facilities: int, people: int, seed: int) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the mart views the builders read (`data.MART_VIEWS`)."""
    rng = random.Random(seed)
    provinces = [p["name_vi"] for p in d.provinces()]
    courts = {row["province"]: court for court, row in d.courts().items() if row["province"]}
    registry = _registry(rng, facilities, provinces)
    sizes = [max(3, int(rng.lognormvariate(5.3, 0.9))) for _ in registry]
    scale = people / sum(sizes)
    amnesty, lifecycle = [], []
    nationalities = [n for n, k in FOREIGNERS.items() for _ in range(k)]
    person = 0
    for facility, size in zip(registry, sizes, strict=True):
        shares = {s: share * rng.uniform(0.6, 1.4) for s, share in STATUS_SHARES.items()}
        for _ in range(max(2, int(size * scale))):
            person += 1
            nat = nationalities.pop() if nationalities and rng.random() < 0.004 else "VN"
            status = rng.choices(list(shares), weights=list(shares.values()))[0]
            row = _person(rng, person, facility, status, nat)
            if rng.random() < SUSPENDED_SHARE:  # on suspension at the cutoff: the courts'
                row |= {"review_channel": "courts", "court_id": courts[rng.choice(provinces)]}
            amnesty.append(row)
            lifecycle += _lifecycle(rng, row, nat)
    con = duckdb.connect()
    for view, rows in [("amnesty", amnesty), ("lifecycle", lifecycle),
                       ("registry", registry), ("round_calendar", [CALENDAR])]:  # fmt: skip
        con.register(f"{view}_rows", pa.Table.from_pylist(rows))
        con.execute(f"CREATE TABLE {view} AS SELECT * FROM {view}_rows")
    return con


SUSPENDED_SHARE = 0.001
OWN_CHANNEL = ("MoPS", "MND")  # the facility channels of the seed amnesty_review_channels
CALENDAR = {"round_id": ROUND, "decision_no": "1244/2025/QĐ-CTN",
            "signed_date": dt.date(2025, 7, 3), "cutoff_date": dt.date(2025, 8, 31),
            "rule_version": "2025-2.v1", "apply_by": dt.date(2025, 7, 8),
            "facility_lists_by": dt.date(2025, 7, 18), "complaints_by": dt.date(2025, 7, 23),
            "court_lists_by": dt.date(2025, 7, 23),
            "appraisal_by": dt.date(2025, 8, 7)}  # fmt: skip


def _registry(rng: random.Random, facilities: int, provinces: list[str]) -> list[dict]:
    agencies = ["MoPS"] * 60 + ["MND"] * 12 + ["CAT"] * 3  # 3 agencies
    found = []
    for i in range(facilities):
        province = (
            provinces[i % len(provinces)] if i < 2 * len(provinces) else rng.choice(provinces)
        )
        found.append({"facility_id": f"F{i:03d}", "facility_name": f"Trại {i:03d}",
                      "facility_kind": "prison", "agency": agencies[i % len(agencies)],
                      "province": province, "work_sites": []})  # fmt: skip
    return found


def _person(rng: random.Random, n: int, facility: dict, status: str, nat: str) -> dict[str, Any]:
    unmet = []
    if status != "eligible":
        unmet = [r for r, share in REASONS.items() if rng.random() < share] or ["time_served"]
    special = [c for c, share in SPECIAL.items() if rng.random() < share]
    return {"person_key": f"k{n}", "round_id": ROUND, "as_of_date": dt.date(2025, 11, 30),
            "status": status, "unmet_criteria": unmet, "facility_id": facility["facility_id"],
            "agency": facility["agency"], "province": facility["province"], "nationality": nat,
            "review_channel": facility["agency"] if facility["agency"] in OWN_CHANNEL else None,
            "court_id": None, "special_categories": special,
            "rule_version": "2025-2.v1"}  # fmt: skip


def _lifecycle(rng: random.Random, person: dict, nat: str) -> list[dict]:
    """The person's row of the round_lifecycle mart (one person each), if proposed."""
    if person["status"] != "eligible" or rng.random() >= 0.97:
        return []
    day = dt.date(2025, 7, 10) + dt.timedelta(days=rng.randrange(40))
    granted = rng.random() < 0.99
    released = granted and rng.random() < 0.995
    return [{"round_id": ROUND, "review_channel": person["review_channel"],
             "court_id": person["court_id"], "nationality": nat, "is_proposed": True,
             "is_granted": granted, "is_released": released,
             "proposal_timing": "late" if day > CALENDAR["facility_lists_by"] else "on_time",
             "proposed_date": day, "effective_date": dt.date(2025, 9, 1) if granted else None,
             "grant_decision_no": "1693" if granted else None,
             "released_date": dt.date(2025, 9, 1) if released else None,
             "unattributed_reason": None if person["review_channel"] else "unknown_agency",
             "people": 1}]  # fmt: skip


def run(facilities: int = 75, people: int = 22_000, seed: int = 7) -> dict[str, Any]:
    from clemency.reports.round_report import round_tables

    started = time.perf_counter()
    con = synthetic(facilities, people, seed)
    built = time.perf_counter() - started
    _, _, _, audit = round_tables(con, ROUND, "en", 5)
    return _figures(audit, facilities, con, "amnesty", built)


WR_STATUS_SHARES = {
    "eligible": 0.004,
    "almost_eligible": 0.01,
    "ineligible": 0.9,
    "excluded": 0.086,
}
WR_REASONS = {"remaining_term": 0.6, "time_served": 0.5, "first_offence": 0.3,
              "site_distance": 0.1, "age_range": 0.05, "health": 0.02, "nationality": 0.004,
              "known_residence": 0.002, "not_escaped": 0.001}  # fmt: skip
RETURN_REASONS = {"end_of_placement": 0.7, "before_release": 0.25, "violation": 0.05}
YEAR = 2025


def synthetic_work_release(facilities: int, custody: int, seed: int) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the views the work-release report reads: one row per person
    in custody (`work_release`), the registry with each prison's work sites, and the year's
    placements and returns per site (`wr_activity`, head counts under reason 'all')."""
    rng = random.Random(seed)
    registry = _registry(rng, facilities, [p["name_vi"] for p in d.provinces()])
    for facility in registry:  # a third of the prisons run a site or two
        count = rng.choice([0, 0, 1, 1, 2])
        facility["work_sites"] = [
            {"site_id": f"{facility['facility_id']}-S{k}", "distance_km": rng.uniform(3, 80)}
            for k in range(count)
        ]
    sizes = [max(3, int(rng.lognormvariate(5.3, 0.9))) for _ in registry]
    scale = custody / sum(sizes)
    people, activity = [], []
    header, policies = read_seed("work_release_policy")
    (site_limit,) = {float(row[header.index("max_site_distance_km")]) for row in policies}
    for facility, size in zip(registry, sizes, strict=True):
        sites = facility["work_sites"]
        nearest = min((s["distance_km"] for s in sites), default=None)
        for _ in range(max(2, int(size * scale))):
            status = rng.choices(list(WR_STATUS_SHARES), list(WR_STATUS_SHARES.values()))[0]
            placed = bool(sites) and status == "eligible" and rng.random() < 0.5
            unmet = [] if status == "eligible" else [
                r for r, share in WR_REASONS.items() if rng.random() < share
            ][:3] or ["remaining_term"]  # fmt: skip
            people.append({
                "facility_id": facility["facility_id"], "agency": facility["agency"],
                "province": facility["province"], "status": status,
                "is_placed_on_work_release": placed, "nearest_site_km": nearest,
                "max_site_distance_km": site_limit,
                "work_release_site_id": rng.choice(sites)["site_id"] if placed else None,
                "unmet_criteria": unmet, "policy_id": "wr-2022", "rule_version": "wr-2022.v1",
                "as_of_date": dt.date(YEAR, 10, 1)})  # fmt: skip
        for site in sites:
            placements = rng.randint(0, 40)
            returns = {r: int(placements * share * rng.uniform(0.5, 1.5))
                       for r, share in RETURN_REASONS.items()}  # fmt: skip
            rows = [("placed", "all", placements, placements),
                    ("returned", "all", sum(returns.values()), sum(returns.values())),
                    *(("returned", r, n, n) for r, n in returns.items() if n)]  # fmt: skip
            activity += [{"site_id": site["site_id"], "facility_id": facility["facility_id"],
                          "movement_year": YEAR, "movement": m, "return_reason": r,
                          "people": n, "events": e} for m, r, n, e in rows]  # fmt: skip
    con = duckdb.connect()
    for view, rows in [("work_release", people), ("registry", registry),
                       ("wr_activity", activity)]:  # fmt: skip
        con.register(f"{view}_rows", pa.Table.from_pylist(rows))
        con.execute(f"CREATE TABLE {view} AS SELECT * FROM {view}_rows")
    return con


def run_work_release(facilities: int = 75, custody: int = 238_000, seed: int = 7) -> dict:
    from clemency.reports.work_release_report import wr_tables

    started = time.perf_counter()
    con = synthetic_work_release(facilities, custody, seed)
    built = time.perf_counter() - started
    _, _, _, audit = wr_tables(con, YEAR, "en", 5)
    return _figures(audit, facilities, con, "work_release", built)


def _figures(audit: Any, facilities: int, con: Any, view: str, built: float) -> dict[str, Any]:
    q, lo, hi = audit.narrowest if audit.narrowest else (None, 0.0, 0.0)
    return {
        "facilities": facilities,
        "people": con.execute(f"SELECT count(*) FROM {view}").fetchone()[0],
        "synthetic_data_s": round(built, 2),
        "suppression_and_audit_s": round(audit.seconds, 2),
        "bounds_solved": audit.solves,
        "integer_programs": audit.integer_programs,
        "hidden_cells": {k: audit.hidden_cells[k] for k in (PRIMARY, COMPLEMENT, WITHHELD)},
        "narrowest": f"[{lo:.0f}, {hi:.0f}] {q.where() if q else ''}",
        "withheld_lines": audit.withheld,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facilities", type=int, default=75)
    parser.add_argument("--people", type=int, default=22_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--custody", type=int, default=238_000)
    arguments = parser.parse_args()
    figures = {
        "round": run(arguments.facilities, arguments.people, arguments.seed),
        "work_release": run_work_release(arguments.facilities, arguments.custody, arguments.seed),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
