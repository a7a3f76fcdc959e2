"""Tables of the monitoring reports, gathered from the lake as plain Python values.

One function per table. They read only the curated marts of one published set (the
person-level decisions and the aggregate marts dbt builds for the reports, under the same
point-in-time rule: events recorded by the as-of date, a Vietnam day), the quarantine, the
ledger and the validation results; never the raw events. People are counted with DuckDB
inside the query (`count(*)`, sums of the marts' counts); no person key or name ever
leaves SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
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

# The views a report's connection holds, and the mart each reads (models/marts/).
MART_VIEWS = {
    "amnesty": "amnesty_eligibility",  # person-level: under restricted/curated/
    "work_release": "work_release_eligibility",  # person-level
    "round_calendar": "amnesty_round_calendar",
    "lifecycle": "round_lifecycle",
    "registry": "facility_registry",
    "wr_activity": "work_release_activity",
    "landed": "landed_events_daily",
    "freshness": "source_freshness",
}


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


def connect(lake: Lake, as_of: dt.date | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per mart of `MART_VIEWS`: the set published for
    `as_of`, or the latest published set (a lake with none published yet: dbt's own last
    build). Every view comes from the one set, so the decisions, the lifecycle and the annex
    share their as-of date."""
    con = duckdb.connect()
    latest = lake.latest_as_of()  # read once: every view from one set
    published = (as_of or latest) if latest is not None else None
    for view, mart in MART_VIEWS.items():
        path = lake.mart(mart, published)
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


def round_info(con: duckdb.DuckDBPyConnection, round_id: str) -> dict[str, Any]:
    """The round as declared (the calendar mart: the declaration over the rule seed) and
    the rule versions its decisions used."""
    info: dict[str, Any] = {"round_id": round_id}
    found = con.execute(
        "SELECT decision_no, signed_date, cutoff_date, rule_version FROM round_calendar "
        "WHERE round_id = ?",
        [round_id],
    ).fetchall()
    if found:
        for name, value in zip(
            ("decision_no", "signed_date", "cutoff_date", "rule_version"), found[0], strict=True
        ):
            if value is not None:
                info[name] = value
    versions = _rows(
        con,
        "SELECT DISTINCT rule_version FROM amnesty WHERE round_id = ? ORDER BY 1",
        [round_id],
    )
    info["rule_versions"] = [v for (v,) in versions]
    return info


def facilities(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Registered facilities (the registry mart): name, kind, agency, province, sites."""
    found: dict[str, dict[str, Any]] = {}
    for facility_id, name, kind, agency, province, sites in _rows(
        con,
        "SELECT facility_id, facility_name, facility_kind, agency, province, work_sites "
        "FROM registry ORDER BY facility_id",
    ):
        found[facility_id] = {
            "facility_id": facility_id,
            "name": name or facility_id,
            "kind": kind,
            "agency": agency,
            "province": province,
            "work_sites": [(s["site_id"], float(s["distance_km"])) for s in sites or []],
        }
    return found


def review_channels() -> dict[str, dict[str, str]]:
    """The review channels of the seed (rules/amnesty_review_channels.csv), in seed order."""
    with open(SEEDS / "rules" / "amnesty_review_channels.csv", encoding="utf-8", newline="") as f:
        return {r["review_channel"]: r for r in csv.DictReader(f)}


def courts() -> dict[str, dict[str, str]]:
    """The courts of the seed (courts.csv): name, level, province."""
    with open(SEEDS / "courts.csv", encoding="utf-8", newline="") as f:
        return {r["court_id"]: r for r in csv.DictReader(f)}


def channel_reviewing(reviews: str) -> list[str]:
    """The channels of the seed that review `reviews` (facility_agency or
    temporary_suspension)."""
    return [c for c, row in review_channels().items() if row["reviews"] == reviews]


def as_of_date(con: duckdb.DuckDBPyConnection, view: str = "amnesty") -> dt.date | None:
    return _rows(con, f"SELECT max(as_of_date) FROM {view}")[0][0]


def round_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r for (r,) in _rows(con, "SELECT DISTINCT round_id FROM amnesty ORDER BY 1")]


# --- amnesty round -------------------------------------------------------------------------


def status_counts(
    con: duckdb.DuckDBPyConnection, round_id: str, by: str | None = None
) -> dict[str, Counter]:
    """People per status, overall (key "") or by agency / province / facility_id /
    nationality / review_channel ("" when the column is empty)."""
    if by not in (None, "agency", "province", "facility_id", "nationality", "review_channel"):
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


# The round's lifecycle mart, its keys as the report prints them ("" when unknown).
_LIFECYCLE = """
life AS (
    SELECT coalesce(review_channel, '') AS channel, coalesce(court_id, '') AS court,
           coalesce(nationality, '') AS nationality, is_proposed, is_granted, is_released,
           proposal_timing, proposed_date, effective_date, grant_decision_no, released_date,
           coalesce(unattributed_reason, '') AS unattributed, people
    FROM lifecycle WHERE round_id = $round
)
"""


def lifecycle_counts(con: duckdb.DuckDBPyConnection, round_id: str) -> dict[str, dict[str, int]]:
    """Distinct people proposed, granted and released (amnesty) in the round, by review
    channel ("" when no channel answers for them), overall ("*") and foreigners ("foreign")."""
    rows = _rows(
        con,
        f"WITH {_LIFECYCLE} SELECT channel, nationality <> 'VN' AND nationality <> '', "
        "sum(people) FILTER (WHERE is_proposed), sum(people) FILTER (WHERE is_granted), "
        "sum(people) FILTER (WHERE is_released) FROM life GROUP BY ALL",
        {"round": round_id},
    )
    result: dict[str, dict[str, int]] = defaultdict(lambda: Counter())
    for channel, foreign, proposed, granted, released in rows:
        for key in (channel, "*", *(["foreign"] if foreign else [])):
            result[key]["proposed"] += int(proposed or 0)
            result[key]["granted"] += int(granted or 0)
            result[key]["released"] += int(released or 0)
    return {k: dict(v) for k, v in result.items()}


def court_counts(con: duckdb.DuckDBPyConnection, round_id: str) -> dict[str, Counter]:
    """The courts' review channel per court: considered and each status (decisions),
    proposed and granted (lifecycle)."""
    courts_channel = channel_reviewing("temporary_suspension")
    result: dict[str, Counter] = defaultdict(Counter)
    for court, status, people in _rows(
        con,
        "SELECT coalesce(court_id, ''), status, count(*) FROM amnesty WHERE round_id = ? "
        "AND list_contains(?, review_channel) GROUP BY ALL",
        [round_id, courts_channel],
    ):
        result[court][status] += people
    for court, proposed, granted in _rows(
        con,
        f"WITH {_LIFECYCLE} SELECT court, sum(people) FILTER (WHERE is_proposed), "
        "sum(people) FILTER (WHERE is_granted) FROM life WHERE list_contains($channels, channel) "
        "GROUP BY ALL",
        {"round": round_id, "channels": courts_channel},
    ):
        result[court]["proposed"] += int(proposed or 0)
        result[court]["granted"] += int(granted or 0)
    return dict(result)


def unattributed_grants(con: duckdb.DuckDBPyConnection, round_id: str) -> Counter:
    """Grants no review channel answers for, by reason (not_considered, unknown_agency)."""
    return Counter(
        {
            reason: int(n)
            for reason, n in _rows(
                con,
                f"WITH {_LIFECYCLE} SELECT unattributed, sum(people) FROM life "
                "WHERE is_granted AND channel = '' GROUP BY 1 ORDER BY 1",
                {"round": round_id},
            )
        }
    )


def foreigners_by_nationality(
    con: duckdb.DuckDBPyConnection, round_id: str
) -> dict[str, dict[str, int]]:
    """Per nationality other than VN: people per status (mart) and granted (lifecycle)."""
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
        f"WITH {_LIFECYCLE} SELECT nationality, sum(people) FILTER (WHERE is_granted), "
        "sum(people) FILTER (WHERE is_proposed) FROM life "
        "WHERE nationality <> 'VN' GROUP BY ALL",
        {"round": round_id},
    ):
        result[nat or "?"]["granted"] += int(granted or 0)
        result[nat or "?"]["proposed"] += int(proposed or 0)
    return {k: dict(v) for k, v in result.items()}


def round_dates(con: duckdb.DuckDBPyConnection, round_id: str) -> dict[str, Any]:
    """Actual dates from the lifecycle: proposals (first, last, per day), effective date,
    releases."""
    params = {"round": round_id}
    first, last, total = _rows(
        con,
        f"WITH {_LIFECYCLE} SELECT min(proposed_date), max(proposed_date), "
        "coalesce(sum(people) FILTER (WHERE proposed_date IS NOT NULL), 0) FROM life",
        params,
    )[0]
    per_day = _rows(
        con,
        f"WITH {_LIFECYCLE} SELECT proposed_date, sum(people) FROM life "
        "WHERE proposed_date IS NOT NULL GROUP BY 1 ORDER BY 1",
        params,
    )
    effective = _rows(
        con,
        f"WITH {_LIFECYCLE} SELECT effective_date, grant_decision_no, sum(people) FROM life "
        "WHERE is_granted GROUP BY ALL ORDER BY 3 DESC, 1 LIMIT 1",
        params,
    )
    releases = _rows(
        con, f"WITH {_LIFECYCLE} SELECT min(released_date), max(released_date) FROM life", params
    )[0]
    return {
        "first_proposal": first,
        "last_proposal": last,
        "proposals": int(total),
        "proposals_per_day": [(day, int(n)) for day, n in per_day],
        "effective_date": effective[0][0] if effective else None,
        "grant_decision_no": effective[0][1] if effective else None,
        "first_release": releases[0],
        "last_release": releases[1],
    }


def procedural_deadlines(con: duckdb.DuckDBPyConnection, round_id: str) -> dict[str, dt.date]:
    """The procedure's time limits of the round (the calendar mart, from the seed
    rules/amnesty_procedure.csv); none when the round is not in it."""
    found = _rows(
        con,
        "SELECT apply_by, facility_lists_by, complaints_by, court_lists_by, appraisal_by "
        "FROM round_calendar WHERE round_id = ?",
        [round_id],
    )
    if not found:
        return {}
    keys = ["tl_apply", "tl_facility_lists", "tl_complaints", "tl_court_lists", "tl_appraisal"]
    return {k: v for k, v in zip(keys, found[0], strict=True) if v is not None}


def late_proposals(con: duckdb.DuckDBPyConnection, round_id: str) -> int:
    """People proposed after the facility lists' deadline (round_lifecycle.proposal_timing)."""
    return int(
        _rows(
            con,
            f"WITH {_LIFECYCLE} SELECT coalesce(sum(people), 0) FROM life "
            "WHERE proposal_timing = 'late'",
            {"round": round_id},
        )[0][0]
    )


def round_comparison(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every round in the mart: statuses (decisions) and proposed / granted / released
    (lifecycle)."""
    rows = []
    for round_id in round_ids(con):
        counts = status_counts(con, round_id).get("", Counter())
        life = lifecycle_counts(con, round_id).get("*", {})
        info = round_info(con, round_id)
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
    """Per facility at the as-of date: statuses, placed now, nearest site distance and the
    policy's distance limit (seeds/rules/work_release_policy.csv, as the mart applied it)."""
    rows = _rows(
        con,
        "SELECT facility_id, any_value(agency), any_value(province), "
        "count(*) FILTER (WHERE status = 'eligible'), "
        "count(*) FILTER (WHERE status = 'almost_eligible'), "
        "count(*) FILTER (WHERE status = 'ineligible'), "
        "count(*) FILTER (WHERE status = 'excluded'), "
        "count(*) FILTER (WHERE is_placed_on_work_release), min(nearest_site_km), "
        "min(max_site_distance_km) "
        "FROM work_release GROUP BY 1 ORDER BY 1",
    )
    keys = ["facility_id", "agency", "province", *STATUSES, "placed", "nearest_site_km",
            "site_limit_km"]  # fmt: skip
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
            SELECT site_id, any_value(facility_id) AS facility_id,
                   coalesce(sum(people) FILTER (WHERE movement = 'placed'
                                                AND movement_year = $year), 0) AS placements,
                   coalesce(sum(people) FILTER (WHERE movement = 'returned'
                                                AND movement_year = $year), 0) AS returns
            FROM wr_activity WHERE return_reason = 'all' GROUP BY 1
        ),
        now AS (
            SELECT work_release_site_id AS site_id, count(*) AS placed FROM work_release
            WHERE is_placed_on_work_release GROUP BY 1
        )
        SELECT site_id, ev.facility_id, ev.placements, ev.returns, coalesce(now.placed, 0)
        FROM ev LEFT JOIN now USING (site_id) ORDER BY 1
        """,
        {"year": year},
    )
    keys = ["site_id", "facility_id", "placements", "returns", "placed_now"]
    return [dict(zip(keys, [*row[:2], *(int(v) for v in row[2:])], strict=True)) for row in rows]


def wr_returns(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, Counter]:
    """Returns dated in `year` (movements) by the site's facility and reason."""
    result: dict[str, Counter] = defaultdict(Counter)
    for facility_id, reason, n in _rows(
        con,
        "SELECT facility_id, return_reason, sum(events) FROM wr_activity "
        "WHERE movement = 'returned' AND return_reason <> 'all' AND movement_year = $year "
        "GROUP BY ALL",
        {"year": year},
    ):
        result[facility_id or ""][reason] += int(n)
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
    """Records landed per topic and day recorded (Vietnam, as the marts count days), the
    `days` days up to as_of (the landed_events_daily mart)."""
    start = as_of - dt.timedelta(days=days - 1)
    counts = {
        (day, topic): int(n)
        for day, topic, n in _rows(
            con,
            "SELECT recorded_date, kafka_topic, events FROM landed "
            "WHERE recorded_date BETWEEN $start AND $end",
            {"start": start, "end": as_of},
        )
    }
    topics = [t for (t,) in _rows(con, "SELECT DISTINCT kafka_topic FROM landed ORDER BY 1")]
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


def freshness(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """dbt source freshness of each raw source at the as-of date (the source_freshness
    mart): latest record, its age at the end of the as-of day, thresholds and status."""
    rows = _rows(
        con,
        "SELECT table_name, max_loaded_at, age_hours, warn_after, error_after, status "
        "FROM freshness ORDER BY source_name, table_name",
    )
    result = []
    for table, latest, age_hours, warn, error, status in rows:
        epoch = latest is None or latest.year <= 1970  # no record at all
        result.append(
            {
                "source": table,
                "latest": "" if epoch else latest.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "age_hours": None if epoch or age_hours is None else round(float(age_hours), 1),
                "warn_after": warn or "",
                "error_after": error or "",
                "status": status or "",
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
) -> list[tuple[str, str, str, str, str, str, str, int]]:
    """People per facility, agency, province, review channel, court (courts channel),
    nationality (as the foreigners table keys it: "?" when missing) and status. Every
    status table of the round report sums these."""
    return _rows(
        con,
        "SELECT coalesce(facility_id, ''), coalesce(agency, ''), coalesce(province, ''), "
        "coalesce(review_channel, ''), coalesce(court_id, ''), coalesce(nationality, '?'), "
        "status, count(*) FROM amnesty WHERE round_id = ? GROUP BY ALL ORDER BY ALL",
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
    con: duckdb.DuckDBPyConnection, round_id: str
) -> list[tuple[str, str, str, bool, bool, bool, bool, str, str, int]]:
    """People of `lifecycle_counts` per review channel, court, nationality (as the
    foreigners table keys it), foreigner as `lifecycle_counts` counts one, proposed,
    granted, released, proposal timing (late, on_time, none) and why no channel answers
    for them ("" when one does)."""
    return [
        (*row[:-1], int(row[-1]))
        for row in _rows(
            con,
            f"WITH {_LIFECYCLE} SELECT channel, court, CASE WHEN nationality = '' THEN '?' "
            "ELSE nationality END, nationality <> 'VN' AND nationality <> '', is_proposed, "
            "is_granted, is_released, proposal_timing, unattributed, sum(people) FROM life "
            "GROUP BY ALL ORDER BY ALL",
            {"round": round_id},
        )
    ]


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
