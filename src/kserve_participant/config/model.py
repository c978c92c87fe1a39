"""The settings model: the Java participant's ``application.yaml`` shape, plus our own section.

Field aliases are the YAML keys exactly as the Java file spells them (camelCase, kebab-case or
dotted Kafka property names), so that file is read unchanged. Unknown keys are ignored in the
Java sections, as Spring does (the Java file carries many Spring-only keys); our own section
``kserveParticipant`` refuses unknown keys so that typos surface. Every secret is a SecretStr.
"""

from __future__ import annotations

import re
from typing import Literal
from uuid import UUID

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from kserve_participant.config.values import (
    Duration,
    NonNegativeInt,
    OptionalDuration,
    OptionalSecret,
    Port,
    PositiveInt,
    ServerList,
    SpringBool,
)

__all__ = [
    "ElementType",
    "IntermediaryParameters",
    "KServeParticipantSection",
    "KafkaProperties",
    "KafkaSection",
    "Settings",
]

DEFAULT_PARTICIPANT_ID = UUID("101c62b3-8918-41b9-a747-d21eb79c6c04")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class _Section(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )


def _kebab_or_camel(kebab: str) -> AliasChoices:
    """Spring's relaxed binding: ``context-path`` and ``contextPath`` name the same key."""
    return AliasChoices(kebab, to_camel(kebab.replace("-", "_")))


class ElementType(_Section):
    type_name: str = Field(min_length=1)
    type_version: str = Field(min_length=1)


class Topics(_Section):
    operation_topic: str = Field(default="policy-acruntime-participant", min_length=1)
    sync_topic: str = Field(default="acm-ppnt-sync", min_length=1)


class KafkaConsumer(_Section):
    group_id: str = Field(default="policy-clamp-ac-kserve-ppnt", min_length=1)


class KafkaProperties(BaseModel):
    """Kafka client properties under their Java names (``security.protocol``, ...)."""

    # Other Kafka client properties are kept (the transport applies those it knows); a value
    # whose name looks secret is held as a SecretStr.
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="allow")

    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", alias="security.protocol"
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI"] = Field(
        default="GSSAPI", alias="sasl.mechanism"
    )
    sasl_jaas_config: OptionalSecret = Field(default=None, alias="sasl.jaas.config")
    # PEM files only (a Python client cannot read JKS/PKCS12): the Java names
    # ssl.truststore.location / ssl.keystore.location are read as the CA / certificate PEM.
    ssl_ca_location: str | None = Field(default=None, alias="ssl.ca.location")
    ssl_certificate_location: str | None = Field(default=None, alias="ssl.certificate.location")
    ssl_key_location: str | None = Field(default=None, alias="ssl.key.location")
    ssl_key_password: OptionalSecret = Field(default=None, alias="ssl.key.password")
    ssl_endpoint_identification_algorithm: str | None = Field(
        default=None, alias="ssl.endpoint.identification.algorithm"
    )
    ssl_truststore_location: str | None = Field(default=None, alias="ssl.truststore.location")
    ssl_keystore_location: str | None = Field(default=None, alias="ssl.keystore.location")
    ssl_keystore_password: OptionalSecret = Field(default=None, alias="ssl.keystore.password")
    sasl_kerberos_service_name: str | None = Field(default=None, alias="sasl.kerberos.service.name")
    client_id: str | None = Field(default=None, alias="client.id")

    @model_validator(mode="before")
    @classmethod
    def _hide_secret_extras(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        known = {field.alias for field in cls.model_fields.values()}
        return {
            key: SecretStr(str(value))
            if key not in known and any(w in str(key).lower() for w in ("password", "secret"))
            else value
            for key, value in data.items()
        }

    @field_validator("security_protocol", "sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value


class KafkaSection(_Section):
    bootstrap_servers: ServerList = ("kafka:9092",)
    auth_exception_retry_interval: Duration = 5.0
    consumer: KafkaConsumer = KafkaConsumer()
    properties: KafkaProperties = KafkaProperties()


class TopicEndpoint(_Section):
    """One entry of the legacy ``clampAutomationCompositionTopics`` (DMaaP era) lists."""

    topic: str = Field(min_length=1)
    servers: ServerList = ("message-router:3904",)
    topic_comm_infrastructure: str = "NOOP"
    fetch_timeout: PositiveInt = 15000
    fetch_limit: PositiveInt = 100
    use_https: SpringBool = False
    allow_self_signed_certs: SpringBool = False
    user_name: str | None = None
    password: OptionalSecret = None
    consumer_group: str | None = None
    consumer_instance: str | None = None


class LegacyTopics(_Section):
    topic_sources: list[TopicEndpoint] = []
    topic_sinks: list[TopicEndpoint] = []


class IntermediaryParameters(_Section):
    participant_id: UUID = DEFAULT_PARTICIPANT_ID
    description: str = "Participant Kserve"
    reporting_time_interval_ms: PositiveInt = 120000
    thread_pool_size: PositiveInt = 10
    fail_unsupported_operation: SpringBool = False
    topics: Topics = Topics()
    kafka: KafkaSection = KafkaSection()
    clamp_automation_composition_topics: LegacyTopics | None = None
    participant_supported_element_types: list[ElementType] = Field(
        default=[
            ElementType(
                type_name="org.onap.policy.clamp.acm.KserveAutomationCompositionElement",
                type_version="1.0.1",
            )
        ],
        min_length=1,
    )


class ParticipantSection(_Section):
    intermediary_parameters: IntermediaryParameters = IntermediaryParameters()


class CustomResourceDefinition(_Section):
    group: str = Field(default="serving.kserve.io", min_length=1)
    version: str = Field(default="v1beta1", min_length=1)
    plural: str = Field(default="inferenceservices", min_length=1)
    grace_period: NonNegativeInt = Field(
        default=10, validation_alias=_kebab_or_camel("grace-period")
    )


class Servlet(_Section):
    context_path: str = Field(
        default="/onap/policy/clamp/acm/kserveparticipant",
        validation_alias=_kebab_or_camel("context-path"),
    )

    @field_validator("context_path")
    @classmethod
    def _normalised(cls, value: str) -> str:
        stripped = value.strip().rstrip("/")
        if stripped and not stripped.startswith("/"):
            raise ValueError('must start with "/"')
        return stripped


class ServerSsl(_Section):
    """TLS of the HTTP server, with Spring Boot's PEM keys."""

    enabled: SpringBool = False
    certificate: str | None = None
    certificate_private_key: str | None = Field(
        default=None, validation_alias=_kebab_or_camel("certificate-private-key")
    )
    key_password: OptionalSecret = Field(
        default=None, validation_alias=_kebab_or_camel("key-password")
    )
    key_store: str | None = Field(default=None, validation_alias=_kebab_or_camel("key-store"))

    @model_validator(mode="after")
    def _pem_when_enabled(self) -> ServerSsl:
        if self.enabled and self.key_store:
            raise ValueError(
                "key-store (JKS/PKCS12) is not supported; use certificate and "
                "certificate-private-key (PEM files)"
            )
        if self.enabled and not (self.certificate and self.certificate_private_key):
            raise ValueError("enabled needs certificate and certificate-private-key (PEM files)")
        return self


class Server(_Section):
    port: Port = 6969
    address: str = "0.0.0.0"
    servlet: Servlet = Servlet()
    ssl: ServerSsl = ServerSsl()


class User(_Section):
    name: str = "participantUser"
    password: OptionalSecret = None


class Security(_Section):
    user: User = User()


class Spring(_Section):
    security: Security = Security()


class Exposure(_Section):
    include: frozenset[str] = frozenset({"health", "metrics", "prometheus"})

    @field_validator("include", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        items = value if isinstance(value, list) else str(value).split(",")
        return frozenset(str(item).strip() for item in items if str(item).strip())


class WebEndpoints(_Section):
    base_path: str = Field(default="/", validation_alias=_kebab_or_camel("base-path"))
    exposure: Exposure = Exposure()


class Endpoints(_Section):
    web: WebEndpoints = WebEndpoints()


class Management(_Section):
    endpoints: Endpoints = Endpoints()


class LoggingSection(_Section):
    model_config = ConfigDict(extra="forbid")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["kv", "json"] = "kv"

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, value: object) -> object:
        if isinstance(value, str):
            upper = value.strip().upper()
            return {"WARN": "WARNING", "TRACE": "DEBUG", "FATAL": "CRITICAL"}.get(upper, upper)
        return value

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class KServeParticipantSection(_Section):
    """Settings the Java participant does not have (documented in docs/configuration.md)."""

    model_config = ConfigDict(extra="forbid")

    transport: Literal["kafka", "dmaap"] | None = None
    namespaces: list[str] = []
    watch_scope: Literal["cluster", "namespace"] = "cluster"
    kubeconfig: str | None = None
    shutdown_deadline: Duration = 30.0
    # None: an unreachable broker is retried until it answers (docs/operations.md, start-up)
    broker_start_deadline: OptionalDuration = None
    kubernetes_check_interval: Duration = 10.0
    logging: LoggingSection = LoggingSection()

    @field_validator("namespaces", mode="before")
    @classmethod
    def _namespace_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("namespaces")
    @classmethod
    def _dns_labels(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _DNS_LABEL.match(name):
                raise ValueError(f'"{name}" is not a valid namespace name')
        return value

    @model_validator(mode="after")
    def _scope_needs_namespaces(self) -> KServeParticipantSection:
        if self.watch_scope == "namespace" and not self.namespaces:
            raise ValueError("watchScope namespace needs a non-empty namespaces list")
        return self


class Settings(_Section):
    """Everything ``kserve-participant run`` is configured with."""

    participant: ParticipantSection = ParticipantSection()
    customresourcedefinition: CustomResourceDefinition = CustomResourceDefinition()
    server: Server = Server()
    spring: Spring = Spring()
    management: Management = Management()
    kserve_participant: KServeParticipantSection = KServeParticipantSection()

    @property
    def intermediary(self) -> IntermediaryParameters:
        return self.participant.intermediary_parameters

    @property
    def transport_kind(self) -> Literal["kafka", "dmaap"]:
        """Our explicit setting, else DMaaP when the legacy topic lists say so, else Kafka."""
        if self.kserve_participant.transport:
            return self.kserve_participant.transport
        legacy = self.intermediary.clamp_automation_composition_topics
        if legacy and any(
            source.topic_comm_infrastructure.lower() == "dmaap" for source in legacy.topic_sources
        ):
            return "dmaap"
        return "kafka"
