"""The embedded broker: starts on a free port, answers Kafka clients, always stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from kafka import KafkaAdminClient

from clemency.kafka.broker import BrokerError, EmbeddedBroker, wait_until_ready
from clemency.kafka.clients import ensure_topics


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


@pytest.mark.broker
def test_session_broker_answers_and_creates_the_topics(broker):
    created = ensure_topics(broker.bootstrap_servers, partitions=2)
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    try:
        listed = set(admin.list_topics())
    finally:
        admin.close()
    assert {"court.events", "facility.events", "reference.events", "court.events.dlq"} <= listed
    assert set(created) <= listed
    assert ensure_topics(broker.bootstrap_servers, partitions=2) == []  # idempotent


@pytest.mark.broker
def test_dead_letter_topics_get_the_quarantine_retention(fresh_broker, monkeypatch):
    """Tansu accepts topic configs but does not report them back, so the request is what
    is checked here (on real Kafka `kafka-configs --describe` shows retention.ms)."""
    requested = {}
    create = KafkaAdminClient.create_topics

    def recording(admin, new_topics, *args, **kwargs):
        for topic in new_topics:
            requested[topic.name] = dict(topic.topic_configs)
        return create(admin, new_topics, *args, **kwargs)

    monkeypatch.setattr(KafkaAdminClient, "create_topics", recording)
    created = ensure_topics(fresh_broker.bootstrap_servers, 1, dead_letter_retention_days=90)
    assert set(created) == set(requested) and len(created) == 6
    assert requested["court.events.dlq"] == {"retention.ms": str(90 * 24 * 3600 * 1000)}
    assert requested["court.events"] == {}  # data topics keep the cluster's retention


@pytest.mark.broker
def test_broker_process_is_gone_after_the_block_even_on_error():
    with pytest.raises(RuntimeError, match="boom"), EmbeddedBroker() as embedded:
        pid = embedded._process.pid
        assert _alive(pid)
        raise RuntimeError("boom")
    assert not _alive(pid)


@pytest.mark.broker
def test_stop_escalates_when_the_broker_ignores_sigterm():
    embedded = EmbeddedBroker().start()
    process = embedded._process
    # hold a client connection open: Tansu may wait for it before exiting on SIGTERM
    admin = KafkaAdminClient(bootstrap_servers=embedded.bootstrap_servers)
    started = time.monotonic()
    embedded.stop(grace=2.0)
    admin.close()
    assert process.poll() is not None
    assert time.monotonic() - started < 10


def test_readiness_times_out_with_a_clear_error():
    with pytest.raises(BrokerError, match="no broker answered at 127.0.0.1:9 within 1s"):
        wait_until_ready("127.0.0.1:9", timeout=1.0)


@pytest.mark.broker
def test_cli_broker_runs_until_sigterm_and_leaves_no_process(tmp_path):
    port = EmbeddedBroker().port
    child = subprocess.Popen(
        [sys.executable, "-m", "clemency.cli", "broker", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert f"CLEMENCY_BOOTSTRAP_SERVERS=127.0.0.1:{port}" in line
        wait_until_ready(f"127.0.0.1:{port}", timeout=10)
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=20) == 0
        assert "broker stopped" in child.stdout.read()
        with pytest.raises(BrokerError):
            wait_until_ready(f"127.0.0.1:{port}", timeout=1.0)
    finally:
        child.kill()
