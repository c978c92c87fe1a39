"""The dev stack's Kafka TLS material and how it is handed to clients (StackInfo, ``.dev/env``)."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

from kserve_participant.devstack.info import StackInfo
from kserve_participant.devstack.pki import create_pki
from kserve_participant.devstack.session import _env_lines


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def _info(tmp_path: Path, **ssl: object) -> StackInfo:
    return StackInfo(
        kafka_bootstrap="127.0.0.1:1",
        kafka_sasl_bootstrap="127.0.0.1:2",
        scram_username="u",
        scram_password="p",
        api_server="https://127.0.0.1:3",
        kubeconfig=tmp_path / "kubeconfig",
        ca_file=tmp_path / "ca.crt",
        admin_token="a",
        participant_token="t",
        run_dir=tmp_path,
        **ssl,  # type: ignore[arg-type]
    )


def test_pki_kafka_keystore_holds_pkcs8_key_then_loopback_cert_when_created(tmp_path):
    pki = create_pki(tmp_path / "pki")

    keystore = pki.kafka_keystore.read_text()
    # Kafka's PEM keystore reads only unencrypted PKCS#8 keys, followed by the chain
    assert keystore.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert keystore.index("-----BEGIN CERTIFICATE-----") > keystore.index("END PRIVATE KEY")
    text = _openssl("x509", "-in", str(pki.kafka_keystore), "-noout", "-text").stdout
    assert "IP Address:127.0.0.1" in text
    assert "DNS:localhost" in text
    assert "TLS Web Server Authentication" in text
    assert pki.kafka_keystore.stat().st_mode & 0o077 == 0


def test_pki_kafka_client_cert_verifies_against_stack_ca_for_client_auth_when_created(tmp_path):
    pki = create_pki(tmp_path / "pki")

    verified = _openssl(
        "verify", "-purpose", "sslclient", "-CAfile", str(pki.ca_cert), str(pki.kafka_client_cert)
    )
    assert verified.returncode == 0, verified.stderr
    assert pki.kafka_client_key.read_text().startswith("-----BEGIN PRIVATE KEY-----\n")
    assert pki.kafka_client_key.stat().st_mode & 0o077 == 0


def test_stack_info_keeps_ssl_paths_when_saved_and_read_back(tmp_path):
    info = _info(
        tmp_path,
        kafka_ssl_bootstrap="127.0.0.1:4",
        kafka_ssl_ca_file=tmp_path / "ca.crt",
        kafka_ssl_client_cert=tmp_path / "kafka-client.crt",
        kafka_ssl_client_key=tmp_path / "kafka-client.key",
    )

    assert StackInfo.from_json(info.to_json()) == info


def test_stack_info_reads_json_without_ssl_fields_when_written_before_they_existed(tmp_path):
    raw = json.loads(_info(tmp_path).to_json())
    for key in [k for k in raw if k.startswith("kafka_ssl_")]:
        del raw[key]

    info = StackInfo.from_json(json.dumps(raw))

    assert info.kafka_ssl_bootstrap == ""
    assert info.kafka_ssl_client_cert is None


def test_dev_env_names_ssl_listener_and_client_files_when_stack_has_them(tmp_path):
    info = _info(
        tmp_path,
        kafka_ssl_bootstrap="127.0.0.1:4",
        kafka_ssl_ca_file=tmp_path / "ca.crt",
        kafka_ssl_client_cert=tmp_path / "kafka-client.crt",
        kafka_ssl_client_key=tmp_path / "kafka-client.key",
    )

    lines = [line for line in _env_lines(info).splitlines() if not line.startswith("#")]
    env = dict(line.split("=", 1) for line in lines)

    assert env["KAFKA_SSL_SERVER"] == "127.0.0.1:4"
    assert shlex.split(env["KAFKA_SSL_CA_FILE"]) == [str(tmp_path / "ca.crt")]
    assert shlex.split(env["KAFKA_SSL_CLIENT_CERT"]) == [str(tmp_path / "kafka-client.crt")]
    assert shlex.split(env["KAFKA_SSL_CLIENT_KEY"]) == [str(tmp_path / "kafka-client.key")]
