"""The small-count audit at national scale, on synthetic data (no broker, no dbt).

    python -m benchmarks.disclosure [--facilities 75] [--people 22000] [--seed 7]

Builds an in-memory DuckDB shaped like the report's inputs (the `amnesty` mart, and the
`round_lifecycle`, `facility_registry` and `amnesty_round_calendar` marts: proposals, grants
and releases per review channel, a few people on suspension reviewed by the courts) at the
size of a national round -- 75 facilities of 3 agencies in the 34
provinces, 15 criteria, 10 foreign nationalities, the special categories -- then runs the
round report's own table builders and `disclosure.protect` over them, and prints what the
audit hid, the narrowest interval it left and how long suppression and audit took.
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
    q, lo, hi = audit.narrowest if audit.narrowest else (None, 0.0, 0.0)
    return {
        "facilities": facilities,
        "people": con.execute("SELECT count(*) FROM amnesty").fetchone()[0],
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
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.facilities, arguments.people, arguments.seed),
                     ensure_ascii=False, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
