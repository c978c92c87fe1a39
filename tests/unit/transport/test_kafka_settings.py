"""Kafka settings: Java client properties in, aiokafka arguments out, secrets never shown."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from acm_participant.transport.kafka_probe import auth_error
from acm_participant.transport.kafka_settings import KafkaSettings, parse_jaas_credentials

SCRAM_JAAS = (
    "org.apache.kafka.common.security.scram.ScramLoginModule required "
    'username="alice" password="p@ss \\"quoted\\" word";'
)


def test_jaas_parser_reads_quoted_username_and_password_when_java_syntax():
    credentials = parse_jaas_credentials(SCRAM_JAAS)
    assert credentials is not None
    assert credentials.username == "alice"
    assert credentials.password.get_secret_value() == 'p@ss "quoted" word'


def test_jaas_parser_reads_unquoted_values_when_plain_login_module():
    jaas = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=bob password=pw;"
    )
    credentials = parse_jaas_credentials(jaas)
    assert credentials is not None
    assert (credentials.username, credentials.password.get_secret_value()) == ("bob", "pw")


def test_jaas_parser_returns_none_when_no_password():
    assert parse_jaas_credentials("com.sun.security.auth.module.Krb5LoginModule required;") is None


def test_settings_repr_hides_jaas_and_passwords_when_printed():
    settings = KafkaSettings(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_jaas_config=SecretStr(SCRAM_JAAS),
        ssl_password=SecretStr("key-secret"),
    )
    shown = repr(settings) + str(settings) + settings.describe() + repr(settings.credentials)
    assert "p@ss" not in shown
    assert "key-secret" not in shown
    assert "user 'alice'" in settings.describe()


def test_settings_map_sasl_scram_to_aiokafka_arguments_when_jaas_given():
    settings = KafkaSettings(
        bootstrap_servers="k1:9092, k2:9092",  # type: ignore[arg-type]
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_jaas_config=SecretStr(SCRAM_JAAS),
    )
    kwargs = settings.client_kwargs()
    assert kwargs["bootstrap_servers"] == ["k1:9092", "k2:9092"]
    assert kwargs["security_protocol"] == "SASL_PLAINTEXT"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert kwargs["sasl_plain_username"] == "alice"
    assert kwargs["sasl_plain_password"] == 'p@ss "quoted" word'
    assert kwargs["ssl_context"] is None


def test_settings_explicit_username_wins_over_jaas_when_both_given():
    settings = KafkaSettings(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="PLAIN",
        sasl_jaas_config=SecretStr(SCRAM_JAAS),
        sasl_username="carol",
        sasl_password=SecretStr("c"),
    )
    assert settings.client_kwargs()["sasl_plain_username"] == "carol"


def test_settings_map_gssapi_to_kerberos_arguments_when_mechanism_gssapi():
    settings = KafkaSettings(
        security_protocol="SASL_SSL",
        sasl_mechanism="GSSAPI",
        sasl_kerberos_service_name="kafka-svc",
        sasl_kerberos_domain_name="broker.example",
    )
    kwargs = settings.connection_kwargs()
    assert kwargs["sasl_kerberos_service_name"] == "kafka-svc"
    assert kwargs["sasl_kerberos_domain_name"] == "broker.example"
    assert "sasl_plain_password" not in kwargs
    assert isinstance(kwargs["ssl_context"], ssl.SSLContext)


def test_settings_reject_sasl_without_credentials_without_echoing_jaas():
    with pytest.raises(ValidationError) as caught:
        KafkaSettings(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-256",
            sasl_jaas_config=SecretStr("Module required secretish=1;"),
        )
    assert "needs a username and password" in str(caught.value)
    assert "secretish" not in str(caught.value)


def test_settings_reject_sasl_protocol_when_mechanism_missing():
    with pytest.raises(ValidationError, match="sasl_mechanism is required"):
        KafkaSettings(security_protocol="SASL_SSL")


def test_settings_from_java_properties_when_participant_yaml_style():
    settings = KafkaSettings.from_properties(
        "kafka:9092",
        {
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.jaas.config": SCRAM_JAAS,
            "client.id": "kserve-ppnt",
            "request.timeout.ms": "15000",
            "max.poll.records": "10",
        },
    )
    kwargs = settings.client_kwargs()
    assert settings.bootstrap_servers == ("kafka:9092",)
    assert kwargs["client_id"] == "kserve-ppnt"
    assert kwargs["request_timeout_ms"] == 15000
    assert kwargs["sasl_plain_username"] == "alice"
    assert "max_poll_records" not in kwargs  # no aiokafka equivalent applied: ignored
    assert settings.extra_properties == {"request.timeout.ms": "15000", "max.poll.records": "10"}


@pytest.fixture(scope="module")
def pem_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A self-signed CA and client certificate made with openssl, as PEM files."""
    directory = tmp_path_factory.mktemp("pem")
    key, cert = directory / "client.key", directory / "client.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=participant", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return {"key": key, "cert": cert}


def test_settings_build_tls_context_with_client_cert_when_ssl_from_properties(pem_files):
    settings = KafkaSettings.from_properties(
        "kafka:9093",
        {
            "security.protocol": "SSL",
            "ssl.truststore.location": str(pem_files["cert"]),
            "ssl.keystore.location": str(pem_files["cert"]),
            "ssl.key.location": str(pem_files["key"]),
            "ssl.endpoint.identification.algorithm": "",
        },
    )
    context = settings.client_kwargs()["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname is False
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert settings.ssl_cafile == pem_files["cert"]
    assert settings.ssl_keyfile == pem_files["key"]


def test_auth_error_names_user_and_mechanism_but_redacts_password_when_broker_echoes_it():
    settings = KafkaSettings(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="alice",
        sasl_password=SecretStr("hunter2"),
    )
    error = auth_error(settings, Exception("invalid credentials (hunter2)"))
    assert str(error) == (
        "Kafka authentication failed for user 'alice' with SCRAM-SHA-512: "
        "invalid credentials (**********)"
    )


def test_consumer_takes_static_membership_and_session_timeout_from_java_properties():
    settings = KafkaSettings.from_properties(
        "127.0.0.1:9092",
        {
            "group.instance.id": "kserve-participant-0",
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "2000",
        },
    )
    consumer = settings.consumer_kwargs()
    assert consumer["group_instance_id"] == "kserve-participant-0"
    assert consumer["session_timeout_ms"] == 6000
    assert consumer["heartbeat_interval_ms"] == 2000
    # a producer refuses consumer-only arguments
    assert "group_instance_id" not in settings.client_kwargs()


def test_an_empty_group_instance_id_leaves_membership_dynamic():
    settings = KafkaSettings.from_properties("127.0.0.1:9092", {"group.instance.id": ""})
    assert "group_instance_id" not in settings.consumer_kwargs()
