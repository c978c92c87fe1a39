"""The Java-shaped settings mapped onto the SDK's, the transports' and the handler's settings."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from kserve_participant.app import mapping
from kserve_participant.config import ConfigError, load_settings

JAAS = (
    'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p-9";'
)


def _settings(tmp_path: Path, text: str = "", env: dict[str, str] | None = None):
    path = tmp_path / "application.yaml"
    path.write_text(text)
    return load_settings(path, env or {})


def test_participant_settings_carry_java_values_when_defaults_apply(tmp_path):
    settings = mapping.participant_settings(_settings(tmp_path))
    assert settings.participant_id == UUID("101c62b3-8918-41b9-a747-d21eb79c6c04")
    assert settings.operation_group == "policy-clamp-ac-kserve-ppnt"
    assert settings.reporting_time_interval_ms == 120000
    assert [t.type_name for t in settings.supported_element_types] == [
        "org.onap.policy.clamp.acm.KserveAutomationCompositionElement"
    ]
    assert settings.shutdown_grace_ms == 30000


def test_kafka_settings_use_scram_credentials_when_jaas_is_given(tmp_path):
    env = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_JAAS_CONFIG": JAAS,
        "KAFKA_SERVER": "a:1,b:2",
    }
    kafka = mapping.kafka_settings(_settings(tmp_path, env=env))
    assert kafka.bootstrap_servers == ("a:1", "b:2")
    assert kafka.credentials is not None
    assert kafka.credentials.username == "u"
    assert "p-9" not in kafka.describe()


def test_sasl_without_credentials_names_the_jaas_key_when_mapping(tmp_path):
    env = {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "PLAIN"}
    with pytest.raises(ConfigError) as caught:
        mapping.kafka_settings(_settings(tmp_path, env=env))
    assert str(caught.value).startswith(
        "participant.intermediaryParameters.kafka.properties.sasl.jaas.config:"
    )


def test_plaintext_ignores_the_java_default_gssapi_mechanism_when_no_sasl_is_used(tmp_path):
    kafka = mapping.kafka_settings(_settings(tmp_path))
    assert kafka.security_protocol == "PLAINTEXT"
    assert kafka.sasl_mechanism is None


def test_secret_values_include_jaas_password_and_http_password_when_configured(tmp_path):
    env = {"KAFKA_SASL_JAAS_CONFIG": JAAS, "HTTP_PASSWORD": "http-pw"}
    secrets = mapping.secret_values(_settings(tmp_path, env=env))
    assert {"p-9", JAAS, "http-pw"} <= set(secrets)


def test_handler_settings_carry_crd_and_namespace_allow_list_when_configured(tmp_path):
    text = (
        "customresourcedefinition:\n  plural: isvcs\n"
        "kserveParticipant:\n  namespaces: [a, b]\n  watchScope: namespace\n"
    )
    handler = mapping.handler_settings(_settings(tmp_path, text))
    assert handler.policy.resource.plural == "isvcs"
    assert handler.policy.namespaces == frozenset({"a", "b"})


def test_http_settings_follow_server_and_management_keys_when_configured(tmp_path):
    text = (
        "server:\n  port: 8087\n  servlet:\n    context-path: /ctx/\n"
        "management:\n  endpoints:\n    web:\n      base-path: /actuator\n"
        "      exposure:\n        include: health\n"
    )
    http = mapping.http_settings(_settings(tmp_path, text))
    assert http.port == 8087
    assert http.path("health") == "/ctx/actuator/health"
    assert http.exposed == frozenset({"health"})


def test_dmaap_settings_come_from_legacy_topic_sources_when_dmaap_is_chosen(tmp_path):
    text = (
        "participant:\n  intermediaryParameters:\n    clampAutomationCompositionTopics:\n"
        "      topicSources:\n        - topic: POLICY-ACRUNTIME-PARTICIPANT\n"
        "          servers: [message-router]\n          topicCommInfrastructure: dmaap\n"
        "          useHttps: true\n          fetchTimeout: 15000\n"
    )
    settings = _settings(tmp_path, text)
    dmaap = mapping.dmaap_settings(settings)
    assert dmaap.base_url == "https://message-router:3905"
    assert dmaap.poll_timeout_ms == 15000
    assert mapping.participant_settings(settings).operation_topic == "POLICY-ACRUNTIME-PARTICIPANT"


def test_extra_kafka_properties_reach_the_transport_when_given_in_java_names(tmp_path):
    text = (
        "participant:\n  intermediaryParameters:\n    kafka:\n      properties:\n"
        "        request.timeout.ms: 7000\n        ssl.truststore.password: ts-secret-1\n"
    )
    settings = _settings(tmp_path, text)
    kafka = mapping.kafka_settings(settings)
    assert kafka.client_kwargs()["request_timeout_ms"] == 7000
    assert "ts-secret-1" not in repr(settings)


def test_kafka_client_id_is_the_configured_one_when_client_id_is_set(tmp_path):
    text = (
        "participant:\n  intermediaryParameters:\n    kafka:\n"
        "      properties:\n        client.id: ppnt-pod-7\n"
    )
    settings = mapping.kafka_settings(_settings(tmp_path, text))
    assert settings.client_kwargs()["client_id"] == "ppnt-pod-7"


def test_kafka_client_id_names_participant_and_host_when_not_configured(tmp_path):
    from socket import gethostname

    settings = mapping.kafka_settings(_settings(tmp_path))
    assert settings.client_kwargs()["client_id"] == (
        f"kserve-participant-101c62b3-8918-41b9-a747-d21eb79c6c04-{gethostname()}"
    )


def test_kafka_transport_waits_for_the_broker_for_good_unless_a_deadline_is_set(tmp_path):
    assert mapping.kafka_transport_options(_settings(tmp_path)).connect_timeout_s is None
    configured = _settings(tmp_path, "kserveParticipant:\n  brokerStartDeadline: 90s\n")
    assert mapping.kafka_transport_options(configured).connect_timeout_s == 90.0
