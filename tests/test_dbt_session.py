"""One dbt process for the builds of a backfill (clemency/transform/dbt_session.py).

Judged from outside the session: the warehouse file is free for another process between
commands (dbt-duckdb would otherwise hold it until its process exits), each command sees
the as-of date written before it, a failing command reads exactly as a failing `dbt`
process does, and a session whose process died fails the build with one line. That the
days of a backfill built this way publish the bytes `--as-of` publishes is
tests/test_incremental.py's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import stat
from pathlib import Path

import pytest

from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.paths import TRANSFORMS_DIR
from clemency.transform import parse_cache
from clemency.transform.dbt import TransformError, ensure_raw_topics, run_dbt
from clemency.transform.dbt_session import DbtSession
from clemency.transform.warehouse_state import open_warehouse

pytestmark = pytest.mark.slow

DAYS = [dt.date(2025, 11, 29), dt.date(2025, 11, 30)]
AS_OF_MODEL = "stg_run__as_of_dates"


def _as_of_seen(lake: Lake) -> list[dt.date]:
    """What the staged as-of view reads, from this process, read-only."""
    with open_warehouse(lake) as connection:
        (schema,) = connection.execute(
            "select schema_name from duckdb_views() where view_name = ?", [AS_OF_MODEL]
        ).fetchone()
        rows = connection.execute(f"select * from {schema}.{AS_OF_MODEL}").fetchall()
        return [row[0] for row in rows]


@pytest.fixture
def lake(tmp_path) -> Lake:
    built = Lake(tmp_path / "lake")
    ensure_raw_topics(built)
    return built


def test_one_process_runs_each_command_frees_the_warehouse_and_keeps_its_vars(lake, tmp_path):
    other = Lake(tmp_path / "other")
    ensure_raw_topics(other)
    with DbtSession() as session:
        pids = []
        for day in DAYS:
            run_dbt(lake, day, "run", "--select", AS_OF_MODEL, session=session)
            pids.append(session.pid)
            # opened by another process while the session lives: dbt let go of the file
            assert _as_of_seen(lake) == [day]
        assert session.commands == len(DAYS)
        assert pids[0] is not None and set(pids) == {pids[0]}
        os.kill(pids[0], 0)  # still alive, waiting for the next command
        # its one manifest was parsed with this lake's vars: another lake's are refused
        with pytest.raises(ValueError, match="one environment and vars"):
            run_dbt(other, DAYS[0], "run", "--select", AS_OF_MODEL, session=session)
        # released: the child exits on its own, before the session is closed
        session.release()
        process = session._process
        assert process is not None and process.wait(timeout=30) == 0
        with pytest.raises(ValueError, match="released"):
            run_dbt(lake, DAYS[0], "run", "--select", AS_OF_MODEL, session=session)
    assert stat.S_IMODE(lake.warehouse.stat().st_mode) == 0o600
    assert lake.dbt_manifest.is_file()


def test_a_failing_command_names_its_node_and_a_dead_session_fails_in_one_line(lake, monkeypatch):
    write_json = atomic.write_json

    def with_a_null(path, rows, **kwargs):  # the as-of file, with a row without a date
        if Path(path).name == lake.dbt_as_of_dates.name:
            rows = [*rows, {"as_of_date": None}]
        return write_json(path, rows, **kwargs)

    with DbtSession() as session:
        run_dbt(lake, DAYS[0], "run", "--select", AS_OF_MODEL, session=session)
        monkeypatch.setattr(atomic, "write_json", with_a_null)
        with pytest.raises(TransformError) as failed:
            run_dbt(lake, DAYS[1], "test", "--select", AS_OF_MODEL, session=session)
        first = str(failed.value).splitlines()[0]
        assert first.startswith(f"dbt test failed for as-of {DAYS[1]}: test model_checks_")
        assert first.endswith(": null in as_of_date (1 row)"), first
        monkeypatch.setattr(atomic, "write_json", write_json)
        run_dbt(lake, DAYS[1], "test", "--select", AS_OF_MODEL, session=session)  # goes on
        assert session.commands == 3 and session.pid is not None

        os.kill(session.pid, signal.SIGKILL)
        with pytest.raises(TransformError) as died:
            run_dbt(lake, DAYS[1], "run", "--select", AS_OF_MODEL, session=session)
    assert str(died.value) == (
        f"dbt run failed for as-of {DAYS[1]}: dbt's process exited (code -9) during `dbt run`"
    )


def _parsed_whole_project(lake: Lake) -> bool:
    """Whether the lake's last `dbt parse` parsed every file of the project (dbt's own
    account, `perf_info.json`)."""
    performance = json.loads((lake.dbt_target / "perf_info.json").read_text(encoding="utf-8"))
    return performance["parsed_path_count"] == performance["path_count"] > 0


def test_a_new_lake_starts_from_the_last_lakes_parse(tmp_path, monkeypatch):
    """dbt runs in the lake's root with relative paths, so its parse does not name the lake:
    a new lake's first command parses only what changed, not the whole project. A kept
    parse that cannot be read costs a full parse, not the build."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first, second, third = (Lake(tmp_path / name) for name in ("first", "second", "third"))
    for each in (first, second, third):
        ensure_raw_topics(each)
    run_dbt(first, DAYS[0], "parse")
    assert _parsed_whole_project(first)
    kept = parse_cache.cache_file()
    assert kept.is_relative_to(tmp_path / "cache")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600

    run_dbt(second, DAYS[1], "parse")
    assert not _parsed_whole_project(second)
    run_dbt(second, DAYS[1], "run", "--select", AS_OF_MODEL)
    assert _as_of_seen(second) == [DAYS[1]]  # built over its own as-of file, from its root

    kept.write_bytes(b"not a parse")
    run_dbt(third, DAYS[0], "parse")
    assert _parsed_whole_project(third)
    assert kept.read_bytes() == (third.dbt_target / parse_cache.PARTIAL_PARSE).read_bytes()


def test_a_parse_started_early_answers_the_first_command_and_the_next_parses_again(tmp_path):
    """`start` parses before any command is sent (transform_range overlaps it with its
    checks): a parse that fails is the first command's answer, named as dbt names it, and
    the command after it parses again rather than running over no manifest."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: early\nconfig-version: 2\nprofile: clemency\nmodel-paths: [models]\n"
    )
    (project / "models" / "answer.sql").write_text("select 42 as answer\n")
    properties = project / "models" / "answer.yml"
    properties.write_text("version: 2\nmodels: [{name: answer\n")  # not YAML
    common = ["--project-dir", str(project), "--profiles-dir", str(TRANSFORMS_DIR)]
    env = {
        **os.environ,
        "CLEMENCY_DBT_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    with DbtSession() as session:
        session.start(common, env, tmp_path)
        code, output = session.run(["ls"], common, env, tmp_path)
        assert code != 0 and "answer.yml" in output, output
        properties.write_text("version: 2\nmodels: [{name: answer}]\n")
        code, output = session.run(["ls"], common, env, tmp_path)
        assert code == 0 and "early.answer" in output, output
        assert session.commands == 2
