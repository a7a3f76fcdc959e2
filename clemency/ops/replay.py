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

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition

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
    from_offset: int | None = None,
    partitions: list[int] | None = None,
    group_id: str = INGEST_GROUP,
    security: KafkaSecurity | None = None,
    *,
    to_timestamp: dt.datetime | None = None,
    dry_run: bool = False,
) -> list[Rewound]:
    """Rewind `topic` (all partitions, or those listed) to `from_offset`, or to the first
    record at or after `to_timestamp`, in the lake and the ingest group; with `dry_run`,
    only say what would be rewound."""
    if (from_offset is None) == (to_timestamp is None):
        raise ReplayError("give one of --from-offset and --to-timestamp")
    arguments = {
        "topic": topic,
        "partitions": partitions,
        "from_offset": from_offset,
        "to_timestamp": to_timestamp.isoformat() if to_timestamp else None,
        "group_id": group_id,
        "dry_run": dry_run,
    }
    with (
        audited(lake, "replay", arguments) as record,
        locks.hold(lake, "ingest", run_id=record.run_id),
    ):
        if not dry_run:
            adopt_landed_files(lake)
            recover_interrupted_runs(lake)  # their counts live in the positions moved below
        consumer = new_consumer(bootstrap_servers, group_id, security=security)
        try:
            wanted = _partitions(consumer, bootstrap_servers, topic, partitions)
            consumer.assign(wanted)
            targets = _targets(lake, wanted, from_offset, to_timestamp)
            earliest = consumer.beginning_offsets(wanted)
            # every partition checked before any is rewound: a refusal changes nothing
            starts = {
                tp: file_start(lake, topic, tp.partition, _checked(lake, tp, targets, earliest[tp]))
                for tp in wanted
            }
            rewound = []
            for tp, start in starts.items():
                before = consumer.committed(tp)
                if not dry_run:
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


def _partitions(
    consumer: KafkaConsumer, bootstrap_servers: str, topic: str, partitions: list[int] | None
) -> list[TopicPartition]:
    known = consumer.partitions_for_topic(topic)
    if not known:
        raise ReplayError(f"--topic: {topic!r} does not exist on {bootstrap_servers}")
    chosen = sorted(known) if partitions is None else partitions
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ReplayError(f"--partition: {topic} has partitions {sorted(known)}, not {unknown}")
    return [TopicPartition(topic, number) for number in chosen]


def _targets(
    lake: Lake,
    wanted: list[TopicPartition],
    from_offset: int | None,
    to_timestamp: dt.datetime | None,
) -> dict[TopicPartition, int | None]:
    """Each partition's offset to rewind to (None: no record at or after the time).

    A time is looked up in the lake itself, which keeps every record's Kafka timestamp: the
    earliest landed offset stamped at or after it, as Kafka's own offsets-for-times would
    answer (the embedded broker does not implement that look-up)."""
    if from_offset is not None:
        return dict.fromkeys(wanted, from_offset)
    assert to_timestamp is not None
    return {tp: _first_offset_since(lake, tp, to_timestamp) for tp in wanted}


def _first_offset_since(lake: Lake, tp: TopicPartition, when: dt.datetime) -> int | None:
    found: int | None = None
    for zone in (lake.raw, lake.quarantine):
        for path in lake.files_from_offset(zone, tp.topic, tp.partition, 0):
            table = pq.read_table(path, columns=["kafka_offset", "kafka_timestamp"])
            later = table.filter(pc.greater_equal(table["kafka_timestamp"], pa.scalar(when)))
            if later.num_rows:
                first = pc.min(later["kafka_offset"]).as_py()
                found = first if found is None else min(found, first)
    return found


def _checked(
    lake: Lake,
    tp: TopicPartition,
    targets: dict[TopicPartition, int | None],
    earliest: int,
) -> int:
    """The target offset, refused unless both the broker (from `earliest`) and the lake
    hold it."""
    where = f"{tp.topic}/{tp.partition}"
    position = read_position(lake, tp.topic, tp.partition)
    landed_up_to = position.next_offset if position else earliest
    target = targets[tp]
    if target is None:  # nothing at or after the time: nothing to land again
        return landed_up_to
    if target < earliest:
        raise ReplayError(
            f"--from-offset: {where} starts at offset {earliest} on the broker; offsets "
            f"{target}-{earliest - 1} are gone from Kafka and can only come back from a "
            "backup of the raw lake"
        )
    if target > landed_up_to:
        raise ReplayError(
            f"--from-offset: {where} is landed up to offset {landed_up_to - 1} (next "
            f"{landed_up_to}); {target} is past it, so there is nothing to land again (a "
            "normal `clemency ingest` reads on)"
        )
    return target
