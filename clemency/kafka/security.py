"""How every Kafka client authenticates and encrypts: one frozen `KafkaSecurity` value.

It comes from the `CLEMENCY_KAFKA_*` settings (`clemency.settings.load_settings`) or from
the Airflow connection `clemency_kafka` (`clemency.orchestration.resolve_runtime`), and
`clemency.kafka.clients` hands `client_kwargs()` to every producer, consumer and admin client.

Secrets (the SASL password, the private key's password) are held in `Secret`, whose `str()`
and `repr()` are `***`: printing, logging or formatting the settings never shows them. Only
`client_kwargs()` reveals them, to kafka-python and nothing else.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
# Protocols that send records (and, with SASL PLAIN, the password) unencrypted.
UNENCRYPTED = frozenset({"PLAINTEXT", "SASL_PLAINTEXT"})


class Secret:
    """A string that never prints: `str()`, `repr()` and f-strings give `***`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(Secret)  # equal secrets hash alike; the hash says nothing of the value

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: object) -> Secret:
        return self

    def __reduce__(self):
        # Pickling (XCom, multiprocessing) would carry the value somewhere it can be read.
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class KafkaSecurity:
    """Security settings for Kafka clients; the default is PLAINTEXT (the embedded broker).

    Build it through `clemency.settings.load_settings`, which validates every combination
    and names the variable at fault; the constructor itself only checks the vocabulary.
    """

    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    username: str | None = None
    password: Secret | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_password: Secret | None = None
    ssl_check_hostname: bool = True
    # Set in staging/production (unless CLEMENCY_KAFKA_ALLOW_PLAINTEXT=true): no client is
    # built over PLAINTEXT or SASL_PLAINTEXT (`clemency.kafka.clients` refuses it).
    require_encryption: bool = False

    def __post_init__(self) -> None:
        if self.security_protocol not in PROTOCOLS:
            raise ValueError(f"security_protocol {self.security_protocol!r} not in {PROTOCOLS}")
        if self.sasl_mechanism is not None and self.sasl_mechanism not in MECHANISMS:
            raise ValueError(f"sasl_mechanism {self.sasl_mechanism!r} not in {MECHANISMS}")
        for name in ("password", "ssl_password"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Secret):
                raise TypeError(f"{name} must be a Secret, not {type(value).__name__}")

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in {"SSL", "SASL_SSL"}

    @property
    def encrypted(self) -> bool:
        return self.security_protocol not in UNENCRYPTED

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for KafkaProducer, KafkaConsumer and KafkaAdminClient.

        The only place the secrets are revealed; never log the result.
        """
        kwargs: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.uses_sasl:
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            kwargs["sasl_plain_username"] = self.username
            kwargs["sasl_plain_password"] = self.password.reveal() if self.password else None
        if self.uses_tls:
            kwargs["ssl_check_hostname"] = self.ssl_check_hostname
            for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
                path = getattr(self, name)
                if path is not None:
                    kwargs[name] = str(path)
            if self.ssl_password is not None:
                kwargs["ssl_password"] = self.ssl_password.reveal()
        return kwargs

    def describe(self) -> str:
        """One line for logs and `doctor`-style output: no secret, no file content."""
        parts = [self.security_protocol]
        if self.uses_sasl:
            parts.append(f"{self.sasl_mechanism} as {self.username}")
        if self.uses_tls:
            parts.append(f"CA {self.ssl_cafile}" if self.ssl_cafile else "system CAs")
            if self.ssl_certfile:
                parts.append(f"client certificate {self.ssl_certfile}")
            if not self.ssl_check_hostname:
                parts.append("hostname NOT checked")
        if self.require_encryption:
            parts.append("encryption required")
        return ", ".join(parts)


PLAINTEXT = KafkaSecurity()


# -- the Airflow connection `clemency_kafka` ------------------------------------------------

# Extra keys → CLEMENCY_KAFKA_* variable suffixes. Our own names first, then the names the
# Kafka provider (librdkafka) uses, so a connection made in its form works unchanged.
_EXTRA_KEYS: dict[str, tuple[str, ...]] = {
    "SECURITY_PROTOCOL": ("security_protocol", "security.protocol"),
    "SASL_MECHANISM": ("sasl_mechanism", "sasl.mechanism", "sasl.mechanisms"),
    "SASL_USERNAME": ("sasl_username", "sasl_plain_username", "sasl.username"),
    "SASL_PASSWORD": ("sasl_password", "sasl_plain_password", "sasl.password"),
    "SSL_CAFILE": ("ssl_cafile", "ssl.ca.location"),
    "SSL_CERTFILE": ("ssl_certfile", "ssl.certificate.location"),
    "SSL_KEYFILE": ("ssl_keyfile", "ssl.key.location"),
    "SSL_KEY_PASSWORD": ("ssl_password", "ssl_key_password", "ssl.key.password"),
    "SSL_CHECK_HOSTNAME": ("ssl_check_hostname",),
}


def security_variables_from_connection(
    login: str | None, password: str | None, extra: Any
) -> dict[str, str]:
    """`KAFKA_*` variable suffixes (without `CLEMENCY_`) from a connection's fields.

    login/password are the SASL username/password (they win over the same keys in the
    extra); the extra may carry any of the keys above. librdkafka's
    `ssl.endpoint.identification.algorithm` of `none` turns the hostname check off.
    Values are returned as text, to be validated by `load_settings` like any variable.
    """
    extra = extra if isinstance(extra, Mapping) else {}
    found: dict[str, str] = {}
    for suffix, keys in _EXTRA_KEYS.items():
        for key in keys:
            value = extra.get(key)
            if value is not None and str(value).strip():
                # Secrets are taken as given: spaces may be part of a password.
                found[suffix] = str(value) if "PASSWORD" in suffix else str(value).strip()
                break
    algorithm = str(extra.get("ssl.endpoint.identification.algorithm", "")).strip().lower()
    if "SSL_CHECK_HOSTNAME" not in found and algorithm:
        found["SSL_CHECK_HOSTNAME"] = "false" if algorithm == "none" else "true"
    if login:
        found["SASL_USERNAME"] = login
    if password:
        found["SASL_PASSWORD"] = password
    return {f"KAFKA_{suffix}": value for suffix, value in found.items()}
