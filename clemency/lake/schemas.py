"""The Arrow schemas of the lake's two landing zones: raw events and quarantined records.

Raw keeps the envelope's fields typed, the payload as JSON text and the record's Kafka
coordinates; quarantine keeps the record's original bytes and why it was refused.
"""

from __future__ import annotations

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")
# The record's own Kafka headers, kept as published (a tracing id, a source system's batch).
HEADERS = pa.list_(pa.struct([("key", pa.string()), ("value", pa.binary())]))

RAW_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("event_type", pa.string()),
        ("schema_version", pa.int32()),
        ("occurred_at", UTC_TS),
        ("recorded_at", UTC_TS),
        ("source_system", pa.string()),
        ("source_id", pa.string()),
        ("person_id", pa.string()),
        ("entity_key", pa.string()),
        ("payload", pa.string()),
        ("kafka_topic", pa.string()),
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("kafka_key", pa.string()),
        ("kafka_timestamp", UTC_TS),
        ("kafka_headers", HEADERS),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        ("kafka_topic", pa.string()),
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("kafka_key", pa.binary()),
        ("kafka_timestamp", UTC_TS),
        ("value", pa.binary()),
        ("reason_codes", pa.list_(pa.string())),
        ("reasons", pa.list_(pa.string())),
        ("kafka_headers", HEADERS),
    ]
)
