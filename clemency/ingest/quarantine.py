"""Dead letters: every quarantined record also goes to `<topic>.dlq`, its reasons in headers.

The quarantine files (written by the partition writer) keep every byte of each refused
record; the dead-letter topic tells the publishing system, in Kafka's own terms.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaProducer

from clemency.kafka.clients import dead_letter_topic

# A dead letter carries the record plus headers and must stay under the producer's 1 MiB
# request limit, though the broker accepted the original at up to its own limit.
MAX_DEAD_LETTER_KEY = 1024
MAX_DEAD_LETTER_VALUE = 512 * 1024


CONNECTOR_NAME = "clemency-ingest"


def send_dead_letters(dead_letters: KafkaProducer, rows: list[dict[str, Any]]) -> None:
    """Each quarantined record also goes to `<topic>.dlq`: the record's own headers, ours
    (`clemency.*`: reason codes and reasons, source coordinates) and Kafka Connect's error
    headers (`__connect.errors.*`), so tools built for Connect's dead-letter queues read them.

    An oversized key or value is cut, with header `clemency.truncated` giving the original
    sizes; the quarantine file keeps every byte."""
    for row in rows:
        source = f"{row['kafka_topic']}/{row['kafka_partition']}/{row['kafka_offset']}"
        key, value = row["kafka_key"], row["value"]
        headers = [
            *((h["key"], h["value"]) for h in row.get("kafka_headers") or ()),
            ("clemency.reason_codes", ",".join(row["reason_codes"]).encode()),
            ("clemency.reasons", "\n".join(row["reasons"])[:4000].encode()),
            ("clemency.source", source.encode()),
            *_connect_headers(row),
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


def _connect_headers(row: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Kafka Connect's dead-letter headers (`errors.deadletterqueue.context.headers.enable`):
    where the record came from, the stage that refused it and why."""
    gate = any(code.startswith("expectation:") for code in row["reason_codes"])
    reason = row["reasons"][0] if row["reasons"] else ",".join(row["reason_codes"])
    fields = {
        "topic": row["kafka_topic"],
        "partition": str(row["kafka_partition"]),
        "offset": str(row["kafka_offset"]),
        "connector.name": CONNECTOR_NAME,
        "stage": "TRANSFORMATION" if gate else "VALUE_CONVERTER",
        "exception.class.name": "great_expectations.ExpectationFailure"
        if gate
        else "clemency.ingest.decode.Quarantined",
        "exception.message": reason[:1000],
    }
    return [(f"__connect.errors.{name}", value.encode()) for name, value in fields.items()]
