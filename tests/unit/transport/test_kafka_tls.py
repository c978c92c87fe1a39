"""Which connection failures are refused TLS handshakes (reported at once) and which are not."""

from __future__ import annotations

import ssl

from aiokafka.errors import KafkaConnectionError

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
