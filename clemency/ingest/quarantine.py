"""The quarantine's two ways in besides the decoder: rows the gate refuses, and dead letters.

Row-level gate failures leave raw for the quarantine, with reason `expectation:<name>`: the
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

from clemency.kafka.clients import dead_letter_topic
from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.lake.schemas import QUARANTINE_SCHEMA
from clemency.validation.gate import GateResult


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
    lake: Lake, gate: GateResult, files: list[Path]
) -> dict[tuple[str, int], list[dict]]:
    """Move failing rows out of `files`; return the quarantined rows per (topic, partition)."""
    # (topic, partition, offset) -> reason codes; a failure's coordinates may be unknown
    reasons: dict[tuple[str | None, int | None, int | None], list[str]] = defaultdict(list)
    for failure in gate.row_failures():
        reasons[(failure.topic, failure.partition, failure.offset)].append(failure.reason_code)
    moved: dict[tuple[str, int], list[dict]] = defaultdict(list)
    if not reasons:
        return moved
    for path in files:
        table = pq.read_table(path)
        if not table.num_rows:  # no rows to move
            continue
        topic = table.column("kafka_topic")[0].as_py()
        partition = table.column("kafka_partition")[0].as_py()
        # Raw rows always have an offset; a failure without one names no row to move.
        failing = {o for (t, p, o) in reasons if (t, p) == (topic, partition) and o is not None}
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
        atomic.write_parquet(target, pa.Table.from_pylist(quarantined, QUARANTINE_SCHEMA))
        atomic.write_parquet(path, table.filter(pc.invert(is_failing)))
        moved[(topic, partition)].extend(quarantined)
    return moved


# A dead letter carries the record plus headers and must stay under the producer's 1 MiB
# request limit, though the broker accepted the original at up to its own limit.
MAX_DEAD_LETTER_KEY = 1024
MAX_DEAD_LETTER_VALUE = 512 * 1024


def send_dead_letters(dead_letters, rows: list[dict]) -> None:
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
