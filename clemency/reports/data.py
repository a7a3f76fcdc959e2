"""Tables of the monitoring reports, gathered from the lake as plain Python values.

One function per table. They only read (curated marts, raw events, quarantine, ledger,
validation results) and return lists and dicts of counts. People are counted with DuckDB
inside the query (`count(DISTINCT person_id)`); no person id, key or name ever leaves SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from clemency.lake.layout import Lake
from clemency.paths import TRANSFORMS_DIR

STATUSES = ["eligible", "almost_eligible", "ineligible", "excluded"]
SEEDS = TRANSFORMS_DIR / "seeds"


# --- plain structures the renderers share ---------------------------------------------------


@dataclass
class Table:
    """A titled table. `kinds`: text | int | float | date per column. None = hidden/blank."""

    key: str
    title: str
    columns: list[str]
    kinds: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    hidden: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> kind
    notes: list[str] = field(default_factory=list)
    chart: str | None = None  # inline SVG (HTML only)
    chart_data: dict[str, Any] | None = None  # the same chart for the PDF
    threshold: int = 5


@dataclass
class Section:
    title: str
    tables: list[Table]
    intro: str | None = None


@dataclass
class Report:
    lang: str
    title: str
    meta: list[str]
    cards: list[tuple[str, int]]
    sections: list[Section]
    generated_at: dt.datetime
    as_of: dt.date | None = None  # the marts' as-of date: names the report's folder


# --- connection ----------------------------------------------------------------------------


def connect(
    lake: Lake, as_of: dt.date | None = None, marts_as_of: dt.date | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with views `raw_events` and `amnesty`, `work_release` marts: the
    latest published set, or the snapshot of `marts_as_of`.

    With `as_of`, `raw_events` holds only events recorded on or before that day (UTC), as
    the marts saw them."""
    con = duckdb.connect()
    raw = sorted(str(p) for p in lake.raw.glob("*/partition=*/*.parquet"))
    if raw:
        files = ", ".join(f"'{_sql_path(Path(f))}'" for f in raw)
        cut = (
            f" WHERE CAST(timezone('UTC', recorded_at) AS DATE) <= DATE '{as_of.isoformat()}'"
            if as_of
            else ""
        )
        con.execute(
            f"CREATE VIEW raw_events AS SELECT * FROM read_parquet([{files}], "
            f"union_by_name=true){cut}"
        )
    else:
        con.execute(
            "CREATE VIEW raw_events AS SELECT NULL::VARCHAR event_type, NULL::VARCHAR payload, "
            "NULL::VARCHAR person_id, NULL::VARCHAR source_id, NULL::VARCHAR kafka_topic, "
            "NULL::TIMESTAMPTZ recorded_at, NULL::TIMESTAMPTZ occurred_at WHERE false"
        )
    published = marts_as_of or lake.latest_as_of()  # read once: both views from one set
    for view, mart in [("amnesty", "amnesty_eligibility"), ("work_release", mart_wr())]:
        path = lake.mart(mart, published)  # person-level: under the lake's restricted/ folder
        if not path.exists():
            raise FileNotFoundError(f"curated mart missing: {path} (run `clemency transform`)")
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{_sql_path(path)}')")
    return con


def mart_wr() -> str:
    return "work_release_eligibility"


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


# --- reference data ------------------------------------------------------------------------


def provinces() -> list[dict[str, str]]:
    """The 34 provinces of the seed, in seed order (name_vi is what facility rows carry)."""
    with open(SEEDS / "provinces.csv", encoding="utf-8", newline="") as f:
        return [
            {"code": r["province_code"], "name_vi": r["name_vi"], "name_en": r["name_en"]}
            for r in csv.DictReader(f)
        ]


def round_seeds() -> dict[str, dict[str, Any]]:
    """Rounds from the rule seed: decision, signed and cutoff dates, rule version."""
    with open(SEEDS / "rules" / "amnesty_rounds.csv", encoding="utf-8", newline="") as f:
        return {
            r["round_id"]: {
                "round_id": r["round_id"],
                "decision_no": r["decision_no"],
                "signed_date": dt.date.fromisoformat(r["signed_date"]),
                "cutoff_date": dt.date.fromisoformat(r["cutoff_date"]),
                "rule_version": r["rule_version"],
            }
            for r in csv.DictReader(f)
        }


def round_info(con: duckdb.DuckDBPyConnection, round_id: str) -> dict[str, Any]:
    """The round as declared (reference event), falling back to the rule seed."""
    info = dict(round_seeds().get(round_id, {"round_id": round_id}))
    declared = _rows(
        con,
        "SELECT payload FROM raw_events WHERE event_type = 'amnesty_round.declared' "
        "AND json_extract_string(payload, '$.round_id') = ? ORDER BY recorded_at DESC LIMIT 1",
        [round_id],
    )
    if declared:
        payload = json.loads(declared[0][0])
        for name in ("signed_date", "cutoff_date"):
            if payload.get(name):
                info[name] = dt.date.fromisoformat(payload[name])
        for name in ("decision_no", "rule_version"):
            if payload.get(name):
                info[name] = payload[name]
    versions = _rows(
        con,
        "SELECT DISTINCT rule_version FROM amnesty WHERE round_id = ? ORDER BY 1",
        [round_id],
    )
    info["rule_versions"] = [v for (v,) in versions]
    return info


def facilities(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Registered facilities (latest registration wins): name, kind, agency, province, sites."""
    found: dict[str, dict[str, Any]] = {}
    for (payload,) in _rows(
        con,
        "SELECT payload FROM raw_events WHERE event_type = 'facility.registered' "
        "ORDER BY recorded_at, payload",
    ):
        p = json.loads(payload)
        found[p["facility_id"]] = {
            "facility_id": p["facility_id"],
            "name": p.get("name") or p["facility_id"],
            "kind": p.get("kind"),
            "agency": p.get("agency"),
            "province": p.get("province"),
            "work_sites": [
                (s["site_id"], float(s["distance_km"])) for s in p.get("work_sites") or []
            ],
        }
    return found


def as_of_date(con: duckdb.DuckDBPyConnection, view: str = "amnesty") -> dt.date | None:
    return _rows(con, f"SELECT max(as_of_date) FROM {view}")[0][0]


def round_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r for (r,) in _rows(con, "SELECT DISTINCT round_id FROM amnesty ORDER BY 1")]


# --- amnesty round -------------------------------------------------------------------------


def status_counts(
    con: duckdb.DuckDBPyConnection, round_id: str, by: str | None = None
) -> dict[str, Counter]:
    """People per status, overall (key "") or by agency / province / facility_id."""
    if by not in (None, "agency", "province", "facility_id", "nationality"):
        raise ValueError(f"cannot group by {by!r}")
    key = "''" if by is None else f"coalesce({by}, '')"
    result: dict[str, Counter] = defaultdict(Counter)
    for group, status, people in _rows(
        con,
        f"SELECT {key}, status, count(*) FROM amnesty WHERE round_id = ? GROUP BY ALL",
        [round_id],
    ):
        result[group][status] += people
    return dict(result)


def reason_counts(
    con: duckdb.DuckDBPyConnection, round_id: str, by: str = "status"
) -> dict[str, Counter]:
    """People per unmet criterion, keyed by status, agency or facility_id (then reason)."""
    if by not in ("status", "agency", "facility_id"):
        raise ValueError(f"cannot group by {by!r}")
    result: dict[str, Counter] = defaultdict(Counter)
    for group, reason, people in _rows(
        con,
        f"SELECT coalesce(grp, ''), reason, count(*) FROM (SELECT {by} AS grp, "
        "unnest(unmet_criteria) AS reason FROM amnesty WHERE round_id = ?) GROUP BY ALL",
        [round_id],
    ):
        result[group][reason] += people
    return dict(result)


def special_category_counts(con: duckdb.DuckDBPyConnection, round_id: str) -> dict[str, Counter]:
    """People per special category and status."""
    result: dict[str, Counter] = defaultdict(Counter)
    for category, status, people in _rows(
        con,
        "SELECT category, status, count(*) FROM (SELECT unnest(special_categories) AS category, "
        "status FROM amnesty WHERE round_id = ?) GROUP BY ALL",
        [round_id],
    ):
        result[category][status] += people
    return dict(result)


_FACILITY_OF = """
facility_of AS (
    SELECT json_extract_string(payload, '$.facility_id') AS facility_id,
           arg_max(json_extract_string(payload, '$.agency'), recorded_at) AS agency
    FROM raw_events WHERE event_type = 'facility.registered' GROUP BY 1
),
nationality_of AS (
    SELECT person_id, arg_min(json_extract_string(payload, '$.nationality'), occurred_at) AS nat
    FROM raw_events WHERE event_type = 'person.admitted' GROUP BY 1
),
proposed AS (
    SELECT person_id, arg_min(source_id, occurred_at) AS facility_id,
           min(CAST(json_extract_string(payload, '$.date') AS DATE)) AS day
    FROM raw_events WHERE event_type = 'amnesty.proposed'
      AND json_extract_string(payload, '$.round_id') = $round GROUP BY 1
),
granted AS (
    SELECT person_id, min(CAST(json_extract_string(payload, '$.effective_date') AS DATE)) AS day,
           min(json_extract_string(payload, '$.decision_no')) AS decision_no
    FROM raw_events WHERE event_type = 'amnesty.granted'
      AND json_extract_string(payload, '$.round_id') = $round GROUP BY 1
),
released AS (
    SELECT r.person_id, min(CAST(json_extract_string(r.payload, '$.date') AS DATE)) AS day
    FROM raw_events r JOIN granted g USING (person_id)
    WHERE r.event_type = 'person.released'
      AND json_extract_string(r.payload, '$.reason') = 'amnesty'
      AND CAST(json_extract_string(r.payload, '$.date') AS DATE) >= g.day
    GROUP BY 1
),
people AS (
    SELECT person_id FROM proposed UNION SELECT person_id FROM granted
),
lifecycle AS (
    SELECT coalesce(f.agency, '') AS agency, coalesce(n.nat, '') AS nationality,
           p.person_id IS NOT NULL AS is_proposed, g.person_id IS NOT NULL AS is_granted,
           r.person_id IS NOT NULL AS is_released, p.day AS proposed_day, r.day AS released_day
    FROM people x
    LEFT JOIN proposed p USING (person_id)
    LEFT JOIN granted g USING (person_id)
    LEFT JOIN released r USING (person_id)
    LEFT JOIN facility_of f ON f.facility_id = p.facility_id
    LEFT JOIN nationality_of n ON n.person_id = x.person_id
)
"""


def lifecycle_counts(con: duckdb.DuckDBPyConnection, round_id: str) -> dict[str, dict[str, int]]:
    """Distinct people proposed, granted and released (amnesty) in the round, by agency
    (of the proposing facility; "" when unknown) and overall ("*"), and foreigners ("foreign")."""
    rows = _rows(
        con,
        f"WITH {_FACILITY_OF} SELECT agency, nationality <> 'VN' AND nationality <> '', "
        "count(*) FILTER (WHERE is_proposed), count(*) FILTER (WHERE is_granted), "
        "count(*) FILTER (WHERE is_released) FROM lifecycle GROUP BY ALL",
        {"round": round_id},
    )
    result: dict[str, dict[str, int]] = defaultdict(lambda: Counter())
    for agency, foreign, proposed, granted, released in rows:
        for key in (agency, "*", *(["foreign"] if foreign else [])):
            result[key]["proposed"] += proposed
            result[key]["granted"] += granted
            result[key]["released"] += released
    return {k: dict(v) for k, v in result.items()}


def foreigners_by_nationality(
    con: duckdb.DuckDBPyConnection, round_id: str
) -> dict[str, dict[str, int]]:
    """Per nationality other than VN: people per status (mart) and granted (events)."""
    result: dict[str, dict[str, int]] = defaultdict(Counter)
    for nat, status, people in _rows(
        con,
        "SELECT coalesce(nationality, '?'), status, count(*) FROM amnesty WHERE round_id = ? "
        "AND coalesce(nationality, '?') <> 'VN' GROUP BY ALL",
        [round_id],
    ):
        result[nat][status] += people
    for nat, granted, proposed in _rows(
        con,
        f"WITH {_FACILITY_OF} SELECT nationality, count(*) FILTER (WHERE is_granted), "
        "count(*) FILTER (WHERE is_proposed) FROM lifecycle "
        "WHERE nationality <> 'VN' GROUP BY ALL",
        {"round": round_id},
    ):
        result[nat or "?"]["granted"] += granted
        result[nat or "?"]["proposed"] += proposed
    return {k: dict(v) for k, v in result.items()}


def round_dates(con: duckdb.DuckDBPyConnection, round_id: str) -> dict[str, Any]:
    """Actual dates from events: proposals (first, last, per day), effective date, releases."""
    first, last, total = _rows(
        con,
        f"WITH {_FACILITY_OF} SELECT min(proposed_day), max(proposed_day), "
        "count(proposed_day) FROM lifecycle",
        {"round": round_id},
    )[0]
    per_day = _rows(
        con,
        f"WITH {_FACILITY_OF} SELECT proposed_day, count(*) FROM lifecycle "
        "WHERE proposed_day IS NOT NULL GROUP BY 1 ORDER BY 1",
        {"round": round_id},
    )
    effective = _rows(
        con,
        f"WITH {_FACILITY_OF} SELECT day, decision_no, count(*) FROM granted GROUP BY ALL "
        "ORDER BY 3 DESC, 1 LIMIT 1",
        {"round": round_id},
    )
    releases = _rows(
        con,
        f"WITH {_FACILITY_OF} SELECT min(day), max(day) FROM released",
        {"round": round_id},
    )[0]
    return {
        "first_proposal": first,
        "last_proposal": last,
        "proposals": total,
        "proposals_per_day": per_day,
        "effective_date": effective[0][0] if effective else None,
        "grant_decision_no": effective[0][1] if effective else None,
        "first_release": releases[0],
        "last_release": releases[1],
    }


def procedural_deadlines(signed: dt.date) -> dict[str, dt.date]:
    """docs/domain.md "Procedure": apply 5 days after the notice (taken as the signing date),
    facility lists 10 days and court lists 15 days after that, appraisal 15 days after the
    lists, complaints 5 days after the facility lists."""
    apply_by = signed + dt.timedelta(days=5)
    facility_lists = apply_by + dt.timedelta(days=10)
    court_lists = apply_by + dt.timedelta(days=15)
    return {
        "tl_apply": apply_by,
        "tl_facility_lists": facility_lists,
        "tl_complaints": facility_lists + dt.timedelta(days=5),
        "tl_court_lists": court_lists,
        "tl_appraisal": court_lists + dt.timedelta(days=15),
    }


def proposals_after(con: duckdb.DuckDBPyConnection, round_id: str, day: dt.date) -> int:
    return _rows(
        con,
        f"WITH {_FACILITY_OF} SELECT count(*) FROM lifecycle WHERE proposed_day > $day",
        {"round": round_id, "day": day},
    )[0][0]


def round_comparison(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every round in the mart: statuses (mart) and proposed / granted / released (events)."""
    seeds = round_seeds()
    rows = []
    for round_id in round_ids(con):
        counts = status_counts(con, round_id).get("", Counter())
        life = lifecycle_counts(con, round_id).get("*", {})
        info = seeds.get(round_id, {})
        rows.append(
            {
                "round_id": round_id,
                "decision_no": info.get("decision_no", ""),
                "cutoff_date": info.get("cutoff_date"),
                "considered": sum(counts.values()),
                **{s: counts[s] for s in STATUSES},
                "proposed": life.get("proposed", 0),
                "granted": life.get("granted", 0),
                "released": life.get("released", 0),
            }
        )
    return rows


# --- work release --------------------------------------------------------------------------


def wr_by_facility(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per facility at the as-of date: statuses, placed now, nearest site distance."""
    rows = _rows(
        con,
        "SELECT facility_id, any_value(agency), any_value(province), "
        "count(*) FILTER (WHERE status = 'eligible'), "
        "count(*) FILTER (WHERE status = 'almost_eligible'), "
        "count(*) FILTER (WHERE status = 'ineligible'), "
        "count(*) FILTER (WHERE status = 'excluded'), "
        "count(*) FILTER (WHERE is_placed_on_work_release), min(nearest_site_km) "
        "FROM work_release GROUP BY 1 ORDER BY 1",
    )
    keys = ["facility_id", "agency", "province", *STATUSES, "placed", "nearest_site_km"]
    return [dict(zip(keys, row, strict=True)) for row in rows]


def wr_reasons(con: duckdb.DuckDBPyConnection) -> dict[str, Counter]:
    result: dict[str, Counter] = defaultdict(Counter)
    for status, reason, people in _rows(
        con,
        "SELECT status, reason, count(*) FROM (SELECT status, unnest(unmet_criteria) AS reason "
        "FROM work_release) GROUP BY ALL",
    ):
        result[reason][status] += people
    return dict(result)


def wr_site_events(con: duckdb.DuckDBPyConnection, year: int) -> list[dict[str, Any]]:
    """Per site: placements and returns dated in `year` (distinct people), placed now."""
    rows = _rows(
        con,
        """
        WITH ev AS (
            SELECT event_type, person_id, source_id AS facility_id,
                   json_extract_string(payload, '$.site_id') AS site_id,
                   CAST(json_extract_string(payload, '$.date') AS DATE) AS day
            FROM raw_events
            WHERE event_type IN ('work_release.placed', 'work_release.returned')
        ),
        now AS (
            SELECT work_release_site_id AS site_id, count(*) AS placed FROM work_release
            WHERE is_placed_on_work_release GROUP BY 1
        )
        SELECT site_id, any_value(facility_id),
               count(DISTINCT person_id) FILTER (WHERE event_type = 'work_release.placed'
                                                 AND year(day) = $year),
               count(DISTINCT person_id) FILTER (WHERE event_type = 'work_release.returned'
                                                 AND year(day) = $year),
               coalesce(any_value(now.placed), 0)
        FROM ev LEFT JOIN now USING (site_id) GROUP BY 1 ORDER BY 1
        """,
        {"year": year},
    )
    keys = ["site_id", "facility_id", "placements", "returns", "placed_now"]
    return [dict(zip(keys, row, strict=True)) for row in rows]


def wr_returns(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, Counter]:
    """Returns dated in `year` by facility (source) and reason (violation, …)."""
    result: dict[str, Counter] = defaultdict(Counter)
    for facility_id, reason, n in _rows(
        con,
        "SELECT source_id, coalesce(json_extract_string(payload, '$.reason'), 'unknown'), "
        "count(*) FROM raw_events WHERE event_type = 'work_release.returned' "
        "AND year(CAST(json_extract_string(payload, '$.date') AS DATE)) = $year GROUP BY ALL",
        {"year": year},
    ):
        result[facility_id or ""][reason] += n
    return dict(result)


def wr_info(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    rows = _rows(
        con,
        "SELECT DISTINCT policy_id, rule_version FROM work_release ORDER BY 1, 2",
    )
    return {
        "policies": sorted({p for p, _ in rows}),
        "rule_versions": sorted({v for _, v in rows}),
        "as_of": as_of_date(con, "work_release"),
    }


# --- data-quality annex --------------------------------------------------------------------


def events_per_topic_day(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, days: int = 14
) -> tuple[list[dt.date], list[str], dict[tuple[dt.date, str], int]]:
    """Events landed per topic and day of recorded_at (UTC), the `days` days up to as_of."""
    start = as_of - dt.timedelta(days=days - 1)
    counts = {
        (day, topic): n
        for day, topic, n in _rows(
            con,
            "SELECT CAST(timezone('UTC', recorded_at) AS DATE) AS day, kafka_topic, count(*) "
            "FROM raw_events WHERE CAST(timezone('UTC', recorded_at) AS DATE) "
            "BETWEEN $start AND $end GROUP BY ALL",
            {"start": start, "end": as_of},
        )
    }
    topics = [t for (t,) in _rows(con, "SELECT DISTINCT kafka_topic FROM raw_events ORDER BY 1")]
    return [start + dt.timedelta(days=i) for i in range(days)], topics, counts


def quarantine_reasons(lake: Lake) -> Counter:
    """Quarantined records per (topic, reason code)."""
    reasons: Counter = Counter()
    for path in sorted(lake.quarantine.rglob("*.parquet")):
        topic = path.parent.parent.name
        for codes in pq.read_table(path, columns=["reason_codes"]).column(0).to_pylist():
            for code in codes or ["unknown"]:
                reasons[(topic, code)] += 1
    return reasons


def gx_summary(lake: Lake) -> list[dict[str, Any]]:
    from clemency.validation.gate import summarise_results

    return summarise_results(lake)


def freshness(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[dict[str, Any]]:
    """Latest recorded_at per topic (up to the as-of date's end) and the lag in days."""
    rows = _rows(
        con,
        "SELECT kafka_topic, max(recorded_at) FILTER (WHERE CAST(timezone('UTC', recorded_at) "
        "AS DATE) <= $as_of), max(recorded_at) FROM raw_events GROUP BY 1 ORDER BY 1",
        {"as_of": as_of},
    )
    result = []
    for topic, latest, latest_any in rows:
        latest = latest or latest_any
        day = latest.astimezone(dt.UTC).date() if latest else None
        result.append(
            {
                "topic": topic,
                "latest": latest.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
                if latest
                else "",
                "lag_days": (as_of - day).days if day else None,
            }
        )
    return result


def ledger(lake: Lake) -> dict[str, Any]:
    """Ingest run ids and the highest committed offset per topic and partition."""
    runs: set[str] = set()
    offsets: dict[tuple[str, int], int] = {}
    consumed: Counter = Counter()
    for path in sorted(lake.ingest_ledger.glob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            runs.add(row["run_id"])
            key = (row["topic"], int(row["partition"]))
            offsets[key] = max(offsets.get(key, 0), int(row["offset_to"]))
            consumed[key] += int(row["consumed"])
    return {"runs": sorted(runs), "offsets": dict(sorted(offsets.items())), "consumed": consumed}


# --- the disclosure audit: counts at the finest grain the report tables add up from ---------


def status_atoms(
    con: duckdb.DuckDBPyConnection, round_id: str
) -> list[tuple[str, str, str, str, str, int]]:
    """People per facility, agency, province, nationality (as the foreigners table keys it:
    "?" when missing) and status. Every status table of the round report sums these."""
    return _rows(
        con,
        "SELECT coalesce(facility_id, ''), coalesce(agency, ''), coalesce(province, ''), "
        "coalesce(nationality, '?'), status, count(*) FROM amnesty WHERE round_id = ? "
        "GROUP BY ALL ORDER BY ALL",
        [round_id],
    )


def reason_atoms(
    con: duckdb.DuckDBPyConnection, round_id: str
) -> list[tuple[str, str, str, str, str, int]]:
    """Unmet criteria counted as `reason_counts` does, per facility, agency, province,
    status and reason."""
    return _rows(
        con,
        "SELECT coalesce(facility_id, ''), coalesce(agency, ''), coalesce(province, ''), "
        "coalesce(status, ''), reason, count(*) FROM (SELECT facility_id, agency, province, "
        "status, unnest(unmet_criteria) AS reason FROM amnesty WHERE round_id = ?) "
        "GROUP BY ALL ORDER BY ALL",
        [round_id],
    )


def reason_premises(con: duckdb.DuckDBPyConnection, round_id: str) -> dict[str, int]:
    """What the rules promise about unmet criteria, counted on the mart: eligible people
    with an unmet criterion, other people with none, people with one criterion twice."""
    row = _rows(
        con,
        "SELECT count(*) FILTER (WHERE status = 'eligible' AND coalesce(len(unmet_criteria), 0) "
        "> 0), count(*) FILTER (WHERE status <> 'eligible' AND coalesce(len(unmet_criteria), 0) "
        "= 0), count(*) FILTER (WHERE coalesce(len(unmet_criteria), 0) "
        "<> coalesce(len(list_distinct(unmet_criteria)), 0)) FROM amnesty WHERE round_id = ?",
        [round_id],
    )[0]
    return {"eligible_with_reason": row[0], "unmet_without_reason": row[1], "repeated": row[2]}


def lifecycle_atoms(
    con: duckdb.DuckDBPyConnection, round_id: str, late_after: dt.date | None
) -> list[tuple[str, str, bool, bool, bool, bool, str, int]]:
    """People of `lifecycle_counts` per agency, nationality (as the foreigners table keys
    it), foreigner as `lifecycle_counts` counts one, proposed, granted, released, and when
    proposed: "late" (after `late_after`), "on_time" or "none" (no proposal date)."""
    return _rows(
        con,
        f"WITH {_FACILITY_OF} SELECT agency, CASE WHEN nationality = '' THEN '?' "
        "ELSE nationality END, nationality <> 'VN' AND nationality <> '', is_proposed, "
        "is_granted, is_released, CASE WHEN proposed_day IS NULL THEN 'none' "
        "WHEN proposed_day > $day THEN 'late' ELSE 'on_time' END, count(*) FROM lifecycle "
        "GROUP BY ALL ORDER BY ALL",
        {"round": round_id, "day": late_after},
    )


def wr_atoms(
    con: duckdb.DuckDBPyConnection,
) -> list[tuple[str | None, str, bool, str | None, int]]:
    """Work-release people per facility, status, placed now and site (when placed)."""
    return _rows(
        con,
        "SELECT facility_id, status, coalesce(is_placed_on_work_release, false) AS placed, "
        "CASE WHEN placed THEN work_release_site_id END, count(*) FROM work_release "
        "GROUP BY ALL ORDER BY ALL",
    )


def referential_gaps(lake: Lake, as_of: dt.date) -> list[dict[str, Any]]:
    """The build's referential gaps (records, never people: the `data_quality_gaps` mart of
    the set the report reads); none for a lake built before that mart existed."""
    path = lake.mart("data_quality_gaps", as_of)
    if not path.exists():
        path = lake.mart("data_quality_gaps")
    if not path.exists():
        return []
    return sorted(pq.read_table(path).to_pylist(), key=lambda row: row["gap"])
