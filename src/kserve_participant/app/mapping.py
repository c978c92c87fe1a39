"""Settings (the Java yaml shape) -> the settings objects of the SDK, transports and handler.

Pure functions, so a bad combination (e.g. SASL without credentials) is found while loading the
configuration, before anything touches the broker, and reported as one ConfigError naming the
yaml key.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from socket import gethostname
from typing import TYPE_CHECKING

from pydantic import SecretStr, ValidationError

from acm_participant.settings import ParticipantSettings, SupportedElementType
from acm_participant.transport.kafka import KafkaTransportOptions
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant import __version__
from kserve_participant.config import ConfigError, Settings
from kserve_participant.k8s.resources import InferenceServiceResource
from kserve_participant.kserve.entities import EntityPolicy
from kserve_participant.kserve.handler import HandlerSettings
from kserve_participant.web.server import HttpSettings

if TYPE_CHECKING:  # imported when DMaaP is configured: it pulls in httpx, which Kafka never needs
    from acm_participant.transport.dmaap import DmaapSettings

__all__ = [
    "dmaap_settings",
    "handler_settings",
    "http_settings",
    "kafka_settings",
    "kafka_transport_options",
    "participant_settings",
    "secret_values",
]

_KAFKA = "participant.intermediaryParameters.kafka"


def participant_settings(settings: Settings) -> ParticipantSettings:
    intermediary = settings.intermediary
    operation_topic = intermediary.topics.operation_topic
    legacy = intermediary.clamp_automation_composition_topics
    if settings.transport_kind == "dmaap" and legacy and legacy.topic_sources:
        operation_topic = legacy.topic_sources[0].topic
    return ParticipantSettings(
        participant_id=intermediary.participant_id,
        description=intermediary.description,
        supported_element_types=tuple(
            SupportedElementType(type_name=t.type_name, type_version=t.type_version)
            for t in intermediary.participant_supported_element_types
        ),
        reporting_time_interval_ms=intermediary.reporting_time_interval_ms,
        fail_unsupported_operation=intermediary.fail_unsupported_operation,
        operation_topic=operation_topic,
        sync_topic=intermediary.topics.sync_topic,
        operation_group=intermediary.kafka.consumer.group_id,
        shutdown_grace_ms=int(settings.kserve_participant.shutdown_deadline * 1000),
        intermediary_version=__version__,
    )


def _kafka_properties(settings: Settings) -> dict[str, str]:
    properties = settings.intermediary.kafka.properties
    out: dict[str, str] = {}
    for name, field in type(properties).model_fields.items():
        value = getattr(properties, name)
        if value is None or field.alias is None:
            continue
        out[field.alias] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    for key, value in (properties.model_extra or {}).items():
        out[key] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    if not properties.security_protocol.startswith("SASL_"):
        out.pop("sasl.mechanism", None)
    return out


def kafka_settings(settings: Settings) -> KafkaSettings:
    """Raises ConfigError naming the yaml key when the Kafka security settings do not fit."""
    kafka = settings.intermediary.kafka
    properties = _kafka_properties(settings)
    # A configured client.id wins (the operator's way to tell replicas apart in the group's
    # description); without one, the participant id and the host (the pod) name.
    properties.setdefault(
        "client.id", f"kserve-participant-{settings.intermediary.participant_id}-{gethostname()}"
    )
    try:
        return KafkaSettings.from_properties(list(kafka.bootstrap_servers), properties)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        reason = str(first["msg"]).removeprefix("Value error, ")
        if "username and password" in reason:
            key = f"{_KAFKA}.properties.sasl.jaas.config"
            reason = (
                f"{kafka.properties.sasl_mechanism} needs username=... password=... in the JAAS "
                "line (KAFKA_SASL_JAAS_CONFIG)"
            )
        elif "sasl_mechanism" in reason:
            key = f"{_KAFKA}.properties.sasl.mechanism"
        else:
            key = f"{_KAFKA}.properties"
        raise ConfigError(f"{key}: {reason}") from None


def kafka_transport_options(settings: Settings) -> KafkaTransportOptions:
    """The transport's timing; only the start-up deadline is configurable (none by default:
    an unreachable broker is retried until it answers)."""
    return KafkaTransportOptions(
        connect_timeout_s=settings.kserve_participant.broker_start_deadline
    )


def dmaap_settings(settings: Settings) -> DmaapSettings:
    from acm_participant.transport.dmaap import DmaapSettings

    legacy = settings.intermediary.clamp_automation_composition_topics
    if legacy is None or not legacy.topic_sources:
        raise ConfigError(
            "participant.intermediaryParameters.clampAutomationCompositionTopics.topicSources: "
            "DMaaP needs one topic source"
        )
    source = legacy.topic_sources[0]
    server = source.servers[0]
    if "://" not in server:
        scheme = "https" if source.use_https else "http"
        if ":" not in server:
            server = f"{server}:{3905 if source.use_https else 3904}"
        server = f"{scheme}://{server}"
    fields: dict[str, object] = {
        "base_url": server,
        "username": source.user_name,
        "password": source.password,
        "verify_tls": not source.allow_self_signed_certs,
        "poll_timeout_ms": source.fetch_timeout,
        "poll_limit": source.fetch_limit,
    }
    if source.consumer_instance:
        fields["consumer_id"] = source.consumer_instance
    return DmaapSettings.model_validate(fields)


def handler_settings(settings: Settings) -> HandlerSettings:
    crd = settings.customresourcedefinition
    resource = InferenceServiceResource(group=crd.group, version=crd.version, plural=crd.plural)
    policy = EntityPolicy(
        resource=resource, namespaces=frozenset(settings.kserve_participant.namespaces)
    )
    return HandlerSettings(participant_id=settings.intermediary.participant_id, policy=policy)


def _server_ssl(settings: Settings) -> ssl.SSLContext | None:
    tls = settings.server.ssl
    if not tls.enabled or not tls.certificate or not tls.certificate_private_key:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(
            Path(tls.certificate),
            Path(tls.certificate_private_key),
            password=tls.key_password.get_secret_value() if tls.key_password else None,
        )
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"server.ssl.certificate: cannot load the PEM files ({exc})") from None
    return context


def http_settings(settings: Settings) -> HttpSettings:
    web = settings.management.endpoints.web
    return HttpSettings(
        port=settings.server.port,
        address=settings.server.address,
        context_path=settings.server.servlet.context_path,
        base_path=web.base_path,
        exposed=web.exposure.include,
        ssl_context=_server_ssl(settings),
    )


def secret_values(settings: Settings) -> list[str]:
    """Every configured secret value, for the log redaction filter."""
    values: list[SecretStr | None] = [
        settings.spring.security.user.password,
        settings.intermediary.kafka.properties.sasl_jaas_config,
        settings.intermediary.kafka.properties.ssl_key_password,
        settings.intermediary.kafka.properties.ssl_keystore_password,
        settings.server.ssl.key_password,
    ]
    legacy = settings.intermediary.clamp_automation_composition_topics
    if legacy is not None:
        values.extend(t.password for t in (*legacy.topic_sources, *legacy.topic_sinks))
    out = [value.get_secret_value() for value in values if value is not None]
    jaas = settings.intermediary.kafka.properties.sasl_jaas_config
    if jaas is not None:
        credentials = KafkaSettings(sasl_jaas_config=jaas).credentials
        if credentials is not None:
            out.append(credentials.password.get_secret_value())
    return out
