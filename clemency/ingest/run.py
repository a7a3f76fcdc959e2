"""Bounded ingest: Kafka topics → raw Parquet lake + quarantine, exactly once per record.

For every partition: start at the committed offset, drop files an earlier crashed run
landed past that offset (they were never committed), read until caught up, land chunks
atomically, and commit each chunk's offsets only after its files are durable. Every
consumed record ends in exactly one place: raw or quarantine (and its dead-letter topic).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaTimeoutError

from clemency.contracts import topics as data_topics
from clemency.ingest.partition_writer import PartitionLedger, TopicPartitionWriter
from clemency.ingest.quarantine import send_dead_letters
from clemency.kafka.clients import INGEST_GROUP, new_consumer, new_producer
from clemency.lake import atomic
from clemency.lake.audit import audited, file_entry, new_run_id
from clemency.lake.layout import Lake

if TYPE_CHECKING:
    from clemency.kafka.security import KafkaSecurity
    from clemency.validation.gate import GateResult

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    run_id: str
    partitions: list[PartitionLedger] = field(default_factory=list)
    gate: GateResult | None = None
    gate_seconds: float = 0.0

    def total(self, name: str) -> int:
        return sum(getattr(p, name) for p in self.partitions)


class BrokerUnavailable(ConnectionError):
    """The bootstrap servers did not answer: the run did nothing (a retry is worthwhile)."""


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
        self.writers: list[TopicPartitionWriter] = []
        self._removed_files: list[Path] = []  # left past the committed offset by earlier runs
        self.ledgers: dict[TopicPartition, PartitionLedger] = {}

    def run(self) -> IngestResult:
        self.lake.restrict()
        consumer, dead_letters = self._connect()
        result = IngestResult(self.run_id)
        try:
            ledgers = self.ledgers = self._assign(consumer)
            writers = {
                tp: TopicPartitionWriter(tp, self.lake, ledger, self.run_id)
                for tp, ledger in ledgers.items()
            }
            self.writers = list(writers.values())
            started = time.monotonic()
            self._consume(consumer, dead_letters, writers)
            for writer in writers.values():
                self._land(consumer, dead_letters, writer)
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

    def _consume(
        self,
        consumer: KafkaConsumer,
        dead_letters: KafkaProducer,
        writers: dict[TopicPartition, TopicPartitionWriter],
    ) -> None:
        idle = 0
        consumed = 0
        while idle < self.idle_polls:
            batch = consumer.poll(timeout_ms=self.poll_timeout_ms)
            if not batch:
                idle += 1
                continue
            idle = 0
            for tp, messages in batch.items():
                writer = writers[tp]
                for message in messages:
                    writer.add(message)
                    consumed += 1
                if len(writer) >= self.chunk_records:
                    self._land(consumer, dead_letters, writer)
            # Memory stays bounded however many partitions there are: past the cap,
            # the fullest buffer is landed early (a smaller file, same guarantees).
            while sum(map(len, writers.values())) > self.max_buffered_records:
                self._land(consumer, dead_letters, max(writers.values(), key=len))
            if self.max_records is not None and consumed >= self.max_records:
                return

    def _land(
        self, consumer: KafkaConsumer, dead_letters: KafkaProducer, writer: TopicPartitionWriter
    ) -> None:
        writer.land(consumer, dead_letters)

    @property
    def _landed_raw_files(self) -> list[Path]:
        return [path for writer in self.writers for path in writer.landed_raw_files]

    def _apply_gate(self, dead_letters, ledgers) -> GateResult | None:
        """Great Expectations over this run's landed files; failing rows go to quarantine."""
        if not self._landed_raw_files:
            return None
        from clemency.ingest.quarantine import quarantine_row_failures
        from clemency.validation.gate import validate_lake

        landed = self._landed_raw_files
        gate = validate_lake(self.lake, files=landed, run_id=self.run_id)
        moved = quarantine_row_failures(self.lake, gate, landed)
        for (topic, partition), rows in moved.items():
            ledger = ledgers[TopicPartition(topic, partition)]
            ledger.landed -= len(rows)
            ledger.quarantined += len(rows)
            ledger.gate_quarantined += len(rows)
            send_dead_letters(dead_letters, rows)
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
        atomic.write_parquet(path, pa.Table.from_pylist(rows))


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
