"""Shared fixtures: one real embedded broker per test session, a fresh lake per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from clemency.kafka.broker import EmbeddedBroker
from clemency.lake.layout import Lake

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

# Hypothesis budgets (tests/test_fuzz.py): `ci`, the default, is bounded and derandomised
# so `make test` is quick and repeatable; `make fuzz` sets HYPOTHESIS_PROFILE=fuzz for a
# long random search that keeps what it finds in test-artifacts/hypothesis for replay.
_slow_is_fine = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_slow_is_fine,
)
settings.register_profile(
    "fuzz",
    max_examples=5000,
    deadline=None,
    database=DirectoryBasedExampleDatabase(ARTIFACTS / "hypothesis"),
    print_blob=True,
    suppress_health_check=_slow_is_fine,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def broker(tmp_path_factory) -> Iterator[EmbeddedBroker]:
    """A live Kafka-compatible broker; real Kafka when CLEMENCY_TEST_BOOTSTRAP_SERVERS is set."""
    log = tmp_path_factory.mktemp("broker") / "broker.log"
    embedded = EmbeddedBroker(log_path=log).start()
    try:
        yield embedded
    finally:
        embedded.stop()
    assert not embedded.running


@pytest.fixture
def bootstrap(broker) -> str:
    return broker.bootstrap_servers


@pytest.fixture
def fresh_broker(tmp_path) -> Iterator[EmbeddedBroker]:
    """A broker of this test's own (starts in well under a second): the pipeline's topic
    names are fixed, so tests that publish to them must not share a broker."""
    embedded = EmbeddedBroker(log_path=tmp_path / "broker.log").start()
    try:
        yield embedded
    finally:
        embedded.stop()


@pytest.fixture
def lake(tmp_path) -> Lake:
    return Lake(tmp_path / "lake")


@pytest.fixture
def group_id() -> str:
    """A consumer group of its own, so tests never see each other's committed offsets."""
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch):
    for name in [n for n in os.environ if n.startswith("CLEMENCY_")]:
        monkeypatch.delenv(name)
