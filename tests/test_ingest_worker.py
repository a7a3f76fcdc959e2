"""The ingest's worker process lands exactly what the in-process path lands.

A large backlog is decoded and validated in a worker process beside the consumer
(`clemency.ingest.worker`); these tests force that path on a small topic and compare the
lake, file by file, with the in-process path over the same records.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pyarrow.parquet as pq
import pytest
from factories import graded

from clemency.ingest.chunk import Chunk, process
from clemency.ingest.publish import encode, publish_events
from clemency.ingest.run import IngestRun
from clemency.ingest.worker import WorkerProcess
from clemency.kafka.clients import ensure_topics
from clemency.lake.layout import Lake

pytestmark = pytest.mark.broker

PEOPLE = [f"0010852{n:05d}" for n in range(30)]


def _zone(root) -> dict[str, list[dict]]:
    return {
        str(path.relative_to(root)): pq.read_table(path).to_pylist()
        for path in sorted(root.rglob("*.parquet"))
    }


def _publish_mixed(bootstrap: str, producer_bytes: list[tuple[str, bytes, bytes]]) -> None:
    from kafka import KafkaProducer

    events = [graded("tốt", "2024-Q2", person_id=PEOPLE[n % len(PEOPLE)]) for n in range(90)]
    implausible = graded(person_id=PEOPLE[1])
    implausible["recorded_at"] = "2020-01-01T00:00:00+07:00"  # the gate refuses it
    assert publish_events(bootstrap, [*events, implausible]).sent == 91
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for topic, key, value in producer_bytes:  # the decoder refuses these
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def test_the_worker_process_lands_what_the_in_process_path_lands(fresh_broker, tmp_path):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=2)
    hostile = [
        ("facility.events", PEOPLE[0].encode(), b'{"event_id": 1, "event_id": 2}'),
        ("facility.events", PEOPLE[0].encode(), b"\xff\xfe not utf-8"),
        ("court.events", b"k", b"[" * 100 + b"]" * 100),
    ]
    _publish_mixed(bootstrap, hostile)

    results = {}
    for parallel in (True, False):
        lake = Lake(tmp_path / f"lake-{parallel}")
        run = IngestRun(bootstrap, lake, group_id=f"g-{parallel}", chunk_records=20,
                        parallel=parallel)  # fmt: skip
        results[parallel] = (lake, run.run(), run.processor)

    (worker_lake, worker, used), (own_lake, own, _) = results[True], results[False]
    assert isinstance(used, WorkerProcess)
    assert (worker.total("landed"), worker.total("quarantined")) == (90, 4)
    assert worker.total("gate_quarantined") == own.total("gate_quarantined") == 1
    for zone in ("raw", "quarantine"):
        assert _zone(getattr(worker_lake, zone)) == _zone(getattr(own_lake, zone)), zone
    assert worker.gate is not None and own.gate is not None
    assert worker.gate.to_dict()["suites"] == own.gate.to_dict()["suites"]
    assert worker.gate.rows == own.gate.rows == 91 and worker.gate.files == own.gate.files


@pytest.mark.parametrize("gate_refuses", [False, True])
def test_whichever_process_decodes_a_chunk_its_outcome_is_the_same(gate_refuses):
    """The worker takes chunks whole while it has at most one in hand, and gates chunks this
    process decoded when it has more: five chunks submitted at once (the worker is still
    importing GX) go both ways, and each comes back as processing it here gives it."""
    chunks = []
    for n in range(5):
        events = [graded("tốt", "2024-Q2", person_id=PEOPLE[(n + i) % 30]) for i in range(12)]
        if gate_refuses:  # the gate refuses it; the decoder does not
            events[3]["recorded_at"] = "2020-01-01T00:00:00+07:00"
        messages = [
            (offset, 1_720_000_000_000 + offset, e["person_id"].encode(), encode(e), [])
            for offset, e in enumerate(events, start=n * 100)
        ]
        messages.append((n * 100 + 99, 1_720_000_000_000, b"k", b"\xff not utf-8", []))
        chunks.append([Chunk("facility.events", n % 2, messages)])

    worker = WorkerProcess()
    try:
        for group in chunks:
            worker.submit(group)
        outcomes = [worker.result() for _ in chunks]
    finally:
        worker.close()
    assert worker.decoded["here"] > 0 and worker.decoded["in the worker"] > 0, worker.decoded
    for group, from_worker in zip(chunks, outcomes, strict=True):
        here = process(group, gate=True)
        (mine,), (theirs,) = here.outcomes, from_worker.outcomes
        assert theirs.raw.equals(mine.raw)
        assert theirs.quarantine == mine.quarantine
        assert theirs.gate_quarantined == mine.gate_quarantined == int(gate_refuses)
        assert len(mine.quarantine) == 1 + int(gate_refuses)
        assert [x.to_dict() for x in from_worker.suites] == [x.to_dict() for x in here.suites]
        assert from_worker.validated_rows == here.validated_rows == 12


def test_a_killed_ingest_leaves_no_worker_behind(fresh_broker, tmp_path):
    """SIGKILL reaches only the ingest; its worker sees the pipe close and exits."""
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    _publish_mixed(bootstrap, [])
    code = textwrap.dedent(
        f"""
        import os, signal
        import clemency.ingest.run as run_module
        from clemency.lake.layout import Lake
        def dying(self, *args):
            print(self.processor._process.pid, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        run_module.IngestRun._land_group = dying
        run_module.IngestRun({bootstrap!r}, Lake({str(tmp_path / "lake")!r}),
                             parallel=True).run()
        """
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    worker = int(child.stdout.split()[0])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.2)
    assert not _alive(worker), f"worker {worker} outlived its ingest"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead: it waits only for its (killed) parent's reaping
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
