"""One chunk of one partition, decoded, built into Arrow and validated, in memory.

`process` is the work between reading a chunk from Kafka and landing it: every message is
decoded (`clemency.ingest.decode`, one message at a time, so the hostile-input limits are
the decoder's own), the valid ones go into the raw zone's Arrow table column by column (no
per-row dicts on the way), and the Great Expectations gate runs over that table; the rows it
refuses join the quarantine with their published bytes. Nothing here writes or talks to
Kafka. The gate (`validate_tables`) needs only the decoded rows, so on a large backlog the
ingest decodes (`decode_chunks`) and a worker process validates (`clemency.ingest.worker`),
each on its own core, and `apply_verdict` moves the refused rows where their bytes are.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from clemency.ingest.decode import Coordinates, decode
from clemency.lake.schemas import QUARANTINE_SCHEMA, RAW_SCHEMA, UTC_TS

if TYPE_CHECKING:
    from clemency.validation.gate import SuiteResult

# What the partition writer keeps of a Kafka message: offset, timestamp (ms), key, value
# and headers. Plain tuples pickle fast on their way to the worker process.
Message = tuple[int, int, bytes | None, bytes | None, list[tuple[str, bytes]]]

# The raw columns a decoded row fills (the rest come from the message itself).
_DECODED = (
    "event_id",
    "event_type",
    "schema_version",
    "occurred_at",
    "recorded_at",
    "source_system",
    "source_id",
    "person_id",
    "entity_key",
    "payload",
)


@dataclass(frozen=True)
class Chunk:
    """Consecutive messages of one partition."""

    topic: str
    partition: int
    messages: list[Message]


@dataclass
class Outcome:
    """A processed chunk: what goes to raw, what goes to quarantine (in offset order)."""

    raw: pa.Table
    quarantine: list[dict[str, Any]]  # QUARANTINE_SCHEMA rows
    gate_quarantined: int = 0  # of `quarantine`: rows the gate refused

    def quarantine_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.quarantine, QUARANTINE_SCHEMA)


@dataclass
class Processed:
    """Chunks of one topic processed together: one outcome per chunk, one gate verdict."""

    outcomes: list[Outcome]
    suites: list[SuiteResult] = field(default_factory=list)
    validated: bool = False  # the gate ran (over the raw rows before the refused ones left)
    validated_rows: int = 0
    gate_seconds: float = 0.0


def _ts(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def _headers(headers: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    return [{"key": k, "value": v} for k, v in headers]


def _quarantined(chunk: Chunk, message: Message, codes: list[str], reasons: list[str]) -> dict:
    offset, timestamp, key, value, headers = message
    return {
        "kafka_topic": chunk.topic,
        "kafka_partition": chunk.partition,
        "kafka_offset": offset,
        "kafka_key": key,
        "kafka_timestamp": _ts(timestamp),
        "value": value,
        "reason_codes": codes,
        "reasons": reasons,
        "kafka_headers": _headers(headers),
    }


def decode_chunk(chunk: Chunk) -> tuple[pa.Table, list[dict[str, Any]]]:
    """The chunk's raw table (RAW_SCHEMA) and its quarantine rows (QUARANTINE_SCHEMA)."""
    columns: dict[str, list[Any]] = {name: [] for name in _DECODED}
    offsets: list[int] = []
    timestamps: list[int] = []
    keys: list[str] = []
    headers: list[list[dict[str, Any]]] = []
    quarantine = []
    for message in chunk.messages:
        offset, timestamp, key, value, published_headers = message
        where = Coordinates(chunk.topic, chunk.partition, offset, key, timestamp)
        verdict = decode(value, where)
        if verdict.row is None:
            codes, reasons = list(verdict.reason_codes), list(verdict.reasons)
            quarantine.append(_quarantined(chunk, message, codes, reasons))
            continue
        row = verdict.row
        for name in _DECODED:
            columns[name].append(row[name])
        offsets.append(offset)
        timestamps.append(timestamp)
        assert key is not None  # a routed row always has the key it was checked against
        keys.append(key.decode("utf-8"))
        headers.append(_headers(published_headers))
    count = len(offsets)
    arrays = {name: pa.array(columns[name], RAW_SCHEMA.field(name).type) for name in _DECODED}
    arrays["kafka_topic"] = pa.array([chunk.topic] * count, pa.string())
    arrays["kafka_partition"] = pa.array([chunk.partition] * count, pa.int32())
    arrays["kafka_offset"] = pa.array(offsets, pa.int64())
    arrays["kafka_key"] = pa.array(keys, pa.string())
    milliseconds = pa.array(timestamps, pa.int64()).cast(pa.timestamp("ms", tz="UTC"))
    arrays["kafka_timestamp"] = milliseconds.cast(UTC_TS)
    arrays["kafka_headers"] = pa.array(headers, RAW_SCHEMA.field("kafka_headers").type)
    table = pa.Table.from_arrays([arrays[name] for name in RAW_SCHEMA.names], schema=RAW_SCHEMA)
    return table, quarantine


def process(chunks: list[Chunk], gate: bool) -> Processed:
    """Decode `chunks` (partitions of one topic), then (with `gate`) validate their raw rows
    together and move the rows the gate refuses to their chunk's quarantine."""
    processed = decode_chunks(chunks)
    if gate and (tables := raw_tables(processed)):
        apply_verdict(chunks, processed, validate_tables(topic_of(chunks), tables))
    return processed


def topic_of(chunks: list[Chunk]) -> str:
    """The one topic of a group of chunks (the gate runs a topic's suites over them)."""
    (topic,) = {chunk.topic for chunk in chunks}
    return topic


def decode_chunks(chunks: list[Chunk]) -> Processed:
    return Processed([Outcome(*decode_chunk(chunk)) for chunk in chunks])


def raw_tables(processed: Processed) -> list[pa.Table]:
    """What the gate validates: the decoded raw rows of each chunk that has any."""
    return [outcome.raw for outcome in processed.outcomes if outcome.raw.num_rows]


@dataclass
class GateVerdict:
    """The gate's run over one topic's raw rows: its suites, and the rows it refuses by
    partition and offset (with the reason codes of each)."""

    suites: list[SuiteResult]
    validated_rows: int
    gate_seconds: float
    refused: dict[tuple[str | None, int | None], dict[int, set[str]]]


def validate_tables(topic: str, tables: list[pa.Table]) -> GateVerdict:
    """One run of each suite (a run costs GX a fixed ~0.4 s) over the raw rows of `tables`
    (partitions of `topic`). Needs only the decoded rows, so a worker process can run it
    while the ingest decodes the next chunks (`clemency.ingest.worker`)."""
    from clemency.validation.gate import row_failures, validate_batch

    started = time.monotonic()
    frame = pa.concat_tables(tables).to_pandas()
    suites = validate_batch(topic, frame)
    refused: dict[tuple[str | None, int | None], dict[int, set[str]]] = {}
    for failure in row_failures(suites):
        if failure.offset is not None:  # raw rows always have coordinates
            where = refused.setdefault((failure.topic, failure.partition), {})
            where.setdefault(failure.offset, set()).add(failure.reason_code)
    return GateVerdict(suites, len(frame), time.monotonic() - started, refused)


def apply_verdict(chunks: list[Chunk], processed: Processed, verdict: GateVerdict) -> None:
    """Move the rows `verdict` refuses out of each chunk's raw table, to its quarantine."""
    processed.suites, processed.validated = verdict.suites, True
    processed.validated_rows, processed.gate_seconds = verdict.validated_rows, verdict.gate_seconds
    for chunk, outcome in zip(chunks, processed.outcomes, strict=True):
        mine = verdict.refused.get((chunk.topic, chunk.partition))
        if mine:
            outcome.raw = _refuse(chunk, outcome, mine)


def _refuse(chunk: Chunk, outcome: Outcome, refused: dict[int, set[str]]) -> pa.Table:
    """`outcome.raw` without the refused rows, which join the quarantine as published."""
    table = outcome.raw
    is_refused = pc.is_in(table["kafka_offset"], value_set=pa.array(sorted(refused), pa.int64()))
    by_offset = {message[0]: message for message in chunk.messages if message[0] in refused}
    moved = []
    for offset in sorted(refused):
        if offset in by_offset:
            codes = sorted(refused[offset])
            moved.append(_quarantined(chunk, by_offset[offset], codes, codes))
    outcome.quarantine = sorted([*outcome.quarantine, *moved], key=lambda r: r["kafka_offset"])
    outcome.gate_quarantined = len(moved)
    return table.filter(pc.invert(is_refused))
