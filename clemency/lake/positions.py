"""Where the lake stands in each Kafka partition, kept by the lake itself.

Like Kafka Connect's storage sinks, the lake does not rely on the broker alone to know what it
landed: after each chunk's files are durable, the ingest writes the partition's position,
`ledger/positions/<topic>+<partition>.json`, atomically, and only then commits the offset to
Kafka. The position is the lake's own commit point:

- files at or past a position's `next_offset` were written after it, by a run that died before
  its position moved: they are provably uncommitted leftovers, and the only files an ingest
  may delete;
- a broker whose log ends before a position, or whose earliest offset is past it, is not the
  log the lake was landed from (a new or reset broker, a recreated topic, expired records):
  the ingest stops instead of starting over and deleting the lake;
- the position carries the counts of the run that wrote it, so the ledger of a run killed
  half-way can be recovered by the next one, each record counted once.

A lake landed before positions existed adopts its files once (`adopt_landed_files`): its
positions are read from the files' Parquet footers (the highest landed offset + 1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow.parquet as pq

from clemency.lake import atomic
from clemency.lake.layout import OFFSET_FILE, Lake, column_range


@dataclass(frozen=True)
class Position:
    topic: str
    partition: int
    next_offset: int  # the first offset the lake does not hold yet
    run_id: str | None  # the run that moved it last (None: read back from the files)
    # What that run did to this partition up to `next_offset` (its ledger row so far).
    run_offset_from: int = 0
    consumed: int = 0
    landed: int = 0
    quarantined: int = 0
    gate_quarantined: int = 0
    files: int = 0
    # The record at `next_offset - 1` as "<Kafka timestamp ms>:<sha256 of its key, 16 hex>":
    # a broker whose record there differs is another log (the key itself is a citizen ID,
    # so only its digest is kept here, outside the restricted zones).
    last_record: str | None = None
    updated_at: str | None = None


def record_fingerprint(timestamp_ms: int, key: bytes | None) -> str:
    return f"{timestamp_ms}:{hashlib.sha256(key or b'').hexdigest()[:16]}"


def positions_folder(lake: Lake) -> Path:
    return lake.root / "ledger" / "positions"


def position_path(lake: Lake, topic: str, partition: int) -> Path:
    return positions_folder(lake) / f"{topic}+{partition}.json"


def write_position(lake: Lake, position: Position) -> None:
    stamped = {**asdict(position), "updated_at": dt.datetime.now(dt.UTC).isoformat()}
    atomic.write_json(position_path(lake, position.topic, position.partition), stamped)


def read_position(lake: Lake, topic: str, partition: int) -> Position | None:
    """The partition's position, None when the lake holds nothing committed of it."""
    path = position_path(lake, topic, partition)
    if not path.exists():
        return None
    return Position(**json.loads(path.read_text(encoding="utf-8")))


def adopt_landed_files(lake: Lake) -> list[Position]:
    """Give a lake landed before positions existed its positions, from the files' footers
    (the highest landed offset + 1 per partition); a no-op once the lake has positions.

    From then on a partition without a position holds nothing committed, so any file in it
    is an uncommitted leftover."""
    folder = positions_folder(lake)
    if folder.is_dir():
        return []
    adopted = []
    partitions = {
        (path.parent.name, int(path.name.removeprefix("partition=")))
        for zone in (lake.raw, lake.quarantine)
        for path in zone.glob("*/partition=*")
        if path.name.removeprefix("partition=").isdigit()
    }
    for topic, partition in sorted(partitions):
        landed = highest_landed_offset(lake, topic, partition)
        if landed is not None:
            adopted.append(Position(topic, partition, landed + 1, None))
            write_position(lake, adopted[-1])
    folder.mkdir(parents=True, exist_ok=True)
    return adopted


def read_positions(lake: Lake) -> list[Position]:
    folder = positions_folder(lake)
    if not folder.is_dir():
        return []
    return [
        Position(**json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(folder.glob("*.json"))
    ]


def highest_landed_offset(lake: Lake, topic: str, partition: int) -> int | None:
    """The highest Kafka offset in the partition's raw and quarantine files (footers only)."""
    highest: int | None = None
    for zone in (lake.raw, lake.quarantine):
        folder = lake.partition_dir(zone, topic, partition)
        for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else ():
            if not OFFSET_FILE.match(path.name):
                continue
            bounds = column_range(pq.ParquetFile(path).metadata, "kafka_offset")
            if bounds is not None:
                highest = bounds[1] if highest is None else max(highest, bounds[1])
    return highest
