"""One writer per Kafka partition, in the style of Kafka Connect's `TopicPartitionWriter`.

The writer buffers consecutive messages of its partition and seals them into chunks
(`clemency.ingest.chunk`), which are decoded and validated in memory, possibly in a worker
process, before anything is written. `land()` makes one processed chunk durable in order:
the raw file, the quarantine file (with the rows the gate refused, as published) and its
dead letters; then the lake's own position for the partition (`clemency.lake.positions`);
and only then the commit of the next offset to Kafka. Each record is written once, to raw
or to quarantine. A crash before the position moved leaves files at or past it, which the
next run removes and lands again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from clemency.ingest.chunk import Chunk, Message, Outcome
from clemency.ingest.quarantine import send_dead_letters
from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.lake.ledger import PartitionLedger
from clemency.lake.positions import Position, record_fingerprint, write_position


@dataclass(frozen=True)
class Sealed:
    """A chunk handed over for processing, and what its position will record."""

    first_offset: int
    last_offset: int
    count: int
    last_record: str  # fingerprint of its last message


@dataclass
class TopicPartitionWriter:
    """Buffers, seals and lands one partition's records; `ledger` counts what it landed."""

    tp: TopicPartition
    lake: Lake
    ledger: PartitionLedger
    run_id: str
    buffer: list[Message] = field(default_factory=list)
    sealed: deque[Sealed] = field(default_factory=deque)  # processing, oldest first
    landed_raw_files: list[Path] = field(default_factory=list)

    def __len__(self) -> int:
        """Records buffered and not yet sealed."""
        return len(self.buffer)

    @property
    def first_offset(self) -> int | None:
        """The first offset read and not yet landed (sealed or buffered), if any."""
        if self.sealed:
            return self.sealed[0].first_offset
        return self.buffer[0][0] if self.buffer else None

    @property
    def pending(self) -> bool:
        return bool(self.sealed or self.buffer)

    def add(self, message: ConsumerRecord) -> None:
        self.buffer.append(
            (message.offset, message.timestamp, message.key, message.value, message.headers or [])
        )

    def seal(self) -> Chunk:
        """The buffered messages as a chunk to process; the writer lands it when it is back."""
        messages, self.buffer = self.buffer, []
        first, (last, timestamp, key, *_) = messages[0][0], messages[-1]
        self.sealed.append(Sealed(first, last, len(messages), record_fingerprint(timestamp, key)))
        return Chunk(self.tp.topic, self.tp.partition, messages)

    def land(self, consumer: KafkaConsumer, dead_letters: KafkaProducer, outcome: Outcome) -> None:
        """Write the oldest sealed chunk, processed into `outcome`; move the lake's position;
        commit past it."""
        chunk = self.sealed[0]
        topic, partition = self.tp.topic, self.tp.partition
        ledger = self.ledger
        if outcome.raw.num_rows:
            path = self.lake.offset_file(self.lake.raw, topic, partition, chunk.first_offset)
            atomic.write_parquet(path, outcome.raw)
            self.landed_raw_files.append(path)
            ledger.files += 1
        if outcome.quarantine:
            path = self.lake.offset_file(self.lake.quarantine, topic, partition, chunk.first_offset)
            atomic.write_parquet(path, outcome.quarantine_table())
            ledger.files += 1
            send_dead_letters(dead_letters, outcome.quarantine)
        ledger.consumed += chunk.count
        ledger.landed += outcome.raw.num_rows
        ledger.quarantined += len(outcome.quarantine)
        ledger.gate_quarantined += outcome.gate_quarantined
        next_offset = chunk.last_offset + 1
        write_position(
            self.lake,
            Position(
                topic,
                partition,
                next_offset,
                self.run_id,
                run_offset_from=ledger.offset_from,
                consumed=ledger.consumed,
                landed=ledger.landed,
                quarantined=ledger.quarantined,
                gate_quarantined=ledger.gate_quarantined,
                files=ledger.files,
                last_record=chunk.last_record,
            ),
        )
        consumer.commit({self.tp: OffsetAndMetadata(next_offset, self.run_id, -1)})
        ledger.offset_to = next_offset
        self.sealed.popleft()
