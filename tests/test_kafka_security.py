"""Secure broker connections: TLS and SASL settings, their path to every Kafka client, a real
TLS round trip, and a planted secret that must never reach a log, an error or the lake.

The embedded broker speaks plaintext only. TLS is proven for real through a TLS-terminating
relay (tests/tls_proxy.py) that the broker advertises; SASL cannot be completed against it
(it answers every SASL handshake with UNSUPPORTED_SASL_MECHANISM), so these tests prove the
SASL settings reach kafka-python and the wire, and docker-compose.yml runs real Kafka with a
SASL_SSL/SCRAM-SHA-512 listener for the full handshake.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import pickle
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from factories import admitted, facility, graded, imposed
from kafka import KafkaAdminClient
from kafka.errors import KafkaTimeoutError
from tls_proxy import Certificates, TlsProxy, make_certificates

import clemency.kafka.broker
import clemency.kafka.clients
from clemency.ingest.publish import encode, publish_events
from clemency.ingest.run import ingest
from clemency.kafka.broker import EmbeddedBroker, free_port
from clemency.kafka.clients import ensure_topics, new_consumer, new_producer
from clemency.kafka.security import (
    MECHANISMS,
    PLAINTEXT,
    PROTOCOLS,
    KafkaSecurity,
    Secret,
    security_variables_from_connection,
)
from clemency.orchestration import kafka_variables_from_connection
from clemency.settings import VARIABLES, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "pa55 word-with spaces"  # spaces are part of a password: never stripped


def _security(env: dict[str, str]) -> KafkaSecurity:
    return load_settings(env).kafka


def _sasl(protocol: str = "SASL_SSL", mechanism: str = "SCRAM-SHA-512", **more) -> dict:
    return {
        "CLEMENCY_KAFKA_SECURITY_PROTOCOL": protocol,
        "CLEMENCY_KAFKA_SASL_MECHANISM": mechanism,
        "CLEMENCY_KAFKA_SASL_USERNAME": "clemency",
        "CLEMENCY_KAFKA_SASL_PASSWORD": PASSWORD,
        **more,
    }


@pytest.fixture
def pem_files(tmp_path) -> dict[str, Path]:
    files = {}
    for name in ("ca", "cert", "key"):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text(f"-----BEGIN {name}-----\n")
    return files


# -- settings -----------------------------------------------------------------------------


def test_every_kafka_variable_is_documented():
    for name in (
        "SECURITY_PROTOCOL",
        "ALLOW_PLAINTEXT",
        "SASL_MECHANISM",
        "SASL_USERNAME",
        "SASL_PASSWORD",
        "SASL_PASSWORD_FILE",
        "SSL_CAFILE",
        "SSL_CERTFILE",
        "SSL_KEYFILE",
        "SSL_KEY_PASSWORD",
        "SSL_CHECK_HOSTNAME",
    ):
        assert VARIABLES.get(f"KAFKA_{name}"), name


def test_default_is_plaintext_for_the_embedded_broker():
    security = load_settings({}).kafka
    assert security == PLAINTEXT
    assert security.client_kwargs() == {"security_protocol": "PLAINTEXT"}
    assert not security.require_encryption


def test_sasl_ssl_with_a_ca_and_a_client_certificate(pem_files):
    security = _security(
        _sasl(
            "sasl_ssl",  # case does not matter
            "scram-sha-512",
            CLEMENCY_KAFKA_SSL_CAFILE=str(pem_files["ca"]),
            CLEMENCY_KAFKA_SSL_CERTFILE=str(pem_files["cert"]),
            CLEMENCY_KAFKA_SSL_KEYFILE=str(pem_files["key"]),
            CLEMENCY_KAFKA_SSL_KEY_PASSWORD="key secret",
            CLEMENCY_KAFKA_SSL_CHECK_HOSTNAME="false",
        )
    )
    assert security.client_kwargs() == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "clemency",
        "sasl_plain_password": PASSWORD,
        "ssl_check_hostname": False,
        "ssl_cafile": str(pem_files["ca"]),
        "ssl_certfile": str(pem_files["cert"]),
        "ssl_keyfile": str(pem_files["key"]),
        "ssl_password": "key secret",
    }


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_client_kwargs_for_each_protocol_and_mechanism(protocol, mechanism, pem_files):
    env = {"CLEMENCY_KAFKA_SECURITY_PROTOCOL": protocol}
    if protocol.startswith("SASL_"):
        env = _sasl(protocol, mechanism)
    if protocol.endswith("SSL"):
        env["CLEMENCY_KAFKA_SSL_CAFILE"] = str(pem_files["ca"])
    kwargs = _security(env).client_kwargs()

    assert kwargs["security_protocol"] == protocol
    sasl_keys = {"sasl_mechanism", "sasl_plain_username", "sasl_plain_password"}
    if protocol.startswith("SASL_"):
        assert kwargs["sasl_mechanism"] == mechanism
        assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == (
            "clemency",
            PASSWORD,
        )
    else:
        assert not sasl_keys & set(kwargs)
    if protocol.endswith("SSL"):
        assert kwargs["ssl_cafile"] == str(pem_files["ca"])
        assert kwargs["ssl_check_hostname"] is True  # the default
    else:
        assert not [key for key in kwargs if key.startswith("ssl_")]


def test_password_file_instead_of_the_variable(tmp_path):
    secret_file = tmp_path / "kafka_password"
    secret_file.write_text(PASSWORD + "\n")  # as `echo ... > file` writes it
    env = _sasl(CLEMENCY_KAFKA_SASL_PASSWORD_FILE=str(secret_file))
    del env["CLEMENCY_KAFKA_SASL_PASSWORD"]
    assert _security(env).password == Secret(PASSWORD)


def _missing(**names: None) -> dict:
    env = _sasl()
    for name in names:
        del env[f"CLEMENCY_KAFKA_{name}"]
    return env


BAD = [
    ({"CLEMENCY_KAFKA_SECURITY_PROTOCOL": "TLS"}, "SECURITY_PROTOCOL", "is not one of"),
    (_sasl(mechanism="GSSAPI"), "SASL_MECHANISM", "is not one of"),
    (_missing(SASL_MECHANISM=None), "SASL_MECHANISM", "required with SASL_SSL"),
    (_missing(SASL_USERNAME=None), "SASL_USERNAME", "required with SASL_SSL"),
    (_missing(SASL_PASSWORD=None), "SASL_PASSWORD", "required with SASL_SSL"),
    (
        _sasl(CLEMENCY_KAFKA_SASL_PASSWORD_FILE="/run/secrets/kafka"),
        "SASL_PASSWORD_FILE",
        "set together with",
    ),
    (
        {**_missing(SASL_PASSWORD=None), "CLEMENCY_KAFKA_SASL_PASSWORD_FILE": "/no/such/file"},
        "SASL_PASSWORD_FILE",
        "cannot read /no/such/file",
    ),
    (
        {"CLEMENCY_KAFKA_SASL_USERNAME": "clemency", "CLEMENCY_KAFKA_SASL_PASSWORD": PASSWORD},
        "SASL_USERNAME",
        "set, but CLEMENCY_KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
    ),
    (
        {"CLEMENCY_KAFKA_SECURITY_PROTOCOL": "SSL", "CLEMENCY_KAFKA_SASL_PASSWORD": PASSWORD},
        "SASL_PASSWORD",
        "SASL needs SASL_PLAINTEXT or SASL_SSL",
    ),
    (
        _sasl("SASL_PLAINTEXT", CLEMENCY_KAFKA_SSL_CAFILE="/etc/ca.pem"),
        "SSL_CAFILE",
        "TLS needs SSL or SASL_SSL",
    ),
    (
        {"CLEMENCY_KAFKA_SECURITY_PROTOCOL": "SSL", "CLEMENCY_KAFKA_SSL_CAFILE": "/no/ca.pem"},
        "SSL_CAFILE",
        "/no/ca.pem is not a file",
    ),
    (
        {"CLEMENCY_KAFKA_SECURITY_PROTOCOL": "SSL", "CLEMENCY_KAFKA_SSL_CHECK_HOSTNAME": "maybe"},
        "SSL_CHECK_HOSTNAME",
        "not true or false",
    ),
    ({"CLEMENCY_KAFKA_ALLOW_PLAINTEXT": "si"}, "ALLOW_PLAINTEXT", "not true or false"),
]


@pytest.mark.parametrize(("env", "variable", "fragment"), BAD)
def test_bad_kafka_settings_fail_naming_the_variable_never_the_secret(env, variable, fragment):
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert message.startswith(f"CLEMENCY_KAFKA_{variable}:"), message
    assert fragment in message
    assert PASSWORD not in message and "pa55" not in message


def test_client_files_must_come_in_pairs_and_be_files(tmp_path, pem_files):
    ssl = {"CLEMENCY_KAFKA_SECURITY_PROTOCOL": "SSL"}
    with pytest.raises(SettingsError, match="^CLEMENCY_KAFKA_SSL_KEYFILE: set without"):
        load_settings({**ssl, "CLEMENCY_KAFKA_SSL_KEYFILE": str(pem_files["key"])})
    with pytest.raises(SettingsError, match="^CLEMENCY_KAFKA_SSL_KEY_PASSWORD: set without") as e:
        load_settings({**ssl, "CLEMENCY_KAFKA_SSL_KEY_PASSWORD": PASSWORD})
    assert PASSWORD not in str(e.value)
    with pytest.raises(SettingsError, match="^CLEMENCY_KAFKA_SSL_CERTFILE: .* is not a file"):
        load_settings({**ssl, "CLEMENCY_KAFKA_SSL_CERTFILE": str(tmp_path)})  # a folder


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_ca_file_is_refused(pem_files):
    pem_files["ca"].chmod(0)
    with pytest.raises(SettingsError, match="^CLEMENCY_KAFKA_SSL_CAFILE: .* not readable"):
        load_settings(
            {
                "CLEMENCY_KAFKA_SECURITY_PROTOCOL": "SSL",
                "CLEMENCY_KAFKA_SSL_CAFILE": str(pem_files["ca"]),
            }
        )


def test_password_file_errors_name_the_file_not_its_content(tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    env = {**_missing(SASL_PASSWORD=None), "CLEMENCY_KAFKA_SASL_PASSWORD_FILE": str(empty)}
    with pytest.raises(
        SettingsError, match=f"^CLEMENCY_KAFKA_SASL_PASSWORD_FILE: {empty} is empty"
    ):
        load_settings(env)
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe" + PASSWORD.encode())
    env["CLEMENCY_KAFKA_SASL_PASSWORD_FILE"] = str(binary)
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert str(binary) in str(caught.value) and "pa55" not in str(caught.value)


# -- unencrypted in staging and production ------------------------------------------------

PRODUCTION = {
    "CLEMENCY_ENVIRONMENT": "production",
    "CLEMENCY_PSEUDONYM_KEY": "a-real-secret-of-32-characters!!",
}


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
@pytest.mark.parametrize(
    "build",
    [
        new_producer,
        new_consumer,
        lambda servers, security: ensure_topics(servers, 1, security=security),
    ],
)
def test_no_unencrypted_client_is_built_in_production(protocol, build):
    env = {**PRODUCTION, **(_sasl(protocol) if protocol == "SASL_PLAINTEXT" else {})}
    settings = load_settings(env)  # loads: transform, reports and dbt never talk to Kafka
    assert settings.kafka.require_encryption
    started = time.monotonic()
    with pytest.raises(SettingsError, match="^CLEMENCY_KAFKA_SECURITY_PROTOCOL: .* unencrypted"):
        build("127.0.0.1:9", security=settings.kafka)  # refused before any connection
    assert time.monotonic() - started < 1


def test_production_accepts_tls_or_an_explicit_plaintext_opt_in(pem_files):
    tls = _sasl(CLEMENCY_KAFKA_SSL_CAFILE=str(pem_files["ca"]))
    assert load_settings({**PRODUCTION, **tls}).kafka.encrypted
    opted_in = load_settings({**PRODUCTION, "CLEMENCY_KAFKA_ALLOW_PLAINTEXT": "true"}).kafka
    assert not opted_in.require_encryption
    assert clemency.kafka.clients._security(opted_in) == {"security_protocol": "PLAINTEXT"}
    assert load_settings({**PRODUCTION, "CLEMENCY_ENVIRONMENT": "staging"}).kafka.require_encryption
    test_environment = {"CLEMENCY_ENVIRONMENT": "test", "CLEMENCY_PSEUDONYM_KEY": "k" * 32}
    assert not load_settings(test_environment).kafka.require_encryption


def test_cli_refuses_plaintext_in_production_naming_the_variable(tmp_path):
    from typer.testing import CliRunner

    from clemency.cli import app

    env = {**PRODUCTION, "CLEMENCY_LAKE": str(tmp_path / "lake")}
    result = CliRunner().invoke(app, ["ingest"], env=env)
    assert result.exit_code == 2, result.output
    assert "CLEMENCY_KAFKA_SECURITY_PROTOCOL: PLAINTEXT is unencrypted" in result.output


# -- secrets never print ------------------------------------------------------------------


def test_secrets_never_show_in_repr_str_or_format(pem_files):
    secret = Secret(PASSWORD)
    assert repr(secret) == "Secret('***')" and str(secret) == "***" and f"{secret:>30}" == "***"
    assert secret == Secret(PASSWORD) and secret != Secret("other") and secret.reveal() == PASSWORD
    assert copy.deepcopy(secret) is secret
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)

    env = _sasl(
        CLEMENCY_KAFKA_SSL_CAFILE=str(pem_files["ca"]),
        CLEMENCY_KAFKA_SSL_CERTFILE=str(pem_files["cert"]),
        CLEMENCY_KAFKA_SSL_KEY_PASSWORD=PASSWORD,
        CLEMENCY_PSEUDONYM_KEY="pseudonym-key-" + PASSWORD,
    )
    settings = load_settings(env)
    for shown in (
        repr(settings),
        str(settings),
        repr(settings.kafka),
        str(settings.kafka),
        settings.kafka.describe(),
        f"{settings}",
        "%s %r" % (settings, settings.kafka),  # noqa: UP031 - as a log line formats it
    ):
        assert "pa55" not in shown, shown
    assert "SCRAM-SHA-512 as clemency" in settings.kafka.describe()
    with pytest.raises(TypeError):
        KafkaSecurity("SASL_SSL", "PLAIN", "user", PASSWORD)  # a bare str is refused


# -- the Airflow connection ---------------------------------------------------------------


def test_connection_login_password_and_extra_map_to_the_variables(pem_files):
    extra = {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-256",
        "ssl_cafile": str(pem_files["ca"]),
        "ssl_check_hostname": "false",
        "bootstrap.servers": "k2:9093",
    }
    variables = kafka_variables_from_connection("k1", 9093, "clemency", PASSWORD, extra)
    assert variables == {
        "CLEMENCY_BOOTSTRAP_SERVERS": "k1:9093,k2:9093",
        "CLEMENCY_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "CLEMENCY_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
        "CLEMENCY_KAFKA_SASL_USERNAME": "clemency",
        "CLEMENCY_KAFKA_SASL_PASSWORD": PASSWORD,
        "CLEMENCY_KAFKA_SSL_CAFILE": str(pem_files["ca"]),
        "CLEMENCY_KAFKA_SSL_CHECK_HOSTNAME": "false",
    }
    security = load_settings(variables).kafka
    assert (security.username, security.password) == ("clemency", Secret(PASSWORD))
    assert not security.ssl_check_hostname


def test_connection_in_the_kafka_providers_form(pem_files):
    """The provider's form stores librdkafka names in the extra, credentials included."""
    extra = {
        "bootstrap.servers": "k1:9093",
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "PLAIN",
        "sasl.username": "from-extra",
        "sasl.password": PASSWORD,
        "ssl.ca.location": str(pem_files["ca"]),
        "ssl.certificate.location": str(pem_files["cert"]),
        "ssl.key.location": str(pem_files["key"]),
        "ssl.endpoint.identification.algorithm": "none",
        "group.id": "ignored",
    }
    variables = kafka_variables_from_connection(None, None, None, None, extra)
    security = load_settings(variables).kafka
    assert security.client_kwargs() == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": "from-extra",
        "sasl_plain_password": PASSWORD,
        "ssl_check_hostname": False,
        "ssl_cafile": str(pem_files["ca"]),
        "ssl_certfile": str(pem_files["cert"]),
        "ssl_keyfile": str(pem_files["key"]),
    }
    # The connection's own login/password fields win over the extra's.
    login = security_variables_from_connection("from-login", "other", extra)
    assert (login["KAFKA_SASL_USERNAME"], login["KAFKA_SASL_PASSWORD"]) == ("from-login", "other")
    assert kafka_variables_from_connection("k1", 9092, None, None, None) == {
        "CLEMENCY_BOOTSTRAP_SERVERS": "k1:9092"
    }


# -- the settings reach every client ------------------------------------------------------


class _Recorded(Exception):
    pass


def test_security_reaches_every_client_of_publish_and_ingest(monkeypatch, tmp_path, pem_files):
    """Producer, consumer and admin client each get the same kwargs, through every caller."""
    security = _security(_sasl(CLEMENCY_KAFKA_SSL_CAFILE=str(pem_files["ca"])))
    seen: list[tuple[str, dict]] = []

    def recorder(name):
        def build(**kwargs):
            seen.append((name, kwargs))
            raise _Recorded(name)

        return build

    for name in ("KafkaProducer", "KafkaConsumer", "KafkaAdminClient"):
        monkeypatch.setattr(clemency.kafka.clients, name, recorder(name))

    from clemency.lake.layout import Lake

    for call in (
        lambda: ensure_topics("k:9093", 1, security=security),
        lambda: publish_events("k:9093", [], security=security),
        lambda: ingest("k:9093", Lake(tmp_path / "lake"), security=security),
    ):
        with pytest.raises(_Recorded):
            call()
    assert [name for name, _ in seen] == ["KafkaAdminClient", "KafkaProducer", "KafkaConsumer"]
    for _, kwargs in seen:
        assert kwargs["bootstrap_servers"] == "k:9093"
        assert {k: kwargs[k] for k in security.client_kwargs()} == security.client_kwargs()


@pytest.mark.broker
def test_sasl_settings_reach_the_wire(fresh_broker, caplog, monkeypatch):
    """A real client sends the configured SASL mechanism; the embedded broker refuses SASL
    (a full SCRAM login is proven by docker-compose.yml's Kafka, not here)."""
    monkeypatch.setattr(clemency.kafka.clients, "BOOTSTRAP_TIMEOUT_MS", 1500)
    security = _security(_sasl("SASL_PLAINTEXT"))
    caplog.set_level(logging.DEBUG, logger="kafka")
    with pytest.raises(KafkaTimeoutError):
        new_consumer(fresh_broker.bootstrap_servers, security=security)
    assert "SaslHandshakeRequest(version=1, mechanism='SCRAM-SHA-512')" in caplog.text
    assert "UnsupportedSaslMechanismError" in caplog.text
    assert "pa55" not in caplog.text


# -- real TLS -----------------------------------------------------------------------------


@dataclass
class TlsBroker:
    bootstrap: str
    certificates: Certificates
    proxy: TlsProxy
    broker: EmbeddedBroker

    def security(self, **overrides) -> KafkaSecurity:
        return KafkaSecurity(
            **{"security_protocol": "SSL", "ssl_cafile": self.certificates.ca, **overrides}
        )


@pytest.fixture
def tls_broker(tmp_path) -> Iterator[TlsBroker]:
    yield from _tls_broker(tmp_path, ("127.0.0.1", "localhost"))


def _tls_broker(folder: Path, hosts: tuple[str, ...]) -> Iterator[TlsBroker]:
    """The embedded broker behind a TLS relay; it advertises the relay, so every connection a
    client makes after bootstrapping is TLS too."""
    certificates = make_certificates(folder / "certs", hosts)
    tls_port, broker_port = free_port(), free_port()
    proxy = TlsProxy(tls_port, broker_port, certificates).start()
    bootstrap = f"127.0.0.1:{tls_port}"
    security = KafkaSecurity("SSL", ssl_cafile=certificates.ca, ssl_check_hostname=False)

    def ready(_plaintext: str, timeout: float, process=None) -> None:
        # The broker's own readiness probe is plaintext, which the relay would refuse.
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", broker_port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or (process and process.poll() is not None):
                    raise
                time.sleep(0.05)
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap, bootstrap_timeout_ms=10_000, **security.client_kwargs()
        )
        admin.close()

    broker = EmbeddedBroker(
        port=broker_port, advertised_port=tls_port, log_path=folder / "broker.log"
    )
    with pytest.MonkeyPatch.context() as patch:  # only the start needs it
        patch.setattr(clemency.kafka.broker, "wait_until_ready", ready)
        broker.start()
    try:
        yield TlsBroker(bootstrap, certificates, proxy, broker)
    finally:
        broker.stop()
        proxy.stop()


def _person(person_id: str) -> list[dict]:
    return [
        facility(),
        imposed(person_id=person_id),
        admitted(person_id=person_id),
        graded(person_id=person_id),
    ]


@pytest.mark.broker
def test_publish_and_ingest_over_tls(tls_broker, lake, tmp_path):
    """Settings from the variables → every client over TLS, verified against the test CA."""
    settings = load_settings(
        {
            "CLEMENCY_BOOTSTRAP_SERVERS": tls_broker.bootstrap,
            "CLEMENCY_KAFKA_SECURITY_PROTOCOL": "SSL",
            "CLEMENCY_KAFKA_SSL_CAFILE": str(tls_broker.certificates.ca),
        }
    )
    assert settings.kafka.ssl_check_hostname  # the certificate names 127.0.0.1
    ensure_topics(settings.bootstrap_servers, 1, security=settings.kafka)
    events = _person("001085012345") + _person("001085012346")
    report = publish_events(settings.bootstrap_servers, events, security=settings.kafka)
    assert report.ok and report.sent == len(events)

    result = ingest(settings.bootstrap_servers, lake, security=settings.kafka, gate=False)

    assert result.total("landed") == len(events)
    landed = sum(pq.read_metadata(p).num_rows for p in lake.raw.rglob("*.parquet"))
    assert landed == len(events)
    assert tls_broker.proxy.sessions >= 3  # admin, producer, consumer (and the DLQ producer)


@pytest.mark.broker
def test_tls_without_the_ca_fails_quickly_with_the_reason_in_the_log(
    tls_broker, caplog, monkeypatch
):
    monkeypatch.setattr(clemency.kafka.clients, "BOOTSTRAP_TIMEOUT_MS", 1500)
    caplog.set_level(logging.WARNING, logger="kafka")
    started = time.monotonic()
    with pytest.raises(KafkaTimeoutError, match="Unable to bootstrap"):
        new_consumer(tls_broker.bootstrap, security=KafkaSecurity("SSL"))  # system CAs only
    assert time.monotonic() - started < 10
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text

    other_ca = make_certificates(tls_broker.certificates.ca.parent.parent / "other").ca
    caplog.clear()
    with pytest.raises(KafkaTimeoutError):
        new_producer(tls_broker.bootstrap, security=tls_broker.security(ssl_cafile=other_ca))
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text


@pytest.mark.broker
def test_hostname_check_is_on_by_default(tmp_path, monkeypatch, caplog):
    """A certificate for another name, signed by the trusted CA: refused unless the check
    is explicitly turned off."""
    relay = _tls_broker(tmp_path, ("kafka.example.invalid",))
    elsewhere = next(relay)
    try:
        monkeypatch.setattr(clemency.kafka.clients, "BOOTSTRAP_TIMEOUT_MS", 1500)
        caplog.set_level(logging.WARNING, logger="kafka")
        with pytest.raises(KafkaTimeoutError):
            ensure_topics(elsewhere.bootstrap, 1, security=elsewhere.security())
        assert "IP address mismatch" in caplog.text
        created = ensure_topics(
            elsewhere.bootstrap, 1, security=elsewhere.security(ssl_check_hostname=False)
        )
        assert "court.events" in created
    finally:
        relay.close()


# -- a planted secret never reaches a log, an error or the lake ---------------------------

# The CLI under DEBUG logging (every library's log lines, kafka-python's included), with
# clients that give up bootstrapping after 2 s instead of 30 s.
CLI = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG); "
    "import clemency.kafka.clients as k; k.BOOTSTRAP_TIMEOUT_MS = 2000; "
    "from clemency.cli import app; app()"
)


class _Cli:
    """`clemency ARGS` in a child process; its stdout and stderr go to one file (a pipe would
    stall a child that logs more than the pipe holds while another child is being read)."""

    def __init__(self, env: dict[str, str], output: Path, *args: str) -> None:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("CLEMENCY_", "AIRFLOW"))}
        self.output = output
        with output.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-c", CLI, *args],
                env={**clean, **env},
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def finish(self, timeout: float = 120) -> tuple[int, str]:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        return code, self.output.read_text(encoding="utf-8", errors="replace")


def _files_holding(secret: str, *roots: Path) -> list[Path]:
    needle = secret.encode()
    return [
        path
        for root in roots
        for path in ([root] if root.is_file() else root.rglob("*"))
        if path.is_file() and needle in path.read_bytes()
    ]


@pytest.mark.broker
def test_a_planted_secret_never_reaches_output_logs_or_the_lake(tls_broker, tmp_path):
    secret = f"planted-{uuid.uuid4().hex}"
    pseudonym_key = f"pseudonym-{secret}"
    root = tmp_path / "runs"
    events = root / "events.jsonl"
    root.mkdir()
    events.write_bytes(b"\n".join(encode(e) for e in _person("001085012347")) + b"\n")
    password_file = root / "kafka_password"
    password_file.write_text(secret + "\n")
    tls = {
        "CLEMENCY_BOOTSTRAP_SERVERS": tls_broker.bootstrap,
        "CLEMENCY_KAFKA_SECURITY_PROTOCOL": "SSL",
        "CLEMENCY_KAFKA_SSL_CAFILE": str(tls_broker.certificates.ca),
        "CLEMENCY_PSEUDONYM_KEY": pseudonym_key,
    }
    sasl = {
        **tls,
        "CLEMENCY_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "CLEMENCY_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "CLEMENCY_KAFKA_SASL_USERNAME": "clemency",
        "CLEMENCY_KAFKA_SASL_PASSWORD": secret,
    }
    sasl_file = {**sasl, "CLEMENCY_KAFKA_SASL_PASSWORD_FILE": str(password_file)}
    del sasl_file["CLEMENCY_KAFKA_SASL_PASSWORD"]
    other_ca = make_certificates(root / "other-ca").ca

    def lake(name: str) -> dict[str, str]:
        return {"CLEMENCY_LAKE": str(root / f"lake-{name}")}

    runs = {  # (environment, expected exit code)
        "broker refuses SASL": ({**sasl, **lake("sasl")}, 1),
        "password file, broker refuses SASL": ({**sasl_file, **lake("file")}, 1),
        "untrusted certificate": (
            {**sasl, **lake("ca"), "CLEMENCY_KAFKA_SSL_CAFILE": str(other_ca)},
            1,
        ),
        "settings error": ({**sasl, **lake("settings"), "CLEMENCY_KAFKA_SASL_USERNAME": ""}, 2),
        "plaintext refused": (
            {
                **sasl,
                **lake("plaintext"),
                "CLEMENCY_ENVIRONMENT": "production",
                "CLEMENCY_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "CLEMENCY_KAFKA_SSL_CAFILE": "",
            },
            2,
        ),
        "tls ingest": ({**tls, **lake("tls")}, 0),
    }
    logs = tmp_path / "cli-output"
    logs.mkdir()
    code, output = _Cli(
        {**tls, **lake("tls")}, logs / "publish.log", "publish", str(events)
    ).finish()
    assert code == 0, output[-3000:]
    outputs = {"tls publish": output}
    # Then every ingest at once: the one that lands what was published, and the failing ones.
    clis = {
        name: _Cli(env, logs / f"ingest {name}.log", "ingest") for name, (env, _) in runs.items()
    }
    for name, cli in clis.items():
        code, outputs[name] = cli.finish()
        assert code == runs[name][1], f"{name}: {outputs[name][-3000:]}"

    # The error paths were really taken, and say why in one line.
    assert "landed 4" in outputs["tls ingest"]
    assert (
        "SaslHandshakeRequest(version=1, mechanism='SCRAM-SHA-512')"
        in outputs["broker refuses SASL"]
    )
    assert "UnsupportedSaslMechanismError" in outputs["password file, broker refuses SASL"]
    assert "CERTIFICATE_VERIFY_FAILED" in outputs["untrusted certificate"]
    assert "CLEMENCY_KAFKA_SASL_USERNAME: required with SASL_SSL" in outputs["settings error"]
    assert "SASL_PLAINTEXT is unencrypted" in outputs["plaintext refused"]
    for name, output in outputs.items():
        assert "DEBUG" in output or name in {"settings error", "plaintext refused"}, name
        assert secret not in output, f"{name}: the SASL password is in the output"
        assert pseudonym_key not in output, f"{name}: the pseudonym key is in the output"
    # Nor in any file: the lakes (ledgers, audit records, logs) and the broker's own log.
    assert (root / "lake-tls" / "raw").is_dir()
    for planted in (secret, pseudonym_key):
        assert _files_holding(planted, *root.glob("lake-*"), tls_broker.broker.log_path) == []


def test_the_compose_stack_speaks_sasl_ssl_only():
    """docker-compose.yml's Kafka: SASL_SSL/SCRAM-SHA-512 listeners, every pipeline service a
    SCRAM user over TLS, every credential from .env (the full handshake runs there)."""
    import compose

    binary = Path(compose.__file__).with_name("docker-compose")
    done = subprocess.run(
        [
            str(binary),
            "-f",
            str(REPO / "docker-compose.yml"),
            "--env-file",
            str(REPO / ".env.example"),
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        timeout=60,
        check=True,
    )
    services = json.loads(done.stdout)["services"]
    kafka = services["kafka"]["environment"]
    protocols = dict(p.split(":") for p in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    advertised = [a.split("://")[0] for a in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")]
    assert {protocols[name] for name in advertised} == {"SASL_SSL"}
    assert protocols["CONTROLLER"] == "PLAINTEXT" and "localhost:9093" in kafka["KAFKA_LISTENERS"]
    assert kafka["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    assert "--add-scram" in services["kafka"]["command"][0]
    for name in ("airflow-scheduler", "airflow-dag-processor", "simulator"):
        environment = services[name]["environment"]
        assert environment["CLEMENCY_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert environment["CLEMENCY_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert environment["CLEMENCY_KAFKA_SSL_CAFILE"] == "/etc/kafka/secrets/ca.pem"
        placeholder = "replace-with-a-kafka-client-password"
        assert environment["CLEMENCY_KAFKA_SASL_PASSWORD"] == placeholder  # from .env
        mounts = {(v["source"], v["target"], v.get("read_only")) for v in services[name]["volumes"]}
        assert ("kafka-secrets", "/etc/kafka/secrets", True) in mounts
    assert "--command-config" in services["kafka-init"]["command"][0]
