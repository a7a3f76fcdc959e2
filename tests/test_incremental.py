"""Incremental builds and backfills (issue #16) on a small simulated lake over five days.

One lake grows a day at a time and is built incrementally after each day, as the daily DAG
does; a second lake gets the same raw files and builds the five days in one backfill from
scratch (`--full-refresh`), in one dbt process. Every mart of every day must be the same
bytes in both: an incremental chain, a full refresh and a backfill all publish what
`--as-of` would.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess

import duckdb
import pyarrow.parquet as pq
import pytest

from clemency.ingest.publish import publish_events
from clemency.ingest.run import ingest
from clemency.kafka.clients import ensure_topics
from clemency.lake.audit import sha256_of
from clemency.lake.layout import Lake
from clemency.orchestration import build_run_days
from clemency.transform.dbt import (
    Selection,
    TransformError,
    snapshot_is_current,
    transform,
    transform_range,
)
from clemency.transform.person_level import person_level_models
from producers.simulator import SimulationConfig, simulate

pytestmark = [pytest.mark.slow, pytest.mark.broker]

FIRST = dt.date(2025, 11, 26)
DAYS = [FIRST + dt.timedelta(days=n) for n in range(5)]


def _recorded_day(event: dict) -> dt.date:
    return dt.date.fromisoformat(event["recorded_at"][:10])


def _marts(lake: Lake, day: dt.date) -> dict[str, str]:
    """Every published mart of `day`, aggregate and person-level, by its SHA-256."""
    return {
        f"{'restricted/' if person_level else ''}{path.name}": sha256_of(path)
        for person_level in (False, True)
        for path in sorted(lake.snapshot(day, person_level).glob("*.parquet"))
    }


def _compiled(lake: Lake, model: str) -> str:
    results = json.loads((lake.dbt_target / "run_results.json").read_text(encoding="utf-8"))
    (found,) = [r for r in results["results"] if r["unique_id"].endswith(f".{model}")]
    return found.get("compiled_code") or ""


def _ran(lake: Lake) -> set[str]:
    """The names of the nodes the last build ran."""
    results = json.loads((lake.dbt_target / "run_results.json").read_text(encoding="utf-8"))
    return {r["unique_id"].split(".")[2] for r in results["results"]}


def _scope(lake: Lake) -> tuple[set[dt.date], set[str]]:
    """What the last build kept of the person-level tables: the evaluation dates, and the
    people it recomputed at them (model int_evaluation_scope)."""
    with duckdb.connect(str(lake.warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select kept_evaluation_date, recomputed_person_id from int_evaluation_scope"
        ).fetchall()
    return {d for d, _ in rows if d is not None}, {p for _, p in rows if p is not None}


def _carried(lake: Lake) -> set[tuple[dt.date, dt.date]]:
    """The dates whose rows the last build carried to a later one (int_evaluation_scope)."""
    with duckdb.connect(str(lake.warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select carried_from_date, carried_to_date from int_evaluation_scope "
            "where carried_from_date is not null"
        ).fetchall()
    return set(rows)


def _cutoffs(lake: Lake) -> set[dt.date]:
    """The cutoffs of the rounds the last build evaluated."""
    with duckdb.connect(str(lake.warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select distinct evaluation_date from int_evaluation_points where program = 'amnesty'"
        ).fetchall()
    return {row[0] for row in rows}


def _decisions(lake: Lake, day: dt.date) -> set[tuple]:
    """Every person-level decision row of `day`'s snapshot, as-of date left out."""
    table = pq.read_table(lake.snapshot(day, True) / "amnesty_eligibility.parquet")
    table = table.drop_columns(["as_of_date"])
    return {tuple(str(v) for v in row.values()) for row in table.to_pylist()}


def _views_built(lake: Lake) -> tuple[int, int]:
    """How many view models the last build created, and how many data tests of views ran."""
    results = json.loads((lake.dbt_target / "run_results.json").read_text(encoding="utf-8"))
    nodes = json.loads(lake.dbt_manifest.read_text(encoding="utf-8"))["nodes"]
    views = {k for k, n in nodes.items() if n.get("config", {}).get("materialized") == "view"}
    ran = {r["unique_id"] for r in results["results"]}
    tests = [k for k in ran if k.startswith("test.") and views & {*nodes[k]["depends_on"]["nodes"]}]
    return len(ran & views), len(tests)


def test_an_incremental_chain_a_full_refresh_and_a_backfill_publish_the_same_bytes(
    fresh_broker, tmp_path, monkeypatch
):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=2)
    events = list(simulate(SimulationConfig(inmates=150, seed=3, as_of=DAYS[-1])))
    daily, backfilled = Lake(tmp_path / "daily"), Lake(tmp_path / "backfilled")

    chain = {}
    for day in DAYS:
        # the first day lands the whole history before it, each later day its own events
        landed = [e for e in events if _recorded_day(e) == day or _recorded_day(e) < FIRST]
        if day != FIRST:
            landed = [e for e in landed if _recorded_day(e) == day]
        assert publish_events(bootstrap, landed).ok
        ingest(bootstrap, daily, group_id="daily")
        built = transform(daily, day)
        assert built.published and built.latest
        deliveries = _compiled(daily, "stg_raw__facility_deliveries")
        # the first build stages every file; each later one only the day's new files
        assert ("already_staged" in deliveries) is (day != FIRST), day
        # and the typed event tables parse only the deliveries they do not hold yet
        typed = _compiled(daily, "base_court__sentences_imposed")
        assert ("staged_to_offset" in typed) is (day != FIRST), day
        # the first build creates the views; the later ones keep them and still test them
        # (the typed events' checks are on their tables, which every day here changes)
        views, view_tests = _views_built(daily)
        assert (views > 20) is (day == FIRST) and (views == 0) is (day != FIRST), (day, views)
        assert view_tests >= 5, (day, view_tests)
        assert sum(name.startswith("model_checks_base_") for name in _ran(daily)) == 26, day
        # and the person-level tables keep the rows of the rounds' cutoffs, recomputing only
        # the people whose events the day brought (and every row at the moving as-of date)
        kept, recomputed = _scope(daily)
        if day == FIRST:
            assert not kept and not recomputed, day  # nothing to keep yet
        else:
            assert kept == _cutoffs(daily), day
            assert recomputed == {e["person_id"] for e in landed if e.get("person_id")}, day
            # and the rows at the day before, the moving points' date, are carried to this one
            # (but for the people with an event dated between: int_carry_exceptions)
            assert _carried(daily) == {(day - dt.timedelta(days=1), day)}, day
        chain[day] = _marts(daily, day)
        assert chain[day], f"nothing published for {day}"

    shutil.copytree(daily.raw, backfilled.raw)
    started: list[list[str]] = []  # every process the backfill starts
    popen = subprocess.Popen
    monkeypatch.setattr(
        subprocess,
        "Popen",
        lambda command, *a, **k: started.append(command) or popen(command, *a, **k),
    )
    results = transform_range(backfilled, DAYS[0], DAYS[-1], selection=Selection(full_refresh=True))
    monkeypatch.undo()
    dbt_processes = [c for c in started if "clemency.transform.dbt_session" in c or "build" in c]
    assert len(dbt_processes) == 1, started  # one dbt process built the five days

    assert [r.as_of for r in results] == DAYS
    assert backfilled.latest_as_of() == DAYS[-1]
    for day in DAYS:
        assert _marts(backfilled, day) == chain[day], f"as-of {day} differs"

    # an Airflow backfill run of a day already built from these raw files and seeds is done
    # without running dbt; any other run of that day (a rerun by hand) builds it again
    (backfilled.dbt_target / "run_results.json").unlink()
    assert build_run_days(backfilled, DAYS[1], "backfill") == (False, False)
    assert build_run_days(backfilled, DAYS[-1], "backfill") == (False, True)
    assert not (backfilled.dbt_target / "run_results.json").exists()
    assert snapshot_is_current(backfilled, DAYS[1])
    assert not snapshot_is_current(daily, DAYS[0])  # built before the later days landed


def test_a_selected_build_publishes_nothing_and_a_rewritten_raw_file_or_model_restages(
    fresh_broker, tmp_path
):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    day = DAYS[-1]
    events = list(simulate(SimulationConfig(inmates=40, seed=4, as_of=day)))
    assert publish_events(bootstrap, events).ok
    lake = Lake(tmp_path / "lake")
    ingest(bootstrap, lake, group_id="g")
    transform(lake, day)
    published = _marts(lake, day)

    selected = transform(lake, day, selection=Selection(select=("person_status",)))
    assert selected.published is False and selected.latest is False
    assert _marts(lake, day) == published  # the snapshot was left alone
    assert not lake.dbt_views_built.exists()  # what a selected build leaves is not trusted

    # a raw file rewritten with fewer rows (what the gate or a replay may do): the next
    # build notices and stages every file again instead of keeping the vanished rows
    biggest = max(lake.raw.glob("facility.events/*/*.parquet"), key=lambda p: p.stat().st_size)
    table = pq.read_table(biggest)
    pq.write_table(table.slice(0, table.num_rows // 2), biggest)
    transform(lake, day)
    assert "already_staged" not in _compiled(lake, "stg_raw__facility_deliveries")
    assert "staged_to_offset" not in _compiled(lake, "base_facility__admissions")
    assert _marts(lake, day) != published
    assert _views_built(lake)[0] > 20  # after the selected build, the views are created again
    rewritten = _marts(lake, day)

    # typed event tables built by other definitions (an upgrade changed a base model): the
    # next build types every delivery again rather than only the new ones
    lake.dbt_typed_events_built.write_text('{"sha256": "an older definition"}')
    transform(lake, day)
    assert "staged_to_offset" not in _compiled(lake, "base_court__sentences_imposed")
    assert _marts(lake, day) == rewritten

    # no raw file new, gone or rewritten since: the staged tables are kept as they are, and
    # their checks, which the last build passed over these very tables, are not run again
    transform(lake, day)
    ran = _ran(lake)
    assert not ran & {"base_court__sentences_imposed", "stg_raw__facility_deliveries"}, ran
    assert not any(name.startswith("model_checks_stg_raw__facility_deliveries") for name in ran)
    assert not any(name.startswith("model_checks_base_") for name in ran)
    assert any(name.startswith("relationships_stg_facility__admissions") for name in ran)
    assert _marts(lake, day) == rewritten

    # but a build that failed since leaves no record of them passing: bad rows it staged
    # (here written into a typed table by hand) are caught by the next build, which stages
    # nothing new
    lake.dbt_staged_tested.unlink()
    with duckdb.connect(str(lake.warehouse)) as connection:
        connection.execute(
            "insert into base_facility__behaviour_grades by name "
            "select * replace (null as person_id) from base_facility__behaviour_grades limit 1"
        )
    with pytest.raises(TransformError, match="model_checks_base_facility__behaviour_grades"):
        transform(lake, day)
    assert any(name.startswith("model_checks_base_") for name in _ran(lake))


def test_a_late_event_recomputes_its_person_at_the_kept_dates(fresh_broker, tmp_path):
    """Events that land after the build of a later day, recorded before it (a facility
    system catching up, a court republishing): the next build must recompute their people
    at the rounds' cutoffs, though no event of theirs was recorded since the last build.
    Its marts must be those of a build from scratch over the same raw files."""
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    built_on, next_day = DAYS[2], DAYS[3]
    events = [
        e
        for e in simulate(SimulationConfig(inmates=80, seed=5, as_of=built_on))
        if _recorded_day(e) <= built_on
    ]
    late = [e for n, e in enumerate(events) if e.get("person_id") and n % 15 == 7]
    late_ids = {e["event_id"] for e in late}
    lake, scratch = Lake(tmp_path / "daily"), Lake(tmp_path / "scratch")

    assert publish_events(bootstrap, [e for e in events if e["event_id"] not in late_ids]).ok
    ingest(bootstrap, lake, group_id="daily")
    transform(lake, built_on)
    assert publish_events(bootstrap, late).ok  # the late ones, in raw files of their own
    ingest(bootstrap, lake, group_id="daily")
    transform(lake, next_day)

    kept, recomputed = _scope(lake)
    assert kept == _cutoffs(lake) and kept  # the cutoffs were kept, for everyone else
    assert recomputed == {e["person_id"] for e in late}
    # not a vacuous check: the late events changed decisions at the cutoffs
    assert _decisions(lake, next_day) != _decisions(lake, built_on)

    shutil.copytree(lake.raw, scratch.raw)
    transform(scratch, next_day, selection=Selection(full_refresh=True))
    assert _marts(scratch, next_day) == _marts(lake, next_day)


def test_the_carry_exceptions_read_every_date_the_carrying_models_compare(demo_lake_template):
    """A model that carries rows (meta carries_rows) moves a row to the new evaluation date
    unless its person has an event dated between the two dates (int_carry_exceptions). That
    is only right if the exceptions read every event type such a model reads, by every date
    of the event, and if such a model reads no person-level table that does not carry (its
    rows change with the date: time served counts days)."""
    nodes = json.loads(demo_lake_template.dbt_manifest.read_text(encoding="utf-8"))["nodes"]
    models = {n["name"]: n for n in nodes.values() if n["resource_type"] == "model"}

    def reads(name: str) -> set[str]:
        return {d.split(".")[-1] for d in models[name]["depends_on"]["nodes"] if ".model." in d}

    carrying = {n for n, m in models.items() if m["config"]["meta"].get("carries_rows")}
    assert {"int_behaviour_at_evaluation", "int_person_history_at_evaluation"} <= carrying
    events = {n for c in carrying for n in reads(c) if re.match(r"stg_(court|facility)__", n)}
    assert events == {n for n in reads("int_carry_exceptions") if n.startswith("stg_")}
    for model in carrying:
        assert reads(model) & set(person_level_models()) <= carrying, model

    listed: dict[str, set[str]] = {}
    for event, column in re.findall(
        r"\('(stg_\w+)', '(\w+)'\)", models["int_carry_exceptions"]["raw_code"]
    ):
        listed.setdefault(event, set()).add(column)
    with duckdb.connect(str(demo_lake_template.warehouse), read_only=True) as connection:
        for event in sorted(events):
            dates = connection.execute(
                "select column_name from information_schema.columns "
                "where table_name = ? and data_type = 'DATE' order by column_name",
                [event],
            ).fetchall()
            assert dates, event
            assert listed[event] == {d for (d,) in dates}, event
