"""Operations you can trust (issue #15): the lake keeps what it landed whatever the broker
does, one ingest at a time, and a process killed at any point leaves nothing a normal run
does not put right. Each drill failed on the code before the lake kept its own positions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pyarrow.parquet as pq
import pytest
from factories import graded

from clemency.ingest.publish import publish_events
from clemency.ingest.run import PartitionMismatch, ingest
from clemency.kafka.broker import EmbeddedBroker, free_port
from clemency.kafka.clients import ensure_topics
from clemency.lake import locks
from clemency.lake.layout import Lake
from clemency.ops.replay import ReplayError, replay

pytestmark = pytest.mark.broker

PEOPLE = [f"0010853{n:05d}" for n in range(300)]


def events(count: int, first: int = 0) -> list[dict]:
    return [
        graded("tốt", "2024-Q2", person_id=PEOPLE[(first + n) % len(PEOPLE)]) for n in range(count)
    ]


def landed(lake: Lake) -> list[tuple[str, int, int]]:
    found = []
    for path in lake.raw.rglob("*.parquet"):
        table = pq.read_table(path, columns=["kafka_topic", "kafka_partition", "kafka_offset"])
        found += list(zip(*(table.column(i).to_pylist() for i in range(3)), strict=True))
    return sorted(found)


def quarantined(lake: Lake) -> list[tuple[str, int, int, tuple[str, ...]]]:
    found = []
    for path in lake.quarantine.rglob("*.parquet"):
        for row in pq.read_table(path).to_pylist():
            found.append(
                (
                    row["kafka_topic"],
                    row["kafka_partition"],
                    row["kafka_offset"],
                    tuple(row["reason_codes"]),
                )
            )
    return sorted(found)


def ledger_totals(lake: Lake) -> dict[str, int]:
    rows = [r for f in lake.ingest_ledger.glob("*.parquet") for r in pq.read_table(f).to_pylist()]
    return {name: sum(r[name] for r in rows) for name in ("consumed", "landed", "quarantined")}


def test_a_broker_that_comes_back_empty_never_costs_the_lake_its_data(tmp_path, lake):
    """`clemency broker` restarted (it keeps nothing), then a routine ingest: it used to print
    "removing uncommitted file" for every raw file, exit 0 and leave an empty raw lake."""
    port = free_port()
    with EmbeddedBroker(port=port) as broker:
        ensure_topics(broker.bootstrap_servers, partitions=2)
        assert publish_events(broker.bootstrap_servers, events(400)).sent == 400
        ingest(broker.bootstrap_servers, lake)
    before = landed(lake)
    assert len(before) == 400

    with EmbeddedBroker(port=port) as empty:  # same address, no data, no committed offsets
        ensure_topics(empty.bootstrap_servers, partitions=2)
        with pytest.raises(PartitionMismatch, match=r"facility\.events/\d: the broker has no "):
            ingest(empty.bootstrap_servers, lake)
        # the same once the new broker has fewer records than the lake, or as many others
        assert publish_events(empty.bootstrap_servers, events(600, first=7)).sent == 600
        with pytest.raises(PartitionMismatch, match="not the one the lake landed"):
            ingest(empty.bootstrap_servers, lake)
    assert landed(lake) == before  # nothing deleted, nothing added
    assert ledger_totals(lake)["landed"] == 400


def test_replay_past_what_the_lake_holds_is_refused(fresh_broker, lake):
    """`clemency replay --from-offset 999999` used to be accepted, and the next records on
    that partition were never landed."""
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    assert publish_events(bootstrap, events(50)).sent == 50
    ingest(bootstrap, lake)
    with pytest.raises(ReplayError, match=r"facility\.events/0 is landed up to offset 49"):
        replay(bootstrap, lake, "facility.events", 999_999)
    assert publish_events(bootstrap, events(10, first=50)).sent == 10
    again = ingest(bootstrap, lake)
    assert again.total("landed") == 10  # the next records land
    assert len(landed(lake)) == 60


def test_two_ingests_of_one_lake_never_run_at_once(fresh_broker, lake):
    """A CLI ingest while the DAG's runs: one waits for the other, or says who holds the lake."""
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    assert publish_events(bootstrap, events(100)).sent == 100
    held, release = threading.Event(), threading.Event()

    def other_ingest() -> None:
        with locks.hold(lake, "ingest", run_id="the-other-run"):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=other_ingest)
    holder.start()
    try:
        assert held.wait(10)
        with pytest.raises(locks.LakeBusy, match="another ingest is running on this lake.*"):
            ingest(bootstrap, lake)
        assert landed(lake) == []  # refused before reading anything
        threading.Timer(1.0, release.set).start()
        waited = ingest(bootstrap, lake, lock_timeout_s=30)  # waits, then runs
    finally:
        release.set()
        holder.join()
    assert waited.total("landed") == 100
    assert len(landed(lake)) == 100


# Where a SIGKILL lands: the n-th call of a function the ingest makes while landing.
KILL_POINTS = [
    ("clemency.lake.atomic", "write_parquet", 1),  # before the first file is whole
    ("clemency.lake.atomic", "write_parquet", 3),  # raw written, its quarantine not yet
    ("clemency.ingest.partition_writer", "write_position", 2),  # files whole, position not
    ("kafka.KafkaConsumer", "commit", 2),  # position moved, offset not committed
    ("clemency.ingest.run", "write_ledger", 1),  # every chunk committed, no ledger yet
]


def _killed_ingest(bootstrap: str, lake: Lake, module: str, name: str, nth: int) -> int:
    """Run one ingest in a child that SIGKILLs itself at the `nth` call of `module.name`."""
    code = textwrap.dedent(
        f"""
        import importlib, os, signal
        module = importlib.import_module({module!r}.rsplit(".", 1)[0]) if {module!r}.startswith(
            "kafka.") else importlib.import_module({module!r})
        owner = getattr(module, "KafkaConsumer") if {module!r}.startswith("kafka.") else module
        real = getattr(owner, {name!r})
        calls = [0]
        def dying(*args, **kwargs):
            calls[0] += 1
            if calls[0] == {nth}:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        setattr(owner, {name!r}, dying)
        from clemency.ingest.run import ingest
        from clemency.lake.layout import Lake
        ingest({bootstrap!r}, Lake({str(lake.root)!r}), chunk_records=40)
        """
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", code], env=env, timeout=180).returncode


@pytest.mark.slow
@pytest.mark.drill
@pytest.mark.parametrize(("module", "name", "nth"), KILL_POINTS, ids=lambda v: str(v))
def test_a_sigkill_anywhere_then_a_normal_run_leaves_the_lake_as_if_never_killed(
    fresh_broker, tmp_path, module, name, nth
):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=2)
    batch = events(300)
    implausible = graded(person_id=PEOPLE[1])
    implausible["recorded_at"] = "2020-01-01T00:00:00+07:00"  # the gate refuses it
    assert publish_events(bootstrap, [*batch, implausible]).sent == 301

    reference = Lake(tmp_path / "reference")
    ingest(bootstrap, reference, chunk_records=40, group_id="reference")

    lake = Lake(tmp_path / "killed")
    assert _killed_ingest(bootstrap, lake, module, name, nth) == -signal.SIGKILL
    ingest(bootstrap, lake, chunk_records=40)

    assert landed(lake) == landed(reference) and len(landed(lake)) == 300
    assert quarantined(lake) == quarantined(reference)  # the gate's refusal included
    assert any(code.startswith("expectation:") for *_, codes in quarantined(lake) for code in codes)
    assert (
        ledger_totals(lake)
        == ledger_totals(reference)
        == {
            "consumed": 301,
            "landed": 300,
            "quarantined": 1,
        }
    )
    assert not list(lake.root.rglob(".*.tmp"))


def test_replay_to_a_timestamp_dry_run_changes_nothing_then_replays(fresh_broker, lake):
    import datetime as dt

    from kafka import KafkaProducer

    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    base = dt.datetime(2025, 11, 20, tzinfo=dt.UTC)
    from clemency.ingest.publish import encode

    for n, event in enumerate(events(40)):  # one record an hour from `base`
        stamp = int((base + dt.timedelta(hours=n)).timestamp() * 1000)
        key = event["person_id"].encode()
        producer.send("facility.events", key=key, value=encode(event), timestamp_ms=stamp)
        if n % 10 == 9:  # four ingests, four files: offsets 0, 10, 20, 30 onwards
            producer.flush()
            ingest(bootstrap, lake)
    producer.close()
    before = landed(lake)

    # offset 25 is the first record stamped at or after base + 25 h; a replay starts at the
    # first offset of the file holding it, since files are landed again whole
    starts = sorted(Lake.first_offset(path) for path in lake.raw.rglob("*.parquet"))
    expected = max(start for start in starts if start <= 25)
    assert expected == 20
    planned = replay(
        bootstrap, lake, "facility.events", to_timestamp=base + dt.timedelta(hours=25), dry_run=True
    )
    assert [(r.partition, r.committed_now) for r in planned] == [(0, expected)]
    assert ingest(bootstrap, lake).total("consumed") == 0  # the dry run changed nothing

    replay(bootstrap, lake, "facility.events", to_timestamp=base + dt.timedelta(hours=25))
    again = ingest(bootstrap, lake, chunk_records=10)
    assert again.total("landed") == 40 - expected  # from that file on, landed again
    assert landed(lake) == before and len(before) == 40  # each record once


def test_doctor_sees_a_wiped_raw_zone_and_its_remedy_works(fresh_broker, lake):
    """A raw zone wiped by hand used to leave `clemency doctor` reporting 0 errors."""
    import shutil

    from clemency.ops.doctor import examine

    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    assert publish_events(bootstrap, events(120)).sent == 120
    ingest(bootstrap, lake, chunk_records=40)
    assert [f for f in examine(lake) if f.severity == "error"] == []

    shutil.rmtree(lake.raw / "facility.events")
    (missing,) = [f for f in examine(lake) if f.code == "landed_data_missing"]
    assert missing.severity == "error" and "offsets 0–119" in missing.problem
    assert "--from-offset 0" in missing.remedy

    replay(bootstrap, lake, "facility.events", 0)  # the remedy, as the doctor words it
    assert ingest(bootstrap, lake).total("landed") == 120
    assert [f for f in examine(lake) if f.severity == "error"] == []
    assert len(landed(lake)) == 120
