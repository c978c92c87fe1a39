"""How to reach a Kafka cluster, in the Java participant's terms, mapped onto aiokafka's arguments.

The Java participant is configured with Kafka client properties (``security.protocol``,
``sasl.mechanism``, ``sasl.jaas.config``, ...). :class:`KafkaSettings` holds the same facts as
typed fields and :meth:`KafkaSettings.from_properties` reads the Java property map. Secrets (the
JAAS config, passwords) are ``SecretStr``: they never appear in a repr, a log line or an error.
For GSSAPI, a ``Krb5LoginModule`` JAAS line names the principal and keytab
(:mod:`acm_participant.transport.kafka_kerberos`).
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from aiokafka.helpers import create_ssl_context
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from acm_participant.observe import Observer
from acm_participant.transport.base import Subscription, Transport
from acm_participant.transport.kafka_kerberos import (
    KerberosLogin,
    gssapi_missing,
    parse_kerberos_login,
)

__all__ = ["JaasCredentials", "KafkaSettings", "parse_jaas_credentials"]

log = logging.getLogger(__name__)

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI"]

_JAAS_OPTION = re.compile(r'([A-Za-z_][\w.]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]+)')

# Java client properties with an aiokafka equivalent; the value is converted with the type given.
_TUNING_PROPERTIES: dict[str, tuple[str, type[int] | type[str]]] = {
    "request.timeout.ms": ("request_timeout_ms", int),
    "retry.backoff.ms": ("retry_backoff_ms", int),
    "metadata.max.age.ms": ("metadata_max_age_ms", int),
    "connections.max.idle.ms": ("connections_max_idle_ms", int),
}
# Consumer-only properties (a producer refuses them). group.instance.id makes the membership
# static: a restarted process with the same id takes its place in the group at once, where a new
# member waits for the dead one's session to time out (docs/operations.md, restart).
_CONSUMER_PROPERTIES: dict[str, tuple[str, type[int] | type[str]]] = {
    "group.instance.id": ("group_instance_id", str),
    "session.timeout.ms": ("session_timeout_ms", int),
    "heartbeat.interval.ms": ("heartbeat_interval_ms", int),
}


@dataclass(frozen=True, slots=True)
class JaasCredentials:
    username: str
    password: SecretStr

    def __repr__(self) -> str:
        return f"JaasCredentials(username={self.username!r}, password='**********')"


def parse_jaas_credentials(jaas_config: str) -> JaasCredentials | None:
    """The username and password of a PLAIN/SCRAM login module line, None if it has none.

    Accepts Java's syntax: ``<LoginModule> required username="u" password="p";`` (quotes
    optional, backslash escapes inside quotes). Never echoes the input in an error.
    """
    options: dict[str, str] = {}
    for key, raw in _JAAS_OPTION.findall(jaas_config):
        value = raw
        if raw.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", raw[1:-1])
        options[key] = value
    if "username" not in options or "password" not in options:
        return None
    return JaasCredentials(options["username"], SecretStr(options["password"]))


class KafkaSettings(BaseModel):
    """Connection and security settings of a Kafka client (no topics, no groups)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bootstrap_servers: tuple[str, ...] = Field(default=("localhost:9092",), min_length=1)
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    # Java-style JAAS line; for PLAIN and SCRAM its username and password are used.
    sasl_jaas_config: SecretStr | None = None
    # Alternative to the JAAS line; wins over it when given.
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_kerberos_service_name: str = "kafka"
    sasl_kerberos_domain_name: str | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_password: SecretStr | None = None
    ssl_check_hostname: bool = True
    client_id: str = "acm-participant"
    # Further Java client properties; those aiokafka has an equivalent for are applied.
    extra_properties: Mapping[str, str] = Field(default_factory=dict)

    @field_validator("bootstrap_servers", mode="before")
    @classmethod
    def _split_servers(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _check_security(self) -> KafkaSettings:
        uses_sasl = self.security_protocol.startswith("SASL_")
        if uses_sasl and self.sasl_mechanism is None:
            raise ValueError(f"sasl_mechanism is required with {self.security_protocol}")
        if uses_sasl and self.sasl_mechanism == "GSSAPI":
            self._check_kerberos()
        if uses_sasl and self.sasl_mechanism != "GSSAPI" and self.credentials is None:
            raise ValueError(
                f"{self.sasl_mechanism} needs a username and password: give sasl_username and "
                "sasl_password, or a sasl_jaas_config with username=... password=..."
            )
        return self

    def _check_kerberos(self) -> None:
        missing = gssapi_missing()
        if missing is not None:
            raise ValueError(missing)
        keytab = self.kerberos.keytab if self.kerberos is not None else None
        if keytab is not None and not keytab.is_file():
            raise ValueError(f"Kerberos keytab (sasl.jaas.config keyTab) not found: {keytab}")

    @model_validator(mode="after")
    def _check_tls_files(self) -> KafkaSettings:
        """Unreadable PEM files or a key that does not fit its certificate are configuration
        errors: report them here, naming the file, rather than at the first connection."""
        if not self.uses_ssl:
            return self
        for what, path in (
            ("CA file (ssl.truststore.location / ssl.ca.location)", self.ssl_cafile),
            ("client certificate (ssl.keystore.location)", self.ssl_certfile),
            ("client key (ssl.key.location)", self.ssl_keyfile),
        ):
            if path is not None and not path.is_file():
                raise ValueError(f"{what} not found: {path}")
        try:
            self.ssl_context()
        except (OSError, ssl.SSLError) as exc:
            # ssl's messages name the failing PEM step, never the key or its password
            raise ValueError(f"cannot load the TLS files: {exc}") from None
        return self

    @classmethod
    def from_properties(
        cls, bootstrap_servers: str | list[str], properties: Mapping[str, str], **overrides: Any
    ) -> KafkaSettings:
        """Settings from a Java Kafka client property map (as in the participant's YAML).

        Java key and trust stores must be PEM files here (``ssl.truststore.type=PEM`` style):
        ``ssl.truststore.location`` is the CA file, ``ssl.keystore.location`` the client
        certificate chain and ``ssl.key.location`` (or the keystore itself) its key.
        """
        props = dict(properties)
        fields: dict[str, Any] = {"bootstrap_servers": bootstrap_servers}
        known = {
            "security.protocol": "security_protocol",
            "sasl.mechanism": "sasl_mechanism",
            "sasl.kerberos.service.name": "sasl_kerberos_service_name",
            "client.id": "client_id",
            "ssl.truststore.location": "ssl_cafile",
            "ssl.ca.location": "ssl_cafile",
            "ssl.keystore.location": "ssl_certfile",
            "ssl.certificate.location": "ssl_certfile",
            "ssl.key.location": "ssl_keyfile",
        }
        for java_key, field_name in known.items():
            if java_key in props:
                fields[field_name] = props.pop(java_key)
        for secret_key, field_name in (
            ("sasl.jaas.config", "sasl_jaas_config"),
            ("ssl.key.password", "ssl_password"),
            ("ssl.keystore.password", "ssl_password"),
        ):
            if secret_key in props:
                fields[field_name] = SecretStr(props.pop(secret_key))
        if "ssl.endpoint.identification.algorithm" in props:
            fields["ssl_check_hostname"] = props.pop("ssl.endpoint.identification.algorithm") != ""
        fields.update(overrides)
        return cls(**fields, extra_properties=props)

    @property
    def credentials(self) -> JaasCredentials | None:
        """PLAIN/SCRAM credentials from the explicit fields or the JAAS line."""
        if self.sasl_username is not None and self.sasl_password is not None:
            return JaasCredentials(self.sasl_username, self.sasl_password)
        if self.sasl_jaas_config is not None:
            return parse_jaas_credentials(self.sasl_jaas_config.get_secret_value())
        return None

    @property
    def kerberos(self) -> KerberosLogin | None:
        """GSSAPI: the principal and keytab of the JAAS line's Krb5LoginModule, if any."""
        if self.sasl_mechanism != "GSSAPI" or self.sasl_jaas_config is None:
            return None
        return parse_kerberos_login(self.sasl_jaas_config.get_secret_value())

    @property
    def uses_ssl(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context for SSL/SASL_SSL (reads the PEM files), None otherwise."""
        if not self.uses_ssl:
            return None
        context: ssl.SSLContext = create_ssl_context(
            cafile=str(self.ssl_cafile) if self.ssl_cafile else None,
            certfile=str(self.ssl_certfile) if self.ssl_certfile else None,
            keyfile=str(self.ssl_keyfile) if self.ssl_keyfile else None,
            password=self.ssl_password.get_secret_value() if self.ssl_password else None,
        )
        context.check_hostname = self.ssl_check_hostname
        return context

    def connection_kwargs(self) -> dict[str, Any]:
        """Security arguments shared by aiokafka's producer, consumer, admin and ``create_conn``."""
        kwargs: dict[str, Any] = {
            "security_protocol": self.security_protocol,
            "ssl_context": self.ssl_context(),
        }
        if self.security_protocol.startswith("SASL_"):
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            if self.sasl_mechanism == "GSSAPI":
                kwargs["sasl_kerberos_service_name"] = self.sasl_kerberos_service_name
                kwargs["sasl_kerberos_domain_name"] = self.sasl_kerberos_domain_name
            else:
                credentials = self.credentials
                assert credentials is not None  # checked by the validator
                kwargs["sasl_plain_username"] = credentials.username
                kwargs["sasl_plain_password"] = credentials.password.get_secret_value()
        return kwargs

    def client_kwargs(self) -> dict[str, Any]:
        """Arguments for ``AIOKafkaProducer``/``AIOKafkaConsumer``/``AIOKafkaAdminClient``."""
        kwargs = {
            "bootstrap_servers": list(self.bootstrap_servers),
            "client_id": self.client_id,
            # aiokafka's 100 ms default logs ~100 lines a second while the broker is away
            "retry_backoff_ms": 500,
            **self.connection_kwargs(),
        }
        for java_key, value in self.extra_properties.items():
            mapped = _TUNING_PROPERTIES.get(java_key)
            if mapped is None:
                if java_key not in _CONSUMER_PROPERTIES:
                    log.debug("Kafka property %s has no aiokafka equivalent: ignored", java_key)
                continue
            name, kind = mapped
            kwargs[name] = kind(value)
        return kwargs

    def consumer_kwargs(self) -> dict[str, Any]:
        """:meth:`client_kwargs` plus the consumer-only properties (an empty value is unset)."""
        kwargs = self.client_kwargs()
        for java_key, value in self.extra_properties.items():
            mapped = _CONSUMER_PROPERTIES.get(java_key)
            if mapped is not None and str(value).strip():
                name, kind = mapped
                kwargs[name] = kind(str(value).strip())
        return kwargs

    def describe(self) -> str:
        """A loggable one-liner: servers, protocol, mechanism and user, never a secret."""
        parts = [",".join(self.bootstrap_servers), self.security_protocol]
        if self.sasl_mechanism is not None:
            parts.append(self.sasl_mechanism)
        sasl = self.security_protocol.startswith("SASL_")
        credentials = self.credentials if sasl else None
        kerberos = self.kerberos if sasl else None
        if credentials is not None:
            parts.append(f"user {credentials.username!r}")
        elif kerberos is not None and kerberos.principal:
            parts.append(f"principal {kerberos.principal!r}")
        return " ".join(parts)

    def connect(self, subscriptions: list[Subscription], observer: Observer) -> Transport:
        """A Kafka transport with these settings consuming ``subscriptions``."""
        from acm_participant.transport.kafka import KafkaTransport  # the client, when used

        return KafkaTransport(self, subscriptions, observer)
