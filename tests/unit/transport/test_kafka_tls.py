"""TLS mistakes are caught early: unusable PEM files when the settings are made, refused
handshakes at once (not retried as if the broker were down), transient cuts still retried."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest
from aiokafka.errors import KafkaConnectionError
from pydantic import ValidationError

from acm_participant.transport.kafka_settings import KafkaSettings
from acm_participant.transport.kafka_tls import tls_refusal

SETTINGS = KafkaSettings(bootstrap_servers=("127.0.0.1:9093",), security_protocol="SSL")


def _closed_by(cause: BaseException) -> KafkaConnectionError:
    error = KafkaConnectionError("Connection at 127.0.0.1:9093 closed")
    error.__cause__ = cause
    return error


def test_tls_refusal_is_none_when_handshake_was_cut_by_eof():
    cut = ssl.SSLEOFError(8, "EOF occurred in violation of protocol")

    assert tls_refusal(SETTINGS, "127.0.0.1:9093", _closed_by(cut)) is None


def test_tls_refusal_is_none_when_connection_failed_below_tls():
    assert tls_refusal(SETTINGS, "127.0.0.1:9093", ConnectionRefusedError(111, "refused")) is None
    assert tls_refusal(SETTINGS, "127.0.0.1:9093", _closed_by(EOFError())) is None


def _ec_pair(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_settings_name_the_missing_pem_file_when_ssl_ca_does_not_exist(tmp_path):
    missing = tmp_path / "no-such-ca.pem"

    with pytest.raises(ValidationError) as caught:
        KafkaSettings(security_protocol="SSL", ssl_cafile=missing)

    assert f"CA file (ssl.truststore.location / ssl.ca.location) not found: {missing}" in str(
        caught.value
    )


def test_settings_refuse_without_showing_the_key_when_key_does_not_match_certificate(tmp_path):
    cert, _ = _ec_pair(tmp_path, "one")
    _, other_key = _ec_pair(tmp_path, "two")

    with pytest.raises(ValidationError) as caught:
        KafkaSettings(security_protocol="SSL", ssl_certfile=cert, ssl_keyfile=other_key)

    message = str(caught.value)
    assert "cannot load the TLS files" in message
    for line in other_key.read_text().splitlines():
        if not line.startswith("-----"):
            assert line not in message
