"""Ingest fault drills on the real embedded broker.

After each fault, the lake must hold every good Kafka record exactly once, the quarantine
every bad one with its reasons, and every ledger row must reconcile.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from factories import admitted, graded
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewPartitions, NewTopic
from kafka.errors import IncompatibleBrokerVersion, KafkaError
from tcp_proxy import TcpProxy

import clemency.ingest.partition_writer
import clemency.lake.atomic
from clemency.ingest.publish import encode, publish_events
from clemency.ingest.run import IngestRun, ingest
from clemency.kafka.broker import EmbeddedBroker, free_port
from clemency.kafka.clients import ensure_topics

pytestmark = pytest.mark.broker

PEOPLE = [f"0010850{n:05d}" for n in range(40)]


def good_events(count: int = 120) -> list[dict]:
    return [graded("tốt", "2024-Q2", person_id=PEOPLE[n % len(PEOPLE)]) for n in range(count)]


def raw_coordinates(lake) -> list[tuple[str, int, int]]:
    rows = []
    for path in lake.raw.rglob("*.parquet"):
        table = pq.read_table(path, columns=["kafka_topic", "kafka_partition", "kafka_offset"])
        rows += list(zip(*(table.column(i).to_pylist() for i in range(3)), strict=True))
    return rows


def assert_reconciled(*results) -> None:
    for result in results:
        for row in result.partitions:
            assert row.consumed == row.landed + row.quarantined, row


def assert_exactly_once(lake, expected: int) -> None:
    coordinates = raw_coordinates(lake)
    assert len(coordinates) == len(set(coordinates)) == expected
    assert not list(lake.root.rglob(".*.tmp")), "a temporary file is left behind"


@pytest.fixture
def published(fresh_broker):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=3)
    report = publish_events(bootstrap, good_events())
    assert report.sent == 120
    return bootstrap


def test_crash_after_writing_before_committing(published, lake, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("killed between landing and committing")

    # the chunk's files are written, the lake's position has not moved, nothing is committed
    monkeypatch.setattr(clemency.ingest.partition_writer, "write_position", crash)
    with pytest.raises(RuntimeError, match="killed between"):
        ingest(published, lake, chunk_records=10)
    assert raw_coordinates(lake)  # a file was landed but its offsets were never committed
    monkeypatch.undo()

    recovered = ingest(published, lake, chunk_records=10)
    assert recovered.total("superseded_files") >= 1
    assert recovered.total("landed") == 120
    assert_reconciled(recovered)
    assert_exactly_once(lake, 120)


def test_crash_after_the_lake_position_before_the_kafka_commit(published, lake, monkeypatch):
    calls = {"n": 0}
    real_commit = KafkaConsumer.commit

    def commit_then_die(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed between the lake position and the commit")
        return real_commit(self, *args, **kwargs)

    monkeypatch.setattr(KafkaConsumer, "commit", commit_then_die)
    with pytest.raises(RuntimeError, match="killed between"):
        ingest(published, lake, chunk_records=10)
    landed_before = len(raw_coordinates(lake))
    monkeypatch.undo()

    # the lake knows what it landed: nothing is deleted, nothing landed twice, no ledger lost
    recovered = ingest(published, lake, chunk_records=10)
    assert recovered.total("superseded_files") == 0
    assert recovered.total("landed") == 120 - landed_before
    assert_reconciled(recovered)
    assert_exactly_once(lake, 120)
    ledgers = [
        r for f in lake.ingest_ledger.glob("*.parquet") for r in pq.read_table(f).to_pylist()
    ]
    assert sum(row["landed"] for row in ledgers) == 120  # the killed run's chunks counted once


def test_crash_mid_write_leaves_no_visible_file(published, lake, monkeypatch):
    real_write = clemency.lake.atomic.pq.write_table
    calls = {"n": 0}

    def write_half_then_die(table, sink, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            sink.write(b"PAR1 half a file")
            raise OSError("disk went away mid-write")
        return real_write(table, sink, **kwargs)

    monkeypatch.setattr(clemency.lake.atomic.pq, "write_table", write_half_then_die)
    with pytest.raises(OSError, match="mid-write"):
        ingest(published, lake, chunk_records=10)
    monkeypatch.undo()
    assert not list(lake.root.rglob(".*.tmp"))  # the failed write cleaned up after itself
    for path in lake.raw.rglob("*.parquet"):
        pq.read_metadata(path)  # every visible file is whole
    # a process killed outright cannot clean up: the next run must
    killed = lake.raw / "facility.events" / "partition=0" / ".facility.events+0+x.parquet.tmp"
    killed.write_bytes(b"PAR1 torn")

    recovered = ingest(published, lake, chunk_records=10)
    assert_reconciled(recovered)
    assert_exactly_once(lake, 120)


def test_same_events_published_twice_are_kept_and_counted(published, lake):
    first = ingest(published, lake)
    again = publish_events(published, good_events())  # same event ids? no: new copies
    assert again.sent == 120
    events = good_events(30)
    publish_events(published, events + events)  # the very same 30 events, twice
    second = ingest(published, lake)
    assert second.total("landed") == 180
    assert second.total("duplicates_seen") == 30
    # each repeat counts against the partition of its later delivery (a key's partition)
    rows = pq.ParquetDataset(sorted(lake.raw.rglob("*.parquet"))).read().to_pylist()
    deliveries: dict[str, list[tuple[str, int]]] = {}
    for row in rows:
        deliveries.setdefault(row["event_id"], []).append(
            (row["kafka_topic"], row["kafka_partition"])
        )
    expected: dict[tuple[str, int], int] = {}
    for where in deliveries.values():
        for later in where[1:]:
            expected[later] = expected.get(later, 0) + 1
    counted = {(p.topic, p.partition): p.duplicates_seen for p in second.partitions}
    assert {k: v for k, v in counted.items() if v} == expected
    assert len(expected) > 1  # the repeats span partitions, so attribution is tested
    assert_reconciled(first, second)
    assert_exactly_once(lake, 300)


def test_poison_between_good_records_does_not_block_its_partition(fresh_broker, lake):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    key = PEOPLE[0].encode()
    values = [encode(admitted(PEOPLE[0]))]
    values += [b"", b"[1,2]", b'{"event_type": "person.teleported"}', b"\xc3\x28", b"{"]
    values += [encode(graded(person_id=PEOPLE[0]))]
    for value in values:
        producer.send("facility.events", key=key, value=value)
    producer.send("facility.events", key=b"someone-else", value=encode(graded(person_id=PEOPLE[1])))
    producer.flush()
    producer.close()

    result = ingest(bootstrap, lake)
    assert (result.total("landed"), result.total("quarantined")) == (2, 6)
    assert_reconciled(result)
    quarantined = [
        r for f in lake.quarantine.rglob("*.parquet") for r in pq.read_table(f).to_pylist()
    ]
    codes = {row["kafka_offset"]: row["reason_codes"] for row in quarantined}
    assert codes == {
        1: ["not_json"],
        2: ["not_object"],
        3: ["schema_violation", "unknown_type"],  # and no schema_version
        4: ["not_utf8"],
        5: ["not_json"],
        7: ["key_mismatch"],
    }
    assert all(row["reasons"] for row in quarantined)

    dead = KafkaConsumer(
        "facility.events.dlq",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    letters = list(dead)
    dead.close()
    assert len(letters) == 6
    headers = dict(letters[-1].headers)
    assert headers["clemency.reason_codes"] == b"key_mismatch"
    assert headers["clemency.source"] == b"facility.events/0/7"
    # Kafka Connect's dead-letter context headers, for tools built around Connect
    assert headers["__connect.errors.topic"] == b"facility.events"
    assert headers["__connect.errors.partition"] == b"0"
    assert headers["__connect.errors.offset"] == b"7"
    assert headers["__connect.errors.stage"] == b"VALUE_CONVERTER"
    assert headers["__connect.errors.exception.message"] == b"(key): does not match person_id"


def test_records_keep_their_own_kafka_headers_in_raw_quarantine_and_dead_letters(
    fresh_broker, lake
):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    trace = [("traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    producer.send("facility.events", key=PEOPLE[0].encode(), value=encode(admitted(PEOPLE[0])),
                  headers=trace)  # fmt: skip
    producer.send("facility.events", key=PEOPLE[0].encode(), value=b"{", headers=trace)
    producer.flush()
    producer.close()

    ingest(bootstrap, lake)
    (raw,) = [r for f in lake.raw.rglob("*.parquet") for r in pq.read_table(f).to_pylist()]
    (bad,) = [r for f in lake.quarantine.rglob("*.parquet") for r in pq.read_table(f).to_pylist()]
    expected = [{"key": "traceparent", "value": trace[0][1]}]
    assert raw["kafka_headers"] == expected and bad["kafka_headers"] == expected
    dead = KafkaConsumer(
        "facility.events.dlq",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    (letter,) = list(dead)
    dead.close()
    assert ("traceparent", trace[0][1]) in letter.headers


def test_empty_topics_give_an_empty_reconciled_run(fresh_broker, lake):
    ensure_topics(fresh_broker.bootstrap_servers, partitions=2)
    result = ingest(fresh_broker.bootstrap_servers, lake)
    assert len(result.partitions) == 6  # three topics × two partitions
    assert result.total("consumed") == 0
    assert not list(lake.raw.rglob("*.parquet"))


def test_partitions_that_appear_between_runs_are_picked_up(fresh_broker, lake):
    bootstrap = fresh_broker.bootstrap_servers
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic("court.events", 1, 1), NewTopic("reference.events", 1, 1)])
        first = ingest(bootstrap, lake)  # facility.events does not exist yet
        admin.create_topics([NewTopic("facility.events", 4, 1)])
    finally:
        admin.close()
    assert {p.topic for p in first.partitions} == {"court.events", "reference.events"}
    publish_events(bootstrap, good_events(40))

    second = ingest(bootstrap, lake)
    facility = [p for p in second.partitions if p.topic == "facility.events"]
    assert sorted(p.partition for p in facility) == [0, 1, 2, 3]
    assert sum(p.landed for p in facility) == 40
    assert_reconciled(first, second)
    assert_exactly_once(lake, 40)


def test_a_partition_added_to_a_live_topic_is_picked_up(published, lake):
    first = ingest(published, lake)
    admin = KafkaAdminClient(bootstrap_servers=published)
    try:
        admin.create_partitions({"facility.events": NewPartitions(total_count=4)})
    except IncompatibleBrokerVersion:
        pytest.skip("the embedded broker (Tansu) has no CreatePartitions; runs on real Kafka")
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=published, acks="all")
    for n in range(5):
        record = graded(person_id=PEOPLE[n])
        producer.send("facility.events", key=PEOPLE[n].encode(), value=encode(record), partition=3)
    producer.flush()
    producer.close()

    second = ingest(published, lake)
    added = [p for p in second.partitions if (p.topic, p.partition) == ("facility.events", 3)]
    assert added and added[0].landed == 5
    assert_reconciled(first, second)
    assert_exactly_once(lake, 125)


def test_late_and_out_of_order_events_all_land(published, lake):
    late = graded("khá", "2023-Q1", person_id=PEOPLE[0])
    late["recorded_at"] = "2025-06-01T10:00:00+07:00"  # recorded long after it happened
    earlier = graded("kém", "2022-Q4", person_id=PEOPLE[0])  # published after a later quarter
    publish_events(published, [late, earlier])
    result = ingest(published, lake)
    assert result.total("landed") == 122
    assert_exactly_once(lake, 122)


def test_broker_restarted_mid_run(tmp_path, lake):
    """The broker goes away between two landed chunks and comes back with its data.

    The run fails with a clear connection error having committed only durable files; the
    next run removes what was landed but not committed, and catches up exactly once.
    """
    client_port, broker_port = free_port(), free_port()
    proxy = TcpProxy(client_port, broker_port).start()  # first: the broker advertises it
    broker = EmbeddedBroker(port=broker_port, advertised_port=client_port).start()
    bootstrap = f"127.0.0.1:{client_port}"
    try:
        ensure_topics(bootstrap, partitions=1)
        people = [f"0010851{n:05d}" for n in range(2000)]
        events = [graded(person_id=people[n % len(people)]) for n in range(12_000)]
        assert publish_events(bootstrap, events).sent == 12_000

        run = IngestRun(bootstrap, lake, chunk_records=1000)
        land = run._land
        landed = {"chunks": 0}

        def land_then_restart(consumer, dead_letters, writers):
            real = any(writer.first_offset is not None for writer in writers)
            land(consumer, dead_letters, writers)
            landed["chunks"] += real
            if landed["chunks"] == 2:
                proxy.stop()  # the broker is gone for the rest of this run

        run._land = land_then_restart
        with pytest.raises(KafkaError):
            run.run()

        proxy.start()  # the broker is back, every record still in it
        recovered = ingest(bootstrap, lake, chunk_records=1000)
        (facility,) = [p for p in recovered.partitions if p.topic == "facility.events"]
        # the lake resumes at what it landed durably, even where the commit then failed
        assert 0 < facility.offset_from <= 12_000
        assert facility.landed == 12_000 - facility.offset_from
        assert_reconciled(recovered)
        assert_exactly_once(lake, 12_000)
    finally:
        proxy.stop()
        broker.stop()


def test_gate_moves_implausible_rows_to_quarantine_with_the_expectation(fresh_broker, lake):
    bootstrap = fresh_broker.bootstrap_servers
    ensure_topics(bootstrap, partitions=1)
    implausible = graded(person_id=PEOPLE[1])
    implausible["recorded_at"] = "2020-01-01T00:00:00+07:00"  # recorded before it happened
    assert publish_events(bootstrap, [*good_events(10), implausible]).sent == 11

    result = ingest(bootstrap, lake)
    assert result.gate is not None and result.gate.path.exists()
    assert (result.total("landed"), result.total("quarantined")) == (10, 1)
    assert result.total("gate_quarantined") == 1
    assert_reconciled(result)
    assert_exactly_once(lake, 10)
    # validated before it landed: quarantined once, with the bytes as published
    (moved,) = [r for f in lake.quarantine.rglob("*.parquet") for r in pq.read_table(f).to_pylist()]
    assert moved["kafka_offset"] == 10
    assert any(code.startswith("expectation:") for code in moved["reason_codes"])
    # as published (its own +07:00 offset), not re-encoded from the raw row (UTC)
    assert b'"recorded_at":"2020-01-01T00:00:00+07:00"' in moved["value"]
