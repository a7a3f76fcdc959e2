"""One writer per Kafka partition, in the style of Kafka Connect's `TopicPartitionWriter`.

The writer buffers a chunk of consecutive records, each decoded into a raw row or a
quarantine row. `land()` makes the chunk durable in order: the rows the validation gate
refused (checked in memory before anything is written) join the quarantine with their
original bytes; then the raw file, the quarantine file and its dead letters; then the lake's
own position for the partition (`clemency.lake.positions`); and only then the commit of the
next offset to Kafka. Each record is written once, to raw or to quarantine. A crash before
the position moved leaves files at or past it, which the next run removes and lands again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from clemency.ingest.decode import Coordinates, decode
from clemency.ingest.quarantine import send_dead_letters
from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.lake.ledger import PartitionLedger
from clemency.lake.positions import Position, record_fingerprint, write_position
from clemency.lake.schemas import QUARANTINE_SCHEMA, RAW_SCHEMA


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
    # The published key and value of each buffered raw row, by offset: a row the gate
    # refuses is quarantined as it was published, not as decoded.
    published: dict[int, tuple[bytes | None, bytes | None]] = field(default_factory=dict)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    landed_raw_files: list[Path] = field(default_factory=list)
    last_record: str | None = None  # fingerprint of the last buffered record

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
        self.last_record = record_fingerprint(message.timestamp, message.key)
        self.ledger.consumed += 1
        coordinates = {
            "kafka_topic": message.topic,
            "kafka_partition": message.partition,
            "kafka_offset": message.offset,
            "kafka_timestamp": _ts(message.timestamp),
            "kafka_headers": [{"key": k, "value": v} for k, v in message.headers or ()],
        }
        if verdict.row is not None:
            key = message.key.decode("utf-8")
            self.raw.append({**verdict.row, **coordinates, "kafka_key": key})
            self.published[message.offset] = (message.key, message.value)
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

    def raw_table(self) -> pa.Table:
        """The buffered raw rows as the raw zone's Arrow table (what the gate validates)."""
        return pa.Table.from_pylist(self.raw, RAW_SCHEMA)

    def land(
        self,
        consumer: KafkaConsumer,
        dead_letters: KafkaProducer,
        refused: dict[int, list[str]] | None = None,
    ) -> None:
        """Write the buffered chunk, without the rows the gate `refused` (offset → reason
        codes), which go to the quarantine; move the lake's position; commit past it."""
        if self.first_offset is None or self.last_offset is None:
            return
        topic, partition = self.tp.topic, self.tp.partition
        table = self.raw_table()
        quarantine = self.quarantine
        if refused:
            table, moved = self._refuse(table, refused)
            quarantine = sorted([*quarantine, *moved], key=lambda row: row["kafka_offset"])
        if table.num_rows:
            path = self.lake.offset_file(self.lake.raw, topic, partition, self.first_offset)
            atomic.write_parquet(path, table)
            self.landed_raw_files.append(path)
            self.ledger.files += 1
        if quarantine:
            path = self.lake.offset_file(self.lake.quarantine, topic, partition, self.first_offset)
            atomic.write_parquet(path, pa.Table.from_pylist(quarantine, QUARANTINE_SCHEMA))
            self.ledger.files += 1
            send_dead_letters(dead_letters, quarantine)
        next_offset = self.last_offset + 1
        ledger = self.ledger
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
                last_record=self.last_record,
            ),
        )
        consumer.commit({self.tp: OffsetAndMetadata(next_offset, self.run_id, -1)})
        ledger.offset_to = next_offset
        self.first_offset = self.last_offset = None
        self.raw.clear()
        self.published.clear()
        self.quarantine.clear()

    def _refuse(
        self, table: pa.Table, refused: dict[int, list[str]]
    ) -> tuple[pa.Table, list[dict[str, Any]]]:
        """Split the refused rows off `table` as quarantine rows holding their published bytes."""
        is_refused = pc.is_in(
            table["kafka_offset"], value_set=pa.array(sorted(refused), pa.int64())
        )
        moved = []
        for row in table.filter(is_refused).to_pylist():
            key, value = self.published[row["kafka_offset"]]
            codes = sorted(set(refused[row["kafka_offset"]]))
            moved.append(
                {
                    "kafka_topic": row["kafka_topic"],
                    "kafka_partition": row["kafka_partition"],
                    "kafka_offset": row["kafka_offset"],
                    "kafka_key": key,
                    "kafka_timestamp": row["kafka_timestamp"],
                    "value": value,
                    "reason_codes": codes,
                    "reasons": codes,
                    "kafka_headers": row["kafka_headers"],
                }
            )
        self.ledger.landed -= len(moved)
        self.ledger.quarantined += len(moved)
        self.ledger.gate_quarantined += len(moved)
        return table.filter(pc.invert(is_refused)), moved
