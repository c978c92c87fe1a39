"""Loading settings: Java file unchanged, defaults, env overrides and one clear error."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from kserve_participant.config import ConfigError, load_settings

JAVA_FILE = Path(__file__).with_name("java-application.yaml")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "application.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(_write(tmp_path, text), env or {})
    return str(caught.value)


def test_java_application_yaml_loads_unchanged_with_java_values():
    settings = load_settings(JAVA_FILE, {})
    intermediary = settings.intermediary
    assert intermediary.participant_id == UUID("101c62b3-8918-41b9-a747-d21eb79c6c04")
    assert intermediary.reporting_time_interval_ms == 120000
    assert intermediary.thread_pool_size == 10
    assert intermediary.topics.operation_topic == "policy-acruntime-participant"
    assert intermediary.topics.sync_topic == "acm-ppnt-sync"
    assert intermediary.kafka.consumer.group_id == "policy-clamp-ac-kserve-ppnt"
    assert intermediary.kafka.bootstrap_servers == ("kafka:9092",)
    assert intermediary.kafka.auth_exception_retry_interval == 5.0
    assert settings.customresourcedefinition.grace_period == 10
    assert settings.server.port == 6969
    assert settings.server.servlet.context_path == "/onap/policy/clamp/acm/kserveparticipant"
    assert settings.management.endpoints.web.exposure.include == {"health", "metrics", "prometheus"}
    assert settings.transport_kind == "kafka"


def test_java_file_env_overrides_apply_when_variables_are_set():
    env = {
        "KAFKA_SERVER": "10.0.0.1:9093",
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_JAAS_CONFIG": 'x required username="u" password="p";',
        "HTTP_USER": "ops",
        "HTTP_PASSWORD": "s3cret",
    }
    settings = load_settings(JAVA_FILE, env)
    properties = settings.intermediary.kafka.properties
    assert settings.intermediary.kafka.bootstrap_servers == ("10.0.0.1:9093",)
    assert properties.security_protocol == "SASL_PLAINTEXT"
    assert properties.sasl_mechanism == "SCRAM-SHA-512"
    assert properties.sasl_jaas_config is not None
    assert properties.sasl_jaas_config.get_secret_value() == env["KAFKA_SASL_JAAS_CONFIG"]
    assert settings.spring.security.user.name == "ops"
    assert settings.spring.security.user.password is not None
    assert settings.spring.security.user.password.get_secret_value() == "s3cret"


def test_no_file_gives_java_defaults_and_kafka_server_from_env_when_run_bare():
    settings = load_settings(None, {"KAFKA_SERVER": "127.0.0.1:19092"})
    assert settings.intermediary.kafka.bootstrap_servers == ("127.0.0.1:19092",)
    assert settings.intermediary.participant_supported_element_types[0].type_name == (
        "org.onap.policy.clamp.acm.KserveAutomationCompositionElement"
    )
    assert settings.server.port == 6969


def test_no_default_http_password_is_shipped_when_env_is_empty():
    assert load_settings(None, {}).spring.security.user.password is None


def test_partial_file_keeps_defaults_and_env_mapping_when_it_sets_one_key(tmp_path):
    path = _write(tmp_path, "participant:\n  intermediaryParameters:\n    description: mine\n")
    settings = load_settings(path, {"KAFKA_SERVER": "h:1"})
    assert settings.intermediary.description == "mine"
    assert settings.intermediary.kafka.bootstrap_servers == ("h:1",)
    assert settings.intermediary.reporting_time_interval_ms == 120000


def test_invalid_interval_names_the_key_and_value_when_not_a_number(tmp_path):
    message = _error(
        tmp_path, "participant:\n  intermediaryParameters:\n    reportingTimeIntervalMs: abc\n"
    )
    assert message == (
        "participant.intermediaryParameters.reportingTimeIntervalMs: must be a positive integer, "
        'got "abc"'
    )


def test_negative_interval_is_refused_when_below_one(tmp_path):
    message = _error(
        tmp_path, "participant:\n  intermediaryParameters:\n    reportingTimeIntervalMs: -5\n"
    )
    assert message.startswith("participant.intermediaryParameters.reportingTimeIntervalMs:")


def test_invalid_participant_id_names_the_key_when_not_a_uuid(tmp_path):
    message = _error(tmp_path, "participant:\n  intermediaryParameters:\n    participantId: x\n")
    assert message == 'participant.intermediaryParameters.participantId: must be a UUID, got "x"'


def test_unknown_security_protocol_lists_allowed_values_when_misspelt(tmp_path):
    message = _error(tmp_path, "x: 1", {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAIN"})
    assert "kafka.properties.security.protocol: must be one of" in message
    assert "SASL_PLAINTEXT" in message


def test_secret_value_is_not_echoed_when_a_secret_key_is_invalid(tmp_path):
    message = _error(
        tmp_path,
        "server:\n  ssl:\n    enabled: true\n    certificate: c.pem\n"
        "    certificate-private-key: k.pem\n    key-password: [hunter2-secret]\n",
    )
    assert "server.ssl.key-password" in message or "server.ssl.keyPassword" in message
    assert "hunter2" not in message


def test_unknown_key_in_own_section_is_refused_when_misspelt(tmp_path):
    message = _error(tmp_path, "kserveParticipant:\n  namespace: [a]\n")
    assert message == "kserveParticipant.namespace: is not a known key"


def test_unknown_spring_keys_are_ignored_when_present_in_java_sections(tmp_path):
    path = _write(tmp_path, "spring:\n  cloud:\n    kubernetes:\n      enabled: false\n")
    assert load_settings(path, {}).server.port == 6969


def test_yaml_syntax_error_names_file_and_line_when_file_is_broken(tmp_path):
    message = _error(tmp_path, "server:\n  port: [\n")
    assert str(tmp_path / "application.yaml") in message
    assert "line" in message


def test_missing_file_is_one_clear_error_when_path_does_not_exist(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_settings(tmp_path / "absent.yaml", {})


def test_unset_placeholder_without_default_names_the_key_when_file_uses_one(tmp_path):
    message = _error(tmp_path, "server:\n  port: ${MY_PORT}\n")
    assert message.startswith("server.port: placeholder ${MY_PORT}")


def test_namespace_scope_needs_namespaces_when_allow_list_is_empty(tmp_path):
    message = _error(tmp_path, "kserveParticipant:\n  watchScope: namespace\n")
    assert "namespaces" in message


def test_namespaces_come_from_env_as_comma_list_when_variable_is_set():
    settings = load_settings(None, {"KSERVE_PARTICIPANT_NAMESPACES": "a, b"})
    assert settings.kserve_participant.namespaces == ["a", "b"]


def test_invalid_namespace_name_is_refused_when_not_a_dns_label(tmp_path):
    message = _error(tmp_path, "kserveParticipant:\n  namespaces: [Bad_NS]\n")
    assert "Bad_NS" in message


def test_log_level_and_format_come_from_env_when_set():
    settings = load_settings(None, {"LOG_LEVEL": "warn", "LOG_FORMAT": "JSON"})
    assert settings.kserve_participant.logging.level == "WARNING"
    assert settings.kserve_participant.logging.format == "json"


def test_shutdown_deadline_reads_spring_durations_when_given_with_unit(tmp_path):
    path = _write(tmp_path, "kserveParticipant:\n  shutdownDeadline: 2m\n")
    assert load_settings(path, {}).kserve_participant.shutdown_deadline == 120.0


def test_broker_start_deadline_is_unset_by_default_so_the_broker_is_awaited_for_good():
    assert load_settings(None, {}).kserve_participant.broker_start_deadline is None


def test_broker_start_deadline_comes_from_env_when_set():
    env = {"KSERVE_PARTICIPANT_BROKER_START_DEADLINE": "5m"}
    assert load_settings(None, env).kserve_participant.broker_start_deadline == 300.0


def test_broker_start_deadline_names_the_key_when_not_a_duration(tmp_path):
    message = _error(tmp_path, "kserveParticipant:\n  brokerStartDeadline: soon\n")
    assert "kserveParticipant.brokerStartDeadline" in message
    assert "duration" in message


def test_dmaap_is_selected_when_legacy_topic_sources_say_dmaap(tmp_path):
    path = _write(
        tmp_path,
        "participant:\n  intermediaryParameters:\n    clampAutomationCompositionTopics:\n"
        "      topicSources:\n        - topic: POLICY-ACRUNTIME-PARTICIPANT\n"
        "          servers: [mr:3904]\n          topicCommInfrastructure: dmaap\n",
    )
    assert load_settings(path, {}).transport_kind == "dmaap"


def test_secret_is_masked_in_repr_and_dump_when_configured():
    env = {"HTTP_PASSWORD": "pw-123456", "KAFKA_SASL_JAAS_CONFIG": "jaas-abcdef"}
    settings = load_settings(None, env)
    text = repr(settings) + str(settings.model_dump(mode="json"))
    assert "pw-123456" not in text
    assert "jaas-abcdef" not in text
