"""Recovery drills: a component fails for real, the pipeline says so clearly, loses nothing,
and the next run (or the remedy `clemency doctor` gives) puts the lake right.

Broker down for a whole run, a disk that refuses writes while landing, a corrupted Parquet
file, and the DuckDB warehouse locked by another process.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from factories import graded
from tcp_proxy import TcpProxy
from typer.testing import CliRunner

import clemency.kafka.clients
from clemency.cli import app
from clemency.ingest.publish import publish_events
from clemency.ingest.run import ingest
from clemency.kafka.broker import EmbeddedBroker, free_port
from clemency.kafka.clients import INGEST_GROUP, ensure_topics, new_consumer
from clemency.lake.audit import load_runs, sha256_of
from clemency.lake.layout import Lake
from clemency.transform.dbt import WarehouseLocked, run_dbt, transform, wait_for_warehouse

pytestmark = [pytest.mark.broker, pytest.mark.drill]

CLEMENCY = str(Path(sys.executable).with_name("clemency"))
TOPIC = "facility.events"


def events(count: int) -> list[dict]:
    people = [f"0010852{n:05d}" for n in range(400)]
    return [graded("tốt", "2024-Q2", person_id=people[n % len(people)]) for n in range(count)]


def landed_offsets(lake: Lake) -> list[tuple[str, int, int]]:
    found = []
    for path in lake.raw.rglob("*.parquet"):
        table = pq.read_table(path, columns=["kafka_topic", "kafka_partition", "kafka_offset"])
        found += list(zip(*(table.column(i).to_pylist() for i in range(3)), strict=True))
    return sorted(found)


def committed(bootstrap: str, topic: str = TOPIC) -> dict[int, int | None]:
    from kafka import TopicPartition

    consumer = new_consumer(bootstrap, INGEST_GROUP)
    try:
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        return {p: consumer.committed(TopicPartition(topic, p)) for p in partitions}
    finally:
        consumer.close(autocommit=False)


def cli(lake: Lake, bootstrap: str, *args: str):
    env = {"CLEMENCY_LAKE": str(lake.root), "CLEMENCY_BOOTSTRAP_SERVERS": bootstrap}
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def published(fresh_broker):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    assert publish_events(bootstrap, events(3000)).sent == 3000
    return bootstrap


def test_broker_down_for_a_whole_run_then_the_next_run_catches_up(tmp_path, lake, monkeypatch):
    monkeypatch.setattr(clemency.kafka.clients, "BOOTSTRAP_TIMEOUT_MS", 3000)  # 30 s in service
    client_port, broker_port = free_port(), free_port()
    proxy = TcpProxy(client_port, broker_port).start()  # the broker advertises the relay
    broker = EmbeddedBroker(port=broker_port, advertised_port=client_port).start()
    bootstrap = f"127.0.0.1:{client_port}"
    try:
        ensure_topics(bootstrap, partitions=1)
        assert publish_events(bootstrap, events(500)).sent == 500
        proxy.stop()  # the broker is unreachable for the whole run

        started = time.monotonic()
        result = cli(lake, bootstrap, "ingest")
        assert result.exit_code == 1
        message = " ".join(result.output.split())
        assert f"BrokerUnavailable: no Kafka broker answered at {bootstrap}" in message
        assert "nothing was read, landed or committed" in message
        assert time.monotonic() - started < 30  # bounded: it does not hang
        assert not list(lake.raw.rglob("*.parquet")) and not lake.ingest_ledger.exists()
        (failed,) = load_runs(lake, command="ingest")
        assert failed.status == "failed" and failed.error.startswith("BrokerUnavailable")
        assert failed.inputs == [] and failed.outputs == []

        proxy.start()
        assert committed(bootstrap) == {0: None}  # nothing was committed by the failed run
        caught_up = ingest(bootstrap, lake)
        assert caught_up.total("landed") == 500
        assert [offset for *_, offset in landed_offsets(lake)] == list(range(500))
        assert committed(bootstrap) == {0: 500}
    finally:
        proxy.stop()
        broker.stop()


def _file_size_limit(limit_bytes: int):
    """In the child: the kernel refuses any write past `limit_bytes` in one file (EFBIG),
    the way a full disk refuses writes (ENOSPC), without needing a real full disk."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write, do not kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return apply


def test_disk_refusing_writes_while_landing_leaves_no_file_and_commits_nothing(published, lake):
    env = {
        "PATH": "/usr/bin:/bin",
        "CLEMENCY_LAKE": str(lake.root),
        "CLEMENCY_BOOTSTRAP_SERVERS": published,
        # the limit applies to every file the child writes: no truncated .pyc in the venv
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    full = subprocess.run(
        [CLEMENCY, "ingest"],
        env=env,
        preexec_fn=_file_size_limit(32 * 1024),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert full.returncode == 1, full.stdout + full.stderr
    message = " ".join(full.stderr.split())
    assert "LakeWriteError" in message and "File too large" in message
    assert "could not write" in message and "no part of it is visible" in message
    assert not list(lake.raw.rglob("*.parquet")), "a partial file became visible"
    assert not list(lake.root.rglob(".*.tmp")), "a temporary file was left behind"
    assert committed(published) == {0: None}
    (failed,) = load_runs(lake, command="ingest")
    assert failed.status == "failed" and "File too large" in failed.error

    space_again = ingest(published, lake)
    assert space_again.total("landed") == 3000
    assert [offset for *_, offset in landed_offsets(lake)] == list(range(3000))
    assert committed(published) == {0: 3000}


def land_in_three_files(bootstrap: str, lake: Lake) -> None:
    """Offsets 0-999, 1000-1999 and 2000-2999, one file each."""
    ensure_topics(bootstrap, partitions=1)
    for _ in range(3):
        assert publish_events(bootstrap, events(1000)).sent == 1000
        assert ingest(bootstrap, lake).total("landed") == 1000


def test_doctor_finds_corrupted_parquet_and_its_remedy_repairs_the_lake(fresh_broker, lake):
    published = fresh_broker.bootstrap_servers
    land_in_three_files(published, lake)
    files = sorted((lake.raw / TOPIC).rglob("*.parquet"))
    assert len(files) == 3
    healthy = cli(lake, published, "doctor")
    assert healthy.exit_code == 0, healthy.output
    assert "0 error(s)" in healthy.output

    truncated, flipped = files[1], files[2]
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    data = bytearray(flipped.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 64] = bytes(64)  # footer intact, pages damaged
    flipped.write_bytes(bytes(data))

    report = cli(lake, published, "doctor", "--json")
    assert report.exit_code == 1
    findings = json.loads(report.output)
    by_path = {}
    for finding in findings:
        by_path.setdefault(finding["path"], set()).add(finding["code"])
    relative = [str(path.relative_to(lake.root)) for path in (truncated, flipped)]
    assert "corrupt_parquet" in by_path[relative[0]]
    assert by_path[relative[1]] & {"corrupt_parquet", "checksum_mismatch"}
    (corrupt,) = [
        f for f in findings if f["path"] == relative[0] and f["code"] == "corrupt_parquet"
    ]
    assert "--from-offset 1000" in corrupt["remedy"]

    # The remedy, as the doctor gives it: rewind, land again (the ingest replaces the files).
    rewound = cli(lake, published, "replay", "--topic", TOPIC, "--from-offset", "1000")
    assert rewound.exit_code == 0, rewound.output
    assert "facility.events/0: committed 3000 -> 1000" in rewound.output
    again = ingest(published, lake)
    assert again.total("landed") == 2000
    assert [offset for *_, offset in landed_offsets(lake)] == list(range(3000))
    after = cli(lake, published, "doctor", "--json")
    assert after.exit_code == 0 and json.loads(after.output) == []  # not even a warning
    assert [r.command for r in load_runs(lake)][:3] == ["ingest", "replay", "ingest"]


def test_replay_inside_a_file_starts_at_the_file_so_nothing_lands_twice(fresh_broker, lake):
    published = fresh_broker.bootstrap_servers
    land_in_three_files(published, lake)
    rewound = cli(lake, published, "replay", "--topic", TOPIC, "--from-offset", "1500")
    assert "committed 3000 -> 1000" in rewound.output
    assert ingest(published, lake).total("landed") == 2000
    assert [offset for *_, offset in landed_offsets(lake)] == list(range(3000))

    refused = cli(lake, published, "replay", "--topic", "no.such.topic", "--from-offset", "0")
    assert refused.exit_code == 1 and "'no.such.topic' does not exist" in refused.output


def _hold_warehouse(path: Path, seconds: float) -> subprocess.Popen:
    code = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
        "time.sleep(float(sys.argv[2]))"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_warehouse_locked_by_another_process_fails_clearly_then_builds(lake):
    lake.warehouse.parent.mkdir(parents=True)
    holder = _hold_warehouse(lake.warehouse, 120)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseLocked) as raised:
            transform(lake, dt.date(2025, 11, 30), lock_timeout_s=2)
        assert time.monotonic() - started < 15
        message = str(raised.value)
        assert f"PID {holder.pid}" in message and "Nothing was built" in message
        assert str(lake.warehouse) in message
        assert not list(lake.curated.glob("*.parquet"))
        (failed,) = load_runs(lake, command="transform")
        assert failed.status == "failed" and failed.error.startswith("WarehouseLocked")

        doctor = cli(lake, "127.0.0.1:1", "doctor")
        assert "warehouse_locked" in doctor.output and doctor.exit_code == 0  # a warning

        # Taken after our check but before dbt opened it: dbt's own failure says the same.
        with pytest.raises(WarehouseLocked, match=f"PID {holder.pid}"):
            run_dbt(lake, dt.date(2025, 11, 30), "seed")
    finally:
        holder.kill()
        holder.wait()

    briefly = _hold_warehouse(lake.warehouse, 1.5)  # released while the next build waits
    try:
        wait_for_warehouse(lake, timeout_s=30)
        assert briefly.wait(timeout=5) == 0
    finally:
        briefly.kill()


def test_outputs_on_the_audit_trail_match_the_files(published, lake):
    result = ingest(published, lake)
    (record,) = load_runs(lake, command="ingest")
    assert record.run_id == result.run_id and record.status == "succeeded"
    assert record.trigger["kind"] == "cli" and record.trigger["user"]
    assert record.inputs == [
        {"topic": TOPIC, "partition": 0, "offset_from": 0, "offset_to": 3000, "consumed": 3000}
    ]
    written = {o["path"]: o["sha256"] for o in record.outputs}
    assert f"ledger/ingest/{result.run_id}.parquet" in written
    for path in lake.raw.rglob("*.parquet"):
        assert written[str(path.relative_to(lake.root))] == sha256_of(path)
