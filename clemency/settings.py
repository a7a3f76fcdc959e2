"""Runtime settings, read once from `CLEMENCY_*` environment variables.

Defaults run the embedded demo on this machine. Every bad value fails at start with a
`SettingsError` naming the variable, so a misconfigured deployment never half-runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from clemency.kafka.security import (
    MECHANISMS,
    PLAINTEXT,
    PROTOCOLS,
    KafkaSecurity,
    Secret,
)
from clemency.lake.layout import Lake

PREFIX = "CLEMENCY_"

# A visible marker: anything pseudonymised with this key is demo data, never production.
DEMO_PSEUDONYM_KEY = "demo-key-not-for-production"
DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:19092"
DEFAULT_WEBHOOK_CONN_ID = "clemency_alert_webhook"
DEFAULT_SMTP_CONN_ID = "clemency_alert_smtp"

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
    lake_root: Path
    pseudonym_key: str = field(repr=False)  # a secret: never in a repr, a log or an error
    environment: str
    topic_partitions: int
    kafka: KafkaSecurity = PLAINTEXT
    quarantine_retention_days: int = 90
    raw_retention_days: int | None = None  # None: raw is kept for good (see retention.py)
    # Topics the pipeline creates: copies of each partition, and how many must acknowledge a
    # write (with acks=all). The embedded broker has one node, so both default to 1.
    topic_replication_factor: int = 1
    topic_min_insync_replicas: int = 1
    # Where alerts go (clemency.alerts): Airflow connection ids, never the secrets themselves,
    # and the e-mail recipients. An undefined connection means that channel is off.
    alert_webhook_conn_id: str = DEFAULT_WEBHOOK_CONN_ID
    alert_smtp_conn_id: str = DEFAULT_SMTP_CONN_ID
    alert_email_to: tuple[str, ...] = ()

    @property
    def lake(self) -> Lake:
        """The lake every command reads and writes (the one place a `Lake` is built); it
        carries the pseudonym key for the audit trail (citizen IDs are written by pseudonym)."""
        return Lake(self.lake_root, pseudonym_key=self.pseudonym_key)

    @property
    def uses_demo_key(self) -> bool:
        return self.pseudonym_key == DEMO_PSEUDONYM_KEY


VARIABLES: dict[str, str] = {
    "BOOTSTRAP_SERVERS": "Kafka bootstrap servers, `host:port[,host:port]`; the default is where "
    "`clemency broker` listens",
    "LAKE": "root folder of the lake (raw/, quarantine/, restricted/, curated/, reports/)",
    "PSEUDONYM_KEY": "HMAC key for person pseudonyms; the demo key is refused outside `demo`",
    "ENVIRONMENT": "`demo`, `test`, `staging` or `production`",
    "TOPIC_PARTITIONS": "partitions per topic when the pipeline creates its topics (1-64)",
    "TOPIC_REPLICATION_FACTOR": "replicas of each partition of the topics the pipeline creates "
    "(default 1, the embedded broker; 3 on a production cluster)",
    "TOPIC_MIN_INSYNC_REPLICAS": "`min.insync.replicas` of those topics: replicas that must "
    "hold a write before it counts (default 1; 2 with 3 replicas; at most the replication "
    "factor)",
    "QUARANTINE_RETENTION_DAYS": "days `clemency purge` keeps quarantined records and "
    "validation results (default 90)",
    "RAW_RETENTION_DAYS": "days `clemency purge` keeps raw records (default: unset, kept for "
    "good, since eligibility reads whole histories)",
    "ALERT_WEBHOOK_CONN_ID": "Airflow connection id of the alert webhook (default "
    "`clemency_alert_webhook`; undefined = no webhook alerts)",
    "ALERT_SMTP_CONN_ID": "Airflow connection id of the SMTP server for alert e-mails (default "
    "`clemency_alert_smtp`; undefined = no e-mail alerts)",
    "ALERT_EMAIL_TO": "alert e-mail recipients, comma-separated (required when the SMTP "
    "connection is defined)",
    "KAFKA_SECURITY_PROTOCOL": "`PLAINTEXT` (default), `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`; "
    "in `staging`/`production` no Kafka client is built over the unencrypted two unless "
    "`CLEMENCY_KAFKA_ALLOW_PLAINTEXT=true`",
    "KAFKA_ALLOW_PLAINTEXT": "`true` lets `staging`/`production` talk to Kafka unencrypted "
    "(default `false`)",
    "KAFKA_SASL_MECHANISM": "`PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`; required with SASL_*",
    "KAFKA_SASL_USERNAME": "SASL user; required with SASL_*",
    "KAFKA_SASL_PASSWORD": "SASL password (secret: from the environment or a secrets store, "
    "never a file in the repository); required with SASL_* unless the next one is set",
    "KAFKA_SASL_PASSWORD_FILE": "file holding the SASL password (Docker/Kubernetes secret), "
    "instead of CLEMENCY_KAFKA_SASL_PASSWORD",
    "KAFKA_SSL_CAFILE": "PEM file of the CA(s) that signed the brokers' certificates "
    "(default: the system's CAs); SSL/SASL_SSL only",
    "KAFKA_SSL_CERTFILE": "PEM client certificate, for brokers that require mutual TLS",
    "KAFKA_SSL_KEYFILE": "PEM private key of the client certificate",
    "KAFKA_SSL_KEY_PASSWORD": "password of an encrypted KAFKA_SSL_KEYFILE (secret)",
    "KAFKA_SSL_CHECK_HOSTNAME": "`true` (default) checks the broker's certificate matches "
    "its host name; `false` only for brokers reached by an address their certificate lacks",
}


# How the loaders read one variable: `get("LAKE", "lake")` is CLEMENCY_LAKE, stripped, or
# the default when it is unset.
_Getter = Callable[[str, str], str]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build `Settings` from `environ` (default: `os.environ`), validating every value."""
    env = os.environ if environ is None else environ

    def get(name: str, default: str) -> str:
        return env.get(PREFIX + name, default).strip()

    if get("ALERT_WEBHOOK", ""):  # a URL in the environment: it may carry a token
        raise SettingsError(
            f"{PREFIX}ALERT_WEBHOOK: no longer read; define the Airflow connection "
            f"{get('ALERT_WEBHOOK_CONN_ID', '') or DEFAULT_WEBHOOK_CONN_ID} instead "
            "(README, Alerts)"
        )
    bootstrap = _bootstrap_servers(get)
    lake = _lake_root(get)
    environment = _environment(get)
    key = _pseudonym_key(get, environment)
    partitions = _topic_partitions(get)
    replicas = _whole(get("TOPIC_REPLICATION_FACTOR", "1"), "TOPIC_REPLICATION_FACTOR", 1, 16)
    insync = _whole(get("TOPIC_MIN_INSYNC_REPLICAS", "1"), "TOPIC_MIN_INSYNC_REPLICAS", 1, 16)
    if insync > replicas:
        raise SettingsError(
            f"{PREFIX}TOPIC_MIN_INSYNC_REPLICAS: {insync} is more than the {replicas} "
            f"replica(s) of {PREFIX}TOPIC_REPLICATION_FACTOR: no write could ever succeed"
        )

    return Settings(
        bootstrap_servers=bootstrap,
        lake_root=lake,
        pseudonym_key=key,
        environment=environment,
        topic_partitions=partitions,
        topic_replication_factor=replicas,
        topic_min_insync_replicas=insync,
        quarantine_retention_days=_days(
            get("QUARANTINE_RETENTION_DAYS", ""), "QUARANTINE_RETENTION_DAYS"
        )
        or 90,
        raw_retention_days=_days(get("RAW_RETENTION_DAYS", ""), "RAW_RETENTION_DAYS"),
        kafka=_kafka_security(env, get, environment),
        alert_webhook_conn_id=_connection_id(get, "ALERT_WEBHOOK_CONN_ID", DEFAULT_WEBHOOK_CONN_ID),
        alert_smtp_conn_id=_connection_id(get, "ALERT_SMTP_CONN_ID", DEFAULT_SMTP_CONN_ID),
        alert_email_to=_email_addresses(get, "ALERT_EMAIL_TO"),
    )


def _bootstrap_servers(get: _Getter) -> str:
    bootstrap = get("BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP_SERVERS)
    if not bootstrap:
        raise SettingsError(f"{PREFIX}BOOTSTRAP_SERVERS: must not be empty")
    for server in bootstrap.split(","):
        if not _HOST_PORT.match(server.strip()):
            raise SettingsError(
                f"{PREFIX}BOOTSTRAP_SERVERS: {server!r} is not host:port "
                "(example: kafka-1:9092,kafka-2:9092)"
            )
    return bootstrap


def _lake_root(get: _Getter) -> Path:
    """The lake folder, resolved; it need not exist yet, but must not be a file."""
    lake_text = get("LAKE", "lake")
    if not lake_text:
        raise SettingsError(f"{PREFIX}LAKE: must name a folder")
    lake = Path(lake_text).expanduser().resolve()
    if lake.exists() and not lake.is_dir():
        raise SettingsError(f"{PREFIX}LAKE: {lake} exists and is not a folder")
    return lake


_CONNECTION_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,250}$")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def _connection_id(get: _Getter, name: str, default: str) -> str:
    """An Airflow connection id (the connection itself, with its secrets, lives in Airflow)."""
    conn_id = get(name, default) or default
    if not _CONNECTION_ID.match(conn_id):
        raise SettingsError(
            f"{PREFIX}{name}: {conn_id!r} is not an Airflow connection id (letters, digits, _ . -)"
        )
    return conn_id


def _email_addresses(get: _Getter, name: str) -> tuple[str, ...]:
    addresses = tuple(a.strip() for a in get(name, "").split(",") if a.strip())
    for address in addresses:
        if not _EMAIL.match(address):
            raise SettingsError(f"{PREFIX}{name}: {address!r} is not an e-mail address")
    return addresses


def _environment(get: _Getter) -> str:
    environment = get("ENVIRONMENT", "demo")
    if environment not in {"demo", "test", "staging", "production"}:
        raise SettingsError(
            f"{PREFIX}ENVIRONMENT: {environment!r} is not one of demo, test, staging, production"
        )
    return environment


def _pseudonym_key(get: _Getter, environment: str) -> str:
    """The HMAC key; the demo key only in `demo`, so demo pseudonyms never reach production."""
    key = get("PSEUDONYM_KEY", DEMO_PSEUDONYM_KEY)
    if environment != "demo" and key == DEMO_PSEUDONYM_KEY:
        raise SettingsError(
            f"{PREFIX}PSEUDONYM_KEY: the demo key is refused in {environment}; set a secret key"
        )
    if len(key) < 16:
        raise SettingsError(f"{PREFIX}PSEUDONYM_KEY: must be at least 16 characters")
    return key


def _whole(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}: {text!r} is not a whole number") from None
    if not low <= value <= high:
        raise SettingsError(f"{PREFIX}{name}: {value} is outside {low}-{high}")
    return value


def _topic_partitions(get: _Getter) -> int:
    partitions_text = get("TOPIC_PARTITIONS", "3")
    try:
        partitions = int(partitions_text)
    except ValueError:
        raise SettingsError(
            f"{PREFIX}TOPIC_PARTITIONS: {partitions_text!r} is not a whole number"
        ) from None
    if not 1 <= partitions <= 64:
        raise SettingsError(f"{PREFIX}TOPIC_PARTITIONS: {partitions} is outside 1-64")
    return partitions


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _kafka_security(env: Mapping[str, str], get: _Getter, environment: str) -> KafkaSecurity:
    """`KafkaSecurity` from the `CLEMENCY_KAFKA_*` variables. Errors name the variable and,
    for a secret, never its value (a password file is named by its path)."""
    protocol = _security_protocol(get)
    # Enforced when a Kafka client is built (kafka_clients), not here: commands and the dbt
    # plugin that never talk to Kafka load these settings too, and in Airflow the security
    # may come from the connection rather than from this environment.
    allow_plaintext = _flag(get, "KAFKA_ALLOW_PLAINTEXT", False)
    require_encryption = environment in {"staging", "production"} and not allow_plaintext

    sasl = protocol.startswith("SASL_")
    tls = protocol in {"SSL", "SASL_SSL"}
    _refuse_unused(get, protocol, sasl=sasl, tls=tls)
    check_hostname = _flag(get, "KAFKA_SSL_CHECK_HOSTNAME", True)

    mechanism = username = None
    password = None
    if sasl:
        mechanism, username = _sasl_user(get, protocol)
        password = _sasl_password(env, get, protocol)

    cafile = _readable(get, "KAFKA_SSL_CAFILE")
    certfile = _readable(get, "KAFKA_SSL_CERTFILE")
    keyfile = _readable(get, "KAFKA_SSL_KEYFILE")
    key_password = _key_password(env, certfile=certfile, keyfile=keyfile)
    return KafkaSecurity(
        security_protocol=protocol,
        sasl_mechanism=mechanism,
        username=username,
        password=password,
        ssl_cafile=cafile,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        ssl_password=Secret(key_password) if key_password else None,
        ssl_check_hostname=check_hostname,
        require_encryption=require_encryption,
    )


def _flag(get: _Getter, name: str, default: bool) -> bool:
    text = get(name, "").lower()
    if not text:
        return default
    if text not in _TRUE | _FALSE:
        raise SettingsError(f"{PREFIX}{name}: {text!r} is not true or false")
    return text in _TRUE


def _security_protocol(get: _Getter) -> str:
    protocol = get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper() or "PLAINTEXT"
    if protocol not in PROTOCOLS:
        raise SettingsError(
            f"{PREFIX}KAFKA_SECURITY_PROTOCOL: {protocol!r} is not one of {', '.join(PROTOCOLS)}"
        )
    return protocol


def _refuse_unused(get: _Getter, protocol: str, *, sasl: bool, tls: bool) -> None:
    """A SASL or TLS variable the protocol would ignore is an error, not a silent no-op."""

    def only_with(name: str, needed: bool, what: str) -> None:
        if get(name, "") and not needed:
            raise SettingsError(
                f"{PREFIX}{name}: set, but {PREFIX}KAFKA_SECURITY_PROTOCOL is {protocol} "
                f"({what}); set the protocol or unset this variable"
            )

    for name in ("SASL_MECHANISM", "SASL_USERNAME", "SASL_PASSWORD", "SASL_PASSWORD_FILE"):
        only_with(f"KAFKA_{name}", sasl, "SASL needs SASL_PLAINTEXT or SASL_SSL")
    for name in ("SSL_CAFILE", "SSL_CERTFILE", "SSL_KEYFILE", "SSL_KEY_PASSWORD"):
        only_with(f"KAFKA_{name}", tls, "TLS needs SSL or SASL_SSL")


def _sasl_user(get: _Getter, protocol: str) -> tuple[str, str]:
    """The SASL mechanism and user name, both required with a SASL_* protocol."""
    mechanism = get("KAFKA_SASL_MECHANISM", "").upper()
    if mechanism not in MECHANISMS:
        raise SettingsError(
            f"{PREFIX}KAFKA_SASL_MECHANISM: {mechanism or '(unset)'!r} is not one of "
            f"{', '.join(MECHANISMS)} (required with {protocol})"
        )
    username = get("KAFKA_SASL_USERNAME", "")
    if not username:
        raise SettingsError(f"{PREFIX}KAFKA_SASL_USERNAME: required with {protocol}")
    return mechanism, username


def _readable(get: _Getter, name: str) -> Path | None:
    """The file variable `name` names, resolved; None when unset."""
    text = get(name, "")
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_file():
        raise SettingsError(f"{PREFIX}{name}: {path} is not a file")
    if not os.access(path, os.R_OK):
        raise SettingsError(f"{PREFIX}{name}: {path} is not readable by this user")
    return path.resolve()


def _key_password(env: Mapping[str, str], *, certfile: Path | None, keyfile: Path | None) -> str:
    """The client key's password ("" when unset); a key and its password need a certificate."""
    if keyfile is not None and certfile is None:
        raise SettingsError(
            f"{PREFIX}KAFKA_SSL_KEYFILE: set without {PREFIX}KAFKA_SSL_CERTFILE (the key "
            "belongs to a client certificate)"
        )
    key_password = env.get(PREFIX + "KAFKA_SSL_KEY_PASSWORD", "")  # a secret: not stripped
    if key_password and certfile is None:
        raise SettingsError(
            f"{PREFIX}KAFKA_SSL_KEY_PASSWORD: set without a client key "
            f"({PREFIX}KAFKA_SSL_CERTFILE/KAFKA_SSL_KEYFILE)"
        )
    return key_password


def _sasl_password(env: Mapping[str, str], get: _Getter, protocol: str) -> Secret:
    """From CLEMENCY_KAFKA_SASL_PASSWORD or the file CLEMENCY_KAFKA_SASL_PASSWORD_FILE names.

    Taken as given (spaces are part of a password; only a file's final line break is
    dropped). Errors name the variable or the file, never the content.
    """
    text = env.get(PREFIX + "KAFKA_SASL_PASSWORD", "")
    file_name = get("KAFKA_SASL_PASSWORD_FILE", "")
    if text and file_name:
        raise SettingsError(
            f"{PREFIX}KAFKA_SASL_PASSWORD_FILE: set together with {PREFIX}KAFKA_SASL_PASSWORD; "
            "set one of them"
        )
    if file_name:
        path = Path(file_name).expanduser()
        try:
            text = path.read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise SettingsError(
                f"{PREFIX}KAFKA_SASL_PASSWORD_FILE: cannot read {path} ({reason})"
            ) from None
        if not text:
            raise SettingsError(f"{PREFIX}KAFKA_SASL_PASSWORD_FILE: {path} is empty")
    if not text:
        raise SettingsError(
            f"{PREFIX}KAFKA_SASL_PASSWORD: required with {protocol} "
            f"(or {PREFIX}KAFKA_SASL_PASSWORD_FILE)"
        )
    return Secret(text)


def _days(text: str, name: str) -> int | None:
    """A retention period in whole days (1-36500); empty means none."""
    if not text:
        return None
    try:
        days = int(text)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}: {text!r} is not a whole number of days") from None
    if not 1 <= days <= 36_500:
        raise SettingsError(f"{PREFIX}{name}: {days} is outside 1-36500 days")
    return days
