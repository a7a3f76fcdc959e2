"""Latest only moves forward, published as a set (issue #15): a backfill of an earlier day
writes its snapshot and leaves the published marts alone, an impossible as-of date is
refused before dbt runs, a dbt failure names its node, and killing a build kills dbt.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import DEMO_AS_OF, copy_of_demo_lake

from clemency.lake.audit import sha256_of
from clemency.lake.layout import Lake
from clemency.transform.dbt import TransformError, failed_node, transform, warn_stale_sources

AS_OF = DEMO_AS_OF


@pytest.fixture(scope="module")
def built(tmp_path_factory, demo_lake_template) -> Lake:
    """This module's copy of the session's demo lake (tests/conftest.py)."""
    return copy_of_demo_lake(demo_lake_template, tmp_path_factory.mktemp("latest"))


@pytest.mark.slow
@pytest.mark.broker
def test_a_backfill_of_an_earlier_day_never_replaces_the_latest_set(built):
    lake = built
    assert lake.latest_as_of() == AS_OF
    published = {p.name: sha256_of(p) for p in lake.curated.glob("*.parquet")}
    latest_person_mart = sha256_of(lake.mart("amnesty_eligibility"))

    earlier = AS_OF - dt.timedelta(days=10)
    result = transform(lake, earlier)

    assert result.latest is False
    assert lake.latest_as_of() == AS_OF  # the pointer did not move back
    assert {p.name: sha256_of(p) for p in lake.curated.glob("*.parquet")} == published
    assert sha256_of(lake.mart("amnesty_eligibility")) == latest_person_mart
    backfilled = pq.read_table(lake.mart("amnesty_eligibility", earlier)).to_pylist()
    assert {row["as_of_date"] for row in backfilled} == {earlier}  # its own snapshot
    for link in lake.latest_links():  # the links still point at the latest set
        assert link.resolve().name == f"as_of={AS_OF.isoformat()}"
    pointer = json.loads(lake.latest_pointer.read_text())
    assert pointer["as_of"] == AS_OF.isoformat()


@pytest.mark.slow
@pytest.mark.broker
def test_an_as_of_after_today_or_before_the_first_event_is_refused(built):
    lake = built
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(TransformError, match=rf"--as-of {tomorrow} is after today"):
        transform(lake, tomorrow)
    with pytest.raises(TransformError, match="is before the first landed event"):
        transform(lake, dt.date(1800, 1, 1))
    assert lake.latest_as_of() == AS_OF


@pytest.mark.slow
@pytest.mark.broker
def test_a_build_with_no_person_publishes_no_row_of_nulls_and_not_as_latest(
    demo_lake_template, tmp_path
):
    """The raw zone emptied under a published lake (a purge gone wrong, the wrong disk
    mounted): the next day's build has no person. Its snapshot is kept, with no row in
    person_status and no row that is null in every column in any mart (dbt-duckdb's
    external materialization writes such a row for a model with none; the marts'
    materialization, macros/parquet_mart.sql, must not), and it does not become the latest
    set. Each mart is in the warehouse as a view of its file, never as a table of rows."""
    lake = copy_of_demo_lake(demo_lake_template, tmp_path)
    published = {p.name: sha256_of(p) for p in lake.curated.glob("*.parquet")}
    for raw_file in lake.raw.glob("*/partition=*/*.parquet"):
        raw_file.unlink()
    day = AS_OF + dt.timedelta(days=1)

    with pytest.raises(TransformError, match="has no person at all"):
        transform(lake, day)

    assert lake.latest_as_of() == AS_OF
    assert {p.name: sha256_of(p) for p in lake.curated.glob("*.parquet")} == published
    assert pq.ParquetFile(lake.mart("person_status", day)).metadata.num_rows == 0
    marts = [*lake.snapshot(day).glob("*.parquet"), *lake.snapshot(day, True).glob("*.parquet")]
    assert len(marts) >= 12
    for mart in marts:
        table = pq.read_table(mart)
        for row in table.to_pylist():
            assert any(value is not None for value in row.values()), f"{mart}: a row of nulls"
    with duckdb.connect(str(lake.warehouse), read_only=True) as connection:
        kinds = dict(connection.execute(
            "select table_name, table_type from information_schema.tables"
        ).fetchall())  # fmt: skip
    built = {mart.stem for mart in marts}
    assert {name: kinds.get(name) for name in built} == dict.fromkeys(built, "VIEW")


def test_a_stale_source_warns_in_the_build_log_and_never_fails_it(tmp_path, caplog):
    """The build's source_freshness mart (models/marts/source_freshness.sql) is read after
    the build: each source it does not judge `pass` is a warning in the log."""
    import pyarrow as pa

    lake = Lake(tmp_path / "lake")
    stamp = dt.datetime(2025, 11, 14, tzinfo=dt.UTC)
    rows = [
        {"source_name": "raw", "table_name": name, "status": status, "max_loaded_at": stamp,
         "age_hours": 400.0, "warn_after": "7 day", "error_after": "30 day"}
        for name, status in (("court_events", "warn"), ("facility_events", "pass"))
    ]  # fmt: skip
    lake.restricted_curated.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), lake.restricted_curated / "source_freshness.parquet")
    with caplog.at_level("WARNING"):
        stale = warn_stale_sources(lake, AS_OF)
    assert [row["table_name"] for row in stale] == ["court_events"]
    assert "source raw.court_events: warn at 2025-11-30" in caplog.text
    assert "2025-11-14 00:00:00" in caplog.text  # the latest record, as text
    assert "facility_events" not in caplog.text

    # and, like the footer reads of the as-of check, it costs no import of pandas (over a
    # second of every transform's process: pyarrow converts a time-zoned timestamp with it)
    probe = (
        "import sys, datetime; from clemency.lake.layout import Lake; "
        "from clemency.transform.dbt import warn_stale_sources; "
        f"warn_stale_sources(Lake({str(lake.root)!r}), datetime.date(2025, 11, 30)); "
        "print('pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False"]


def test_a_dbt_failure_names_its_node_from_run_results(tmp_path):
    results = tmp_path / "run_results.json"
    results.write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "model.clemency.int_people", "status": "success"},
                    {
                        "unique_id": "test.clemency.relationships_stg_facility__admissions_x.9f",
                        "status": "fail",
                        "message": "Got 1 result, configured to fail if != 0",
                    },
                    {"unique_id": "model.clemency.person_status", "status": "error",
                     "message": "Runtime Error\n  disk full"},
                ]
            }
        )
    )  # fmt: skip
    assert failed_node(results) == (
        "test relationships_stg_facility__admissions_x.9f: Got 1 result, configured to fail "
        "if != 0 (and 1 more)"
    )
    assert failed_node(tmp_path / "missing.json") is None


def test_a_failed_model_checks_test_says_what_failed_kind_by_kind(tmp_path):
    """The failing rows of a model_checks test (column names and counts), queried again in
    the warehouse, grouped by kind in the test's order: nulls, duplicated keys (a key is a
    list of columns: keys are joined by a semicolon), unexpected values."""
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    test_id = "test.clemency.model_checks_int_people.1a"
    rows = "('duplicated', 'a, b', 1), ('null', 'a', 2), ('duplicated', 'c', 3), ('null', 'b', 1)"
    failing = f"select * from (values {rows}) as t (check_kind, column_names, failures)"
    (tmp_path / "manifest.json").write_text(
        json.dumps({"nodes": {test_id: {"test_metadata": {"name": "model_checks"}}}})
    )
    results = tmp_path / "run_results.json"
    results.write_text(
        json.dumps(
            {
                "results": [
                    {
                        "unique_id": test_id,
                        "status": "fail",
                        "message": "Got 4 results, configured to fail if != 0",
                        "compiled_code": failing,
                    }
                ]
            }
        )
    )
    assert failed_node(results, warehouse) == (
        "test model_checks_int_people.1a: Got 4 results, configured to fail if != 0: "
        "null in a (2 rows), b (1 row); duplicated a, b (1 key); c (3 keys)"
    )
    assert failed_node(results) == (  # no warehouse to query: dbt's message only
        "test model_checks_int_people.1a: Got 4 results, configured to fail if != 0"
    )


@pytest.mark.slow
@pytest.mark.drill
def test_killing_a_transform_kills_its_dbt(tmp_path):
    lake = tmp_path / "lake"
    env = {**os.environ, "CLEMENCY_LAKE": str(lake), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("CLEMENCY_ENVIRONMENT", None)
    clemency = str(Path(sys.executable).with_name("clemency"))
    parent = subprocess.Popen([clemency, "transform", "--as-of", "2025-11-30"], env=env)
    try:
        dbt = None
        deadline = time.monotonic() + 120
        while dbt is None and time.monotonic() < deadline:
            children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children")
            found = children.read_text().split() if children.exists() else []
            dbt = int(found[0]) if found else None
            time.sleep(0.2)
        assert dbt is not None, "dbt never started"
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        for _ in range(100):  # the kernel kills the orphan at once; allow it a moment
            if not Path(f"/proc/{dbt}").exists() or "Z" in _state(dbt):
                break
            time.sleep(0.1)
        assert not Path(f"/proc/{dbt}").exists() or "Z" in _state(dbt), "dbt outlived it"
    finally:
        parent.kill()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return "Z"


def _land_admissions_to_an_unregistered_facility(lake: Lake, count: int, first: int) -> None:
    """Raw records as the ingest lands them: admissions naming a facility no registry event
    ever declared (its own partition, so the simulated ones are untouched)."""
    import pyarrow as pa
    from factories import admitted

    from clemency.ingest.decode import Coordinates, decode
    from clemency.ingest.publish import encode
    from clemency.lake import atomic
    from clemency.lake.schemas import RAW_SCHEMA

    rows = []
    for n in range(count):
        person = f"0010859{first + n:05d}"
        event = admitted(person)
        event["payload"]["facility_id"] = "TG-NOWHERE-99"
        offset = first + n
        where = Coordinates("facility.events", 9, offset, person.encode(), 1_700_000_000_000)
        verdict = decode(encode(event), where)
        assert verdict.row is not None, verdict.reasons
        rows.append(
            {
                **verdict.row,
                "kafka_topic": "facility.events",
                "kafka_partition": 9,
                "kafka_offset": offset,
                "kafka_key": person,
                "kafka_timestamp": dt.datetime(2024, 1, 10, tzinfo=dt.UTC),
                "kafka_headers": [],
            }
        )
    path = lake.offset_file(lake.raw, "facility.events", 9, first)
    atomic.write_parquet(path, pa.Table.from_pylist(rows, RAW_SCHEMA))


@pytest.mark.slow
@pytest.mark.broker
def test_a_referential_gap_degrades_its_decisions_instead_of_stopping_the_build(built):
    """One admission naming an unregistered facility used to fail a relationships test:
    no marts for anyone, and an error ending in an empty tail."""
    lake = built
    _land_admissions_to_an_unregistered_facility(lake, 1, first=0)
    transform(lake, AS_OF)  # builds
    gaps = {r["gap"]: r for r in pq.read_table(lake.mart("data_quality_gaps")).to_pylist()}
    assert gaps["admission_to_unregistered_facility"]["gap_rows"] == 1
    people = pq.read_table(lake.mart("person_status")).num_rows
    assert people > 150  # everybody's decision, the one with a gap included

    # past the configured share (1 %) the build stops, naming the check, and publishes nothing
    _land_admissions_to_an_unregistered_facility(lake, 40, first=1)
    before = lake.latest_pointer.read_text()
    with pytest.raises(TransformError, match="referential_gaps_within_share"):
        transform(lake, AS_OF)
    assert lake.latest_pointer.read_text() == before
