"""Runtime settings, read once from `CLEMENCY_*` environment variables.

Defaults run the embedded demo on this machine. Every bad value fails at start with a
`SettingsError` naming the variable, so a misconfigured deployment never half-runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PREFIX = "CLEMENCY_"

# A visible marker: anything pseudonymised with this key is demo data, never production.
DEMO_PSEUDONYM_KEY = "demo-key-not-for-production"
DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:19092"

_HOST_PORT = re.compile(r"^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$")


class SettingsError(ValueError):
    """A `CLEMENCY_*` variable holds a value the pipeline cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything the pipeline reads from its environment.

    The default bootstrap address is where `clemency broker` listens; point it at any
    real Kafka cluster and no code path differs after the connection is made.
    """

    bootstrap_servers: str
    lake: Path
    pseudonym_key: str
    environment: str
    topic_partitions: int

    @property
    def uses_demo_key(self) -> bool:
        return self.pseudonym_key == DEMO_PSEUDONYM_KEY


VARIABLES: dict[str, str] = {
    "BOOTSTRAP_SERVERS": "Kafka bootstrap servers, `host:port[,host:port]`; the default is where "
    "`clemency broker` listens",
    "LAKE": "root folder of the lake (raw/, quarantine/, curated/, reports/)",
    "PSEUDONYM_KEY": "HMAC key for person pseudonyms; the demo key is refused outside `demo`",
    "ENVIRONMENT": "`demo`, `test`, `staging` or `production`",
    "TOPIC_PARTITIONS": "partitions per topic when the pipeline creates its topics (1-64)",
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build `Settings` from `environ` (default: `os.environ`), validating every value."""
    env = os.environ if environ is None else environ

    def get(name: str, default: str) -> str:
        return env.get(PREFIX + name, default).strip()

    bootstrap = get("BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP_SERVERS)
    if not bootstrap:
        raise SettingsError(f"{PREFIX}BOOTSTRAP_SERVERS: must not be empty")
    for server in bootstrap.split(","):
        if not _HOST_PORT.match(server.strip()):
            raise SettingsError(
                f"{PREFIX}BOOTSTRAP_SERVERS: {server!r} is not host:port "
                "(example: kafka-1:9092,kafka-2:9092)"
            )

    lake_text = get("LAKE", "lake")
    if not lake_text:
        raise SettingsError(f"{PREFIX}LAKE: must name a folder")
    lake = Path(lake_text).expanduser().resolve()
    if lake.exists() and not lake.is_dir():
        raise SettingsError(f"{PREFIX}LAKE: {lake} exists and is not a folder")

    environment = get("ENVIRONMENT", "demo")
    if environment not in {"demo", "test", "staging", "production"}:
        raise SettingsError(
            f"{PREFIX}ENVIRONMENT: {environment!r} is not one of demo, test, staging, production"
        )

    key = get("PSEUDONYM_KEY", DEMO_PSEUDONYM_KEY)
    if environment in {"staging", "production"} and key == DEMO_PSEUDONYM_KEY:
        raise SettingsError(
            f"{PREFIX}PSEUDONYM_KEY: the demo key is refused in {environment}; set a secret key"
        )
    if len(key) < 16:
        raise SettingsError(f"{PREFIX}PSEUDONYM_KEY: must be at least 16 characters")

    partitions_text = get("TOPIC_PARTITIONS", "3")
    try:
        partitions = int(partitions_text)
    except ValueError:
        raise SettingsError(
            f"{PREFIX}TOPIC_PARTITIONS: {partitions_text!r} is not a whole number"
        ) from None
    if not 1 <= partitions <= 64:
        raise SettingsError(f"{PREFIX}TOPIC_PARTITIONS: {partitions} is outside 1-64")

    return Settings(
        bootstrap_servers=bootstrap,
        lake=lake,
        pseudonym_key=key,
        environment=environment,
        topic_partitions=partitions,
    )
