"""Tells a refused TLS handshake apart from a network failure, and says what to fix.

aiokafka reports both as "Connection ... closed" (the TLS error is only its ``__cause__``), so a
broker that rejects our client certificate, or a CA that does not match the broker's, would look
like a broker that is down and be retried until the connect deadline. Both are configuration
errors: :func:`tls_refusal` finds them and returns a :class:`TransportAuthError` naming the
settings to check. SSL error texts hold no key material; file paths and passwords are not added.
"""

from __future__ import annotations

import ssl

from acm_participant.errors import TransportAuthError
from acm_participant.transport.kafka_settings import KafkaSettings

__all__ = ["tls_refusal"]

_CA_KEYS = "ssl.truststore.location / ssl.ca.location"
_CERT_KEYS = "ssl.keystore.location / ssl.certificate.location"


def tls_refusal(
    settings: KafkaSettings, server: str, error: BaseException
) -> TransportAuthError | None:
    """The error to raise when ``error`` (or what caused it) is a refused TLS handshake.

    None for anything else, including a connection cut mid-handshake (EOF), which a broker that
    is restarting causes and which retrying can cure.
    """
    cause = _ssl_cause(error)
    if cause is None:
        return None
    if isinstance(cause, ssl.SSLCertVerificationError):
        return TransportAuthError(
            f"Kafka TLS: the certificate of the broker at {server} failed verification "
            f"({cause.verify_message}); check {_CA_KEYS}"
        )
    reason = str(cause.reason or "")
    if "ALERT" not in reason or "CLOSE_NOTIFY" in reason:
        return None
    alert = reason.lower().replace("_", " ")
    if settings.ssl_certfile is None:
        return TransportAuthError(
            f"Kafka TLS: the broker at {server} refused the handshake ({alert}): it requires a "
            f"client certificate and none is configured ({_CERT_KEYS})"
        )
    return TransportAuthError(
        f"Kafka TLS: the broker at {server} refused the client certificate ({alert}); check that "
        f"a CA the broker trusts signed it ({_CERT_KEYS})"
    )


def _ssl_cause(error: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return None if isinstance(seen, ssl.SSLEOFError | ssl.SSLZeroReturnError) else seen
        seen = seen.__cause__
    return None
