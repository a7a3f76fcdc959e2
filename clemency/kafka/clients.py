"""Kafka clients configured one way for every caller (CLI, DAGs, tests, benchmarks).

Every client gets the same `KafkaSecurity` (TLS, SASL) from the settings; without one it
speaks PLAINTEXT, which is all the embedded broker understands.
"""

from __future__ import annotations

import os
import socket

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from clemency.contracts import topics
from clemency.kafka.security import PLAINTEXT, KafkaSecurity
from clemency.settings import PREFIX, Settings, SettingsError

INGEST_GROUP = "clemency-ingest"
# How long a new client keeps trying to reach a first broker (kafka-python's default). A
# broker that refuses the TLS handshake or the SASL login shows up as a timeout after this,
# the reason in the `kafka` log ("Handshake failed: ... CERTIFICATE_VERIFY_FAILED").
BOOTSTRAP_TIMEOUT_MS = 30_000


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


def client_id(role: str) -> str:
    """Names a client on the broker (its logs, quotas, `kafka-consumer-groups --members`):
    `clemency-<role>-<host>-<pid>`, so an operator can tell which process holds what."""
    return f"clemency-{role}-{socket.gethostname()}-{os.getpid()}"


def _security(security: KafkaSecurity | None) -> dict:
    security = security or PLAINTEXT
    if security.require_encryption and not security.encrypted:
        raise SettingsError(
            f"{PREFIX}KAFKA_SECURITY_PROTOCOL: {security.security_protocol} is unencrypted and "
            f"refused in staging and production; use SSL or SASL_SSL, or set "
            f"{PREFIX}KAFKA_ALLOW_PLAINTEXT=true"
        )
    return security.client_kwargs()


def new_producer(
    bootstrap_servers: str, *, security: KafkaSecurity | None = None, role: str = "producer"
) -> KafkaProducer:
    # acks=all and one request in flight: a retried batch can never overtake the one
    # before it, so one person's events stay in order within their partition. Idempotence:
    # a batch retried after a lost acknowledgement is written once, not twice.
    return KafkaProducer(
        bootstrap_servers=bootstrap_servers,
        bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
        **_security(security),
        client_id=client_id(role),
        acks="all",
        enable_idempotence=True,
        retries=5,
        max_in_flight_requests_per_connection=1,
        linger_ms=20,
        batch_size=256 * 1024,
        request_timeout_ms=30_000,
    )


def new_consumer(
    bootstrap_servers: str,
    group_id: str = INGEST_GROUP,
    *,
    security: KafkaSecurity | None = None,
) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
        **_security(security),
        client_id=client_id("consumer"),
        group_id=group_id,
        # Records of a transactional producer count once committed (an aborted one never
        # lands); a plain producer's records are committed as written. (The embedded broker
        # accepts the setting but does not honour it; real Kafka does.)
        isolation_level="read_committed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=5000,
        fetch_max_bytes=32 * 1024 * 1024,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        # Tansu joins groups slowly; these values keep rebalances from timing out.
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
    )


def ensure_pipeline_topics(settings: Settings, bootstrap_servers: str | None = None) -> list[str]:
    """The topics as the settings say (partitions, replicas, dead-letter retention), on the
    settings' cluster or on `bootstrap_servers` (an embedded broker: PLAINTEXT, one node)."""
    embedded = bootstrap_servers is not None
    return ensure_topics(
        bootstrap_servers or settings.bootstrap_servers,
        settings.topic_partitions,
        security=None if embedded else settings.kafka,
        dead_letter_retention_days=settings.quarantine_retention_days,
        replication_factor=1 if embedded else settings.topic_replication_factor,
        min_insync_replicas=1 if embedded else settings.topic_min_insync_replicas,
    )


def ensure_topics(
    bootstrap_servers: str,
    partitions: int,
    *,
    security: KafkaSecurity | None = None,
    dead_letter_retention_days: int | None = None,
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
) -> list[str]:
    """Create the data topics and their dead-letter topics if missing; return those created.

    Dead letters hold records as published (names, citizen IDs), so their topics get the
    quarantine's retention (`retention.ms`); the data topics keep the cluster's default.
    With replicas, `min.insync.replicas` makes an acks=all write wait for that many copies.
    """
    common = {"min.insync.replicas": str(min_insync_replicas)} if min_insync_replicas > 1 else {}
    dead_letter_configs = {
        **common,
        **(
            {"retention.ms": str(dead_letter_retention_days * 86_400_000)}
            if dead_letter_retention_days
            else {}
        ),
    }
    wanted = [t for topic in topics() for t in (topic, dead_letter_topic(topic))]
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
        **_security(security),
        client_id=client_id("admin"),
    )
    try:
        missing = [t for t in wanted if t not in set(admin.list_topics())]
        created = []
        for name in missing:
            try:
                configs = dead_letter_configs if name.endswith(".dlq") else common
                admin.create_topics(
                    [NewTopic(name, partitions, replication_factor, topic_configs=configs)]
                )
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()
