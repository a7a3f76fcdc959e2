"""Apply the Great Expectations gate to freshly landed raw files.

Row-level failures leave raw for the quarantine, with reason `expectation:<name>`: the
quarantine file is written first, then the raw file is rewritten without those rows
under its own name, so running the gate again over the same files changes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from clemency.lake import Lake, write_parquet_atomically
from clemency.validation import GateResult


def _envelope_bytes(row: dict) -> bytes:
    """The record as it was published (raw keeps the envelope fields and the payload)."""
    envelope = {
        "event_id": row["event_id"],
        "event_type": row["event_type"],
        "schema_version": row["schema_version"],
        "occurred_at": row["occurred_at"].isoformat(),
        "recorded_at": row["recorded_at"].isoformat(),
        "source": {"system": row["source_system"], "id": row["source_id"]},
        "person_id": row["person_id"],
        "payload": json.loads(row["payload"]),
    }
    if envelope["person_id"] is None:
        del envelope["person_id"]
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def quarantine_row_failures(
    lake: Lake, gate: GateResult, files: list[Path], quarantine_schema: pa.Schema
) -> dict[tuple[str, int], list[dict]]:
    """Move failing rows out of `files`; return the quarantined rows per (topic, partition)."""
    reasons: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for failure in gate.row_failures():
        reasons[(failure.topic, failure.partition, failure.offset)].append(failure.reason_code)
    moved: dict[tuple[str, int], list[dict]] = defaultdict(list)
    if not reasons:
        return moved
    for path in files:
        table = pq.read_table(path)
        topic = table.column("kafka_topic")[0].as_py() if table.num_rows else None
        partition = table.column("kafka_partition")[0].as_py() if table.num_rows else None
        failing = {o for (t, p, o) in reasons if (t, p) == (topic, partition)}
        if not failing:
            continue
        offsets = table.column("kafka_offset")
        is_failing = pc.is_in(offsets, value_set=pa.array(sorted(failing), pa.int64()))
        rows = table.filter(is_failing).to_pylist()
        if not rows:
            continue
        quarantined = [
            {
                "kafka_topic": row["kafka_topic"],
                "kafka_partition": row["kafka_partition"],
                "kafka_offset": row["kafka_offset"],
                "kafka_key": row["kafka_key"].encode("utf-8"),
                "kafka_timestamp": row["kafka_timestamp"],
                "value": _envelope_bytes(row),
                "reason_codes": sorted(set(reasons[(topic, partition, row["kafka_offset"])])),
                "reasons": sorted(set(reasons[(topic, partition, row["kafka_offset"])])),
            }
            for row in rows
        ]
        target = (
            lake.quarantine
            / topic
            / path.parent.name
            / path.name.replace(".parquet", "+gate.parquet")
        )
        write_parquet_atomically(pa.Table.from_pylist(quarantined, quarantine_schema), target)
        write_parquet_atomically(table.filter(pc.invert(is_failing)), path)
        moved[(topic, partition)].extend(quarantined)
    return moved
