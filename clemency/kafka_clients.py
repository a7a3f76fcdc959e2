"""Kafka clients configured one way for every caller (CLI, DAGs, tests, benchmarks)."""

from __future__ import annotations

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from clemency.contracts import topics

INGEST_GROUP = "clemency-ingest"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


def new_producer(bootstrap_servers: str) -> KafkaProducer:
    # acks=all and one request in flight: a retried batch can never overtake the one
    # before it, so one person's events stay in order within their partition.
    return KafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        retries=5,
        max_in_flight_requests_per_connection=1,
        linger_ms=20,
        batch_size=256 * 1024,
        request_timeout_ms=30_000,
    )


def new_consumer(bootstrap_servers: str, group_id: str = INGEST_GROUP) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=5000,
        fetch_max_bytes=32 * 1024 * 1024,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        # Tansu joins groups slowly; these values keep rebalances from timing out.
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
    )


def ensure_topics(bootstrap_servers: str, partitions: int) -> list[str]:
    """Create the data topics and their dead-letter topics if missing; return those created."""
    wanted = [t for topic in topics() for t in (topic, dead_letter_topic(topic))]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        missing = [t for t in wanted if t not in set(admin.list_topics())]
        created = []
        for name in missing:
            try:
                admin.create_topics([NewTopic(name, partitions, 1)])
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()
