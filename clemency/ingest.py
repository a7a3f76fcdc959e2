"""Bounded ingest: Kafka topics → raw Parquet lake + quarantine, exactly once per record.

For every partition: start at the committed offset, drop files an earlier crashed run
landed past that offset (they were never committed), read until caught up, land chunks
atomically, and commit each chunk's offsets only after its files are durable. Every
consumed record ends in exactly one place: raw or quarantine (and its dead-letter topic).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.errors import KafkaTimeoutError

from clemency.audit import audited, file_entry, new_run_id
from clemency.contracts import topics as data_topics
from clemency.decode import Coordinates, decode
from clemency.kafka_clients import INGEST_GROUP, dead_letter_topic, new_consumer, new_producer
from clemency.lake import Lake, write_parquet_atomically

if TYPE_CHECKING:
    from clemency.kafka_security import KafkaSecurity
    from clemency.validation import GateResult

log = logging.getLogger(__name__)

UTC_TS = pa.timestamp("us", tz="UTC")

RAW_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("event_type", pa.string()),
        ("schema_version", pa.int32()),
        ("occurred_at", UTC_TS),
        ("recorded_at", UTC_TS),
        ("source_system", pa.string()),
        ("source_id", pa.string()),
        ("person_id", pa.string()),
        ("entity_key", pa.string()),
        ("payload", pa.string()),
        ("kafka_topic", pa.string()),
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("kafka_key", pa.string()),
        ("kafka_timestamp", UTC_TS),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        ("kafka_topic", pa.string()),
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("kafka_key", pa.binary()),
        ("kafka_timestamp", UTC_TS),
        ("value", pa.binary()),
        ("reason_codes", pa.list_(pa.string())),
        ("reasons", pa.list_(pa.string())),
    ]
)


@dataclass
class PartitionLedger:
    """One ledger row: what a run did to one partition. consumed = landed + quarantined."""

    run_id: str
    topic: str
    partition: int
    offset_from: int
    offset_to: int  # next offset to read (exclusive end), as committed
    consumed: int = 0
    landed: int = 0
    quarantined: int = 0
    gate_quarantined: int = 0  # of `quarantined`: rows the Great Expectations gate moved
    duplicates_seen: int = 0
    files: int = 0
    superseded_files: int = 0
    duration_s: float = 0.0


@dataclass
class IngestResult:
    run_id: str
    partitions: list[PartitionLedger] = field(default_factory=list)
    gate: GateResult | None = None
    gate_seconds: float = 0.0

    def total(self, name: str) -> int:
        return sum(getattr(p, name) for p in self.partitions)


@dataclass
class _Chunk:
    first_offset: int | None = None
    last_offset: int | None = None
    raw: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.raw) + len(self.quarantine)


class BrokerUnavailable(ConnectionError):
    """The bootstrap servers did not answer: the run did nothing (a retry is worthwhile)."""


def _ts(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


class IngestRun:
    def __init__(
        self,
        bootstrap_servers: str,
        lake: Lake,
        topics: Iterable[str] | None = None,
        chunk_records: int = 20_000,
        max_buffered_records: int = 60_000,
        max_records: int | None = None,
        idle_polls: int = 3,
        poll_timeout_ms: int = 500,
        group_id: str = INGEST_GROUP,
        gate: bool = True,
        security: KafkaSecurity | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.security = security  # TLS/SASL for both clients; None is PLAINTEXT
        self.lake = lake
        self.topics = list(topics or data_topics())
        self.chunk_records = chunk_records
        self.max_buffered_records = max_buffered_records
        self.max_records = max_records
        self.idle_polls = idle_polls
        self.poll_timeout_ms = poll_timeout_ms
        self.group_id = group_id
        self.gate = gate
        self.run_id = new_run_id()
        self._landed_raw_files: list[Path] = []
        self._removed_files: list[Path] = []  # left past the committed offset by earlier runs
        self.ledgers: dict[TopicPartition, PartitionLedger] = {}

    def run(self) -> IngestResult:
        self.lake.restrict()
        consumer, dead_letters = self._connect()
        result = IngestResult(self.run_id)
        try:
            ledgers = self.ledgers = self._assign(consumer)
            chunks = {tp: _Chunk() for tp in ledgers}
            started = time.monotonic()
            self._consume(consumer, dead_letters, ledgers, chunks)
            for tp, chunk in chunks.items():
                self._land(consumer, dead_letters, tp, chunk, ledgers[tp])
            if self.gate:
                gate_started = time.monotonic()
                result.gate = self._apply_gate(dead_letters, ledgers)
                result.gate_seconds = time.monotonic() - gate_started
            self._count_duplicates(ledgers)
            elapsed = time.monotonic() - started
            for ledger in ledgers.values():
                ledger.duration_s = round(elapsed, 3)
            result.partitions = sorted(ledgers.values(), key=lambda p: (p.topic, p.partition))
            self._write_ledger(result)
            if result.gate is not None:
                result.gate.raise_for_critical()  # after the ledger: the run is on record
            return result
        finally:
            dead_letters.close(timeout=10)
            consumer.close(autocommit=False)

    def _connect(self) -> tuple[KafkaConsumer, KafkaProducer]:
        try:
            consumer = new_consumer(self.bootstrap_servers, self.group_id, security=self.security)
        except KafkaTimeoutError as error:  # raised by the first bootstrap, nothing else
            raise BrokerUnavailable(
                f"no Kafka broker answered at {self.bootstrap_servers} ({error}); nothing was "
                "read, landed or committed, and the next run starts from the committed offsets"
            ) from error
        try:
            return consumer, new_producer(self.bootstrap_servers, security=self.security)
        except BaseException:
            consumer.close(autocommit=False)
            raise

    def _assign(self, consumer: KafkaConsumer) -> dict[TopicPartition, PartitionLedger]:
        partitions = []
        for topic in self.topics:
            for number in sorted(consumer.partitions_for_topic(topic) or ()):
                partitions.append(TopicPartition(topic, number))
        consumer.assign(partitions)
        beginnings = consumer.beginning_offsets(partitions) if partitions else {}
        ledgers = {}
        for tp in partitions:
            committed = consumer.committed(tp)
            start = committed if committed is not None else beginnings[tp]
            consumer.seek(tp, start)
            superseded = self._drop_uncommitted(tp, start)
            ledgers[tp] = PartitionLedger(
                self.run_id, tp.topic, tp.partition, start, start, superseded_files=superseded
            )
        return ledgers

    def _drop_uncommitted(self, tp: TopicPartition, committed: int) -> int:
        """Files at or past the committed offset came from a run that crashed before committing."""
        leftovers = [
            path
            for zone in (self.lake.raw, self.lake.quarantine)
            for path in self.lake.files_from_offset(zone, tp.topic, tp.partition, committed)
            + self.lake.temporary_files(zone, tp.topic, tp.partition)
        ]
        for path in leftovers:
            log.warning("removing uncommitted file %s (it will be landed again)", path)
            self._removed_files.append(path)
            path.unlink()
        return len(leftovers)

    def _consume(self, consumer, dead_letters, ledgers, chunks) -> None:
        idle = 0
        consumed = 0
        while idle < self.idle_polls:
            batch = consumer.poll(timeout_ms=self.poll_timeout_ms)
            if not batch:
                idle += 1
                continue
            idle = 0
            for tp, messages in batch.items():
                for message in messages:
                    self._add(chunks[tp], ledgers[tp], message)
                    consumed += 1
                if len(chunks[tp]) >= self.chunk_records:
                    self._land(consumer, dead_letters, tp, chunks[tp], ledgers[tp])
            # Memory stays bounded however many partitions there are: past the cap,
            # the fullest buffer is landed early (a smaller file, same guarantees).
            while sum(map(len, chunks.values())) > self.max_buffered_records:
                fullest = max(chunks, key=lambda tp: len(chunks[tp]))
                self._land(consumer, dead_letters, fullest, chunks[fullest], ledgers[fullest])
            if self.max_records is not None and consumed >= self.max_records:
                return

    def _add(self, chunk: _Chunk, ledger: PartitionLedger, message) -> None:
        where = Coordinates(
            message.topic, message.partition, message.offset, message.key, message.timestamp
        )
        verdict = decode(message.value, where)
        if chunk.first_offset is None:
            chunk.first_offset = message.offset
        chunk.last_offset = message.offset
        ledger.consumed += 1
        coordinates = {
            "kafka_topic": message.topic,
            "kafka_partition": message.partition,
            "kafka_offset": message.offset,
            "kafka_timestamp": _ts(message.timestamp),
        }
        if verdict.row is not None:
            key = message.key.decode("utf-8")
            chunk.raw.append({**verdict.row, **coordinates, "kafka_key": key})
            ledger.landed += 1
        else:
            chunk.quarantine.append(
                {
                    **coordinates,
                    "kafka_key": message.key,
                    "value": message.value,
                    "reason_codes": list(verdict.reason_codes),
                    "reasons": list(verdict.reasons),
                }
            )
            ledger.quarantined += 1

    def _land(self, consumer, dead_letters, tp, chunk: _Chunk, ledger: PartitionLedger) -> None:
        if chunk.first_offset is None:
            return
        if chunk.raw:
            path = self.lake.offset_file(self.lake.raw, tp.topic, tp.partition, chunk.first_offset)
            write_parquet_atomically(pa.Table.from_pylist(chunk.raw, RAW_SCHEMA), path)
            self._landed_raw_files.append(path)
            ledger.files += 1
        if chunk.quarantine:
            path = self.lake.offset_file(
                self.lake.quarantine, tp.topic, tp.partition, chunk.first_offset
            )
            table = pa.Table.from_pylist(chunk.quarantine, QUARANTINE_SCHEMA)
            write_parquet_atomically(table, path)
            ledger.files += 1
            _send_dead_letters(dead_letters, chunk.quarantine)
        next_offset = chunk.last_offset + 1
        consumer.commit({tp: OffsetAndMetadata(next_offset, self.run_id, -1)})
        ledger.offset_to = next_offset
        chunk.first_offset = chunk.last_offset = None
        chunk.raw.clear()
        chunk.quarantine.clear()

    def _apply_gate(self, dead_letters, ledgers) -> GateResult | None:
        """Great Expectations over this run's landed files; failing rows go to quarantine."""
        if not self._landed_raw_files:
            return None
        from clemency.gate import quarantine_row_failures
        from clemency.validation import validate_lake

        gate = validate_lake(self.lake, files=self._landed_raw_files, run_id=self.run_id)
        moved = quarantine_row_failures(self.lake, gate, self._landed_raw_files, QUARANTINE_SCHEMA)
        for (topic, partition), rows in moved.items():
            ledger = ledgers[TopicPartition(topic, partition)]
            ledger.landed -= len(rows)
            ledger.quarantined += len(rows)
            ledger.gate_quarantined += len(rows)
            _send_dead_letters(dead_letters, rows)
        return gate

    def _count_duplicates(self, ledgers: dict[TopicPartition, PartitionLedger]) -> None:
        """Count deliveries of an event_id already delivered earlier in this run.

        Duplicates stay in raw (it is immutable; staging keeps the first delivery). DuckDB
        counts them over the landed files, so memory stays flat however large the run.
        """
        if not self._landed_raw_files:
            return
        query = """
            select kafka_topic, kafka_partition, count(*) as repeats
            from (
                select kafka_topic, kafka_partition, row_number() over (
                    partition by event_id order by kafka_topic, kafka_partition, kafka_offset
                ) as delivery
                from read_parquet(?)
            )
            where delivery > 1
            group by all
        """
        with duckdb.connect(config={"memory_limit": "256MB"}) as connection:  # spill, not grow
            files = [str(path) for path in self._landed_raw_files]
            for topic, partition, repeats in connection.execute(query, [files]).fetchall():
                ledgers[TopicPartition(topic, partition)].duplicates_seen = repeats

    def audit_entries(self) -> tuple[list[dict], list[dict]]:
        """The offsets this run read per partition, every file it removed (first, since a
        replay lands some under the same names again) and every file it left in the lake."""
        inputs: list[dict] = []
        outputs = [
            {"path": str(path.relative_to(self.lake.root)), "deleted": True, "why": "superseded"}
            for path in self._removed_files
            if not path.name.startswith(".")  # temporary files were never on record
        ]
        for ledger in sorted(self.ledgers.values(), key=lambda p: (p.topic, p.partition)):
            if ledger.consumed == 0:
                continue
            inputs.append(
                {
                    "topic": ledger.topic,
                    "partition": ledger.partition,
                    "offset_from": ledger.offset_from,
                    "offset_to": ledger.offset_to,
                    "consumed": ledger.consumed,
                }
            )
            for zone in (self.lake.raw, self.lake.quarantine):
                for path in self.lake.files_from_offset(
                    zone, ledger.topic, ledger.partition, ledger.offset_from
                ):
                    outputs.append(file_entry(path, self.lake))
        ledger_file = self.lake.ingest_ledger / f"{self.run_id}.parquet"
        if ledger_file.exists():
            outputs.append(file_entry(ledger_file, self.lake))
        return inputs, outputs

    def _write_ledger(self, result: IngestResult) -> None:
        if not result.partitions:
            return
        rows = [asdict(p) for p in result.partitions]
        path = self.lake.ingest_ledger / f"{result.run_id}.parquet"
        write_parquet_atomically(pa.Table.from_pylist(rows), path)


# A dead letter carries the record plus headers and must stay under the producer's 1 MiB
# request limit, though the broker accepted the original at up to its own limit.
MAX_DEAD_LETTER_KEY = 1024
MAX_DEAD_LETTER_VALUE = 512 * 1024


def _send_dead_letters(dead_letters, rows: list[dict]) -> None:
    """Each quarantined record also goes to `<topic>.dlq`, its reasons in the headers.

    An oversized key or value is cut, with header `clemency.truncated` giving the original
    sizes; the quarantine file keeps every byte."""
    for row in rows:
        source = f"{row['kafka_topic']}/{row['kafka_partition']}/{row['kafka_offset']}"
        key, value = row["kafka_key"], row["value"]
        headers = [
            ("clemency.reason_codes", ",".join(row["reason_codes"]).encode()),
            ("clemency.reasons", "\n".join(row["reasons"])[:4000].encode()),
            ("clemency.source", source.encode()),
        ]
        if len(key or b"") > MAX_DEAD_LETTER_KEY or len(value or b"") > MAX_DEAD_LETTER_VALUE:
            sizes = f"key={len(key or b'')},value={len(value or b'')}"
            headers.append(("clemency.truncated", sizes.encode()))
            key = key[:MAX_DEAD_LETTER_KEY] if key is not None else None
            value = value[:MAX_DEAD_LETTER_VALUE] if value is not None else None
        dead_letters.send(
            dead_letter_topic(row["kafka_topic"]), key=key, value=value, headers=headers
        )
    dead_letters.flush()


def ingest(bootstrap_servers: str, lake: Lake, **options) -> IngestResult:
    """One bounded ingest run over the data topics, on the audit trail; the CLI and the DAG
    call this."""
    run = IngestRun(bootstrap_servers, lake, **options)
    arguments = {
        "bootstrap_servers": bootstrap_servers,
        "topics": run.topics,
        "group_id": run.group_id,
        "max_records": run.max_records,
        "gate": run.gate,
    }
    with audited(lake, "ingest", arguments, run_id=run.run_id) as record:
        try:
            return run.run()
        finally:
            record.inputs, record.outputs = run.audit_entries()
