"""One writer per Kafka partition, in the style of Kafka Connect's `TopicPartitionWriter`.

The writer buffers a chunk of consecutive records, each decoded into a raw row or a
quarantine row, and `land()` makes the chunk durable in order: the raw file, the quarantine
file and its dead letters, and only then the commit of the next offset. A crash before the
commit leaves files past the committed offset, which the next run removes and lands again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from clemency.ingest.decode import Coordinates, decode
from clemency.ingest.quarantine import send_dead_letters
from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.lake.schemas import QUARANTINE_SCHEMA, RAW_SCHEMA


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


def _ts(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


@dataclass
class TopicPartitionWriter:
    """Buffers and lands one partition's records; `ledger` counts what it did."""

    tp: TopicPartition
    lake: Lake
    ledger: PartitionLedger
    run_id: str
    first_offset: int | None = None
    last_offset: int | None = None
    raw: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    landed_raw_files: list[Path] = field(default_factory=list)

    def __len__(self) -> int:
        """Records buffered and not yet landed."""
        return len(self.raw) + len(self.quarantine)

    def add(self, message: ConsumerRecord) -> None:
        where = Coordinates(
            message.topic, message.partition, message.offset, message.key, message.timestamp
        )
        verdict = decode(message.value, where)
        if self.first_offset is None:
            self.first_offset = message.offset
        self.last_offset = message.offset
        self.ledger.consumed += 1
        coordinates = {
            "kafka_topic": message.topic,
            "kafka_partition": message.partition,
            "kafka_offset": message.offset,
            "kafka_timestamp": _ts(message.timestamp),
        }
        if verdict.row is not None:
            key = message.key.decode("utf-8")
            self.raw.append({**verdict.row, **coordinates, "kafka_key": key})
            self.ledger.landed += 1
        else:
            self.quarantine.append(
                {
                    **coordinates,
                    "kafka_key": message.key,
                    "value": message.value,
                    "reason_codes": list(verdict.reason_codes),
                    "reasons": list(verdict.reasons),
                }
            )
            self.ledger.quarantined += 1

    def land(self, consumer: KafkaConsumer, dead_letters: KafkaProducer) -> None:
        """Write the buffered chunk's files, send its dead letters, then commit past it."""
        if self.first_offset is None or self.last_offset is None:
            return
        topic, partition = self.tp.topic, self.tp.partition
        if self.raw:
            path = self.lake.offset_file(self.lake.raw, topic, partition, self.first_offset)
            atomic.write_parquet(path, pa.Table.from_pylist(self.raw, RAW_SCHEMA))
            self.landed_raw_files.append(path)
            self.ledger.files += 1
        if self.quarantine:
            path = self.lake.offset_file(self.lake.quarantine, topic, partition, self.first_offset)
            atomic.write_parquet(path, pa.Table.from_pylist(self.quarantine, QUARANTINE_SCHEMA))
            self.ledger.files += 1
            send_dead_letters(dead_letters, self.quarantine)
        next_offset = self.last_offset + 1
        consumer.commit({self.tp: OffsetAndMetadata(next_offset, self.run_id, -1)})
        self.ledger.offset_to = next_offset
        self.first_offset = self.last_offset = None
        self.raw.clear()
        self.quarantine.clear()
