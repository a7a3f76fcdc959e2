"""`clemency replay`: move the lake's position and the ingest group's committed offsets back,
to land records again.

The next ingest of a rewound partition drops every lake file at or past the new position (as
it does after a crash) and lands those records again under the same file names, so a replay
repairs a damaged or deleted file without doubling anything. The offset must lie within what
both the broker and the lake hold: one the broker no longer retains, or one past what the
lake has landed (nothing to land again; a normal ingest reads it), is refused, never
silently skipped. A replay holds the ingest lock, so it never races an ingest.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq
from kafka import OffsetAndMetadata, TopicPartition

from clemency.kafka.clients import INGEST_GROUP, new_consumer
from clemency.kafka.security import KafkaSecurity
from clemency.lake import locks
from clemency.lake.audit import audited
from clemency.lake.layout import Lake, column_range
from clemency.lake.ledger import recover_interrupted_runs
from clemency.lake.positions import (
    Position,
    adopt_landed_files,
    read_position,
    write_position,
)


class ReplayError(ValueError):
    """The requested replay cannot be done (unknown topic or partition, offsets gone)."""


@dataclass(frozen=True)
class Rewound:
    topic: str
    partition: int
    committed_before: int | None
    committed_now: int


def file_start(lake: Lake, topic: str, partition: int, offset: int) -> int:
    """`offset`, or the first offset of the landed file that holds it: the next ingest
    rewrites whole files, so starting inside one would land its tail twice."""
    start = offset
    for zone in (lake.raw, lake.quarantine):
        earlier = [
            path
            for path in lake.files_from_offset(zone, topic, partition, 0)
            if lake.first_offset(path) < offset
        ]
        if not earlier:
            continue
        last = earlier[-1]
        try:
            holds_offset = _highest_offset(last) >= offset
        except (OSError, pa.ArrowException):
            holds_offset = True  # unreadable: land it again rather than guess
        if holds_offset:
            start = min(start, lake.first_offset(last))
    return start


def _highest_offset(path) -> int:
    bounds = column_range(pq.ParquetFile(path).metadata, "kafka_offset")
    return -1 if bounds is None else bounds[1]


def replay(
    bootstrap_servers: str,
    lake: Lake,
    topic: str,
    from_offset: int,
    partitions: list[int] | None = None,
    group_id: str = INGEST_GROUP,
    security: KafkaSecurity | None = None,
) -> list[Rewound]:
    """Commit `from_offset` for `topic` (all partitions, or those listed) in the ingest group."""
    arguments = {
        "topic": topic,
        "partitions": partitions,
        "from_offset": from_offset,
        "group_id": group_id,
    }
    with (
        audited(lake, "replay", arguments) as record,
        locks.hold(lake, "ingest", run_id=record.run_id),
    ):
        adopt_landed_files(lake)
        recover_interrupted_runs(lake)  # their counts live in the positions moved below
        consumer = new_consumer(bootstrap_servers, group_id, security=security)
        try:
            known = consumer.partitions_for_topic(topic)
            if not known:
                raise ReplayError(f"--topic: {topic!r} does not exist on {bootstrap_servers}")
            chosen = sorted(known) if partitions is None else partitions
            unknown = sorted(set(chosen) - set(known))
            if unknown:
                raise ReplayError(
                    f"--partition: {topic} has partitions {sorted(known)}, not {unknown}"
                )
            wanted = [TopicPartition(topic, number) for number in chosen]
            consumer.assign(wanted)
            earliest = consumer.beginning_offsets(wanted)
            rewound = []
            for tp in wanted:
                if from_offset < earliest[tp]:
                    raise ReplayError(
                        f"--from-offset: {topic}/{tp.partition} starts at offset {earliest[tp]} "
                        f"on the broker; offsets {from_offset}-{earliest[tp] - 1} are gone from "
                        "Kafka and can only come back from a backup of the raw lake"
                    )
                position = read_position(lake, topic, tp.partition)
                landed_up_to = position.next_offset if position else earliest[tp]
                if from_offset > landed_up_to:
                    raise ReplayError(
                        f"--from-offset: {topic}/{tp.partition} is landed up to offset "
                        f"{landed_up_to - 1} (next {landed_up_to}); {from_offset} is past it, so "
                        "there is nothing to land again (a normal `clemency ingest` reads on)"
                    )
            for tp in wanted:
                start = file_start(lake, topic, tp.partition, from_offset)
                before = consumer.committed(tp)
                write_position(lake, Position(topic, tp.partition, start, None))
                consumer.commit({tp: OffsetAndMetadata(start, "replay", -1)})
                rewound.append(Rewound(topic, tp.partition, before, start))
            record.inputs = [
                {
                    "topic": r.topic,
                    "partition": r.partition,
                    "committed_before": r.committed_before,
                    "committed_now": r.committed_now,
                }
                for r in rewound
            ]
            return rewound
        finally:
            consumer.close(autocommit=False)
