"""Checks that the broker is reachable and accepts our credentials, before aiokafka clients start.

aiokafka's clients report a rejected SASL login only as "Unable to bootstrap" and log the
broker's reason; one direct connection (``aiokafka.conn.create_conn``) raises it instead. This
module turns that into :class:`TransportAuthError` after a bounded number of attempts, and
retries connection failures with back-off, for good or until a start-up deadline
(:class:`~acm_participant.transport.start_wait.StartWait`).
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka.conn import create_conn
from aiokafka.errors import (
    AuthenticationFailedError,
    IllegalSaslStateError,
    KafkaError,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
)

from acm_participant.errors import TransportAuthError, TransportError
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.kafka_kerberos import login
from acm_participant.transport.kafka_settings import KafkaSettings
from acm_participant.transport.kafka_tls import tls_refusal
from acm_participant.transport.start_wait import StartWait

__all__ = ["kerberos_login", "probe_broker"]

log = logging.getLogger(__name__)

_AUTH_ERRORS = (
    SaslAuthenticationFailed,
    AuthenticationFailedError,
    UnsupportedSaslMechanismError,
    IllegalSaslStateError,
)


def _host_port(server: str) -> tuple[str, int]:
    host, _, port = server.rpartition(":")
    if not host:
        return server, 9092
    return host.strip("[]"), int(port)


def _redact(text: str, settings: KafkaSettings) -> str:
    credentials = settings.credentials
    if credentials is not None:
        secret = credentials.password.get_secret_value()
        if secret:
            text = text.replace(secret, "**********")
    return text


def auth_error(settings: KafkaSettings, reason: BaseException) -> TransportAuthError:
    """The one clear message for rejected credentials: user and mechanism, never the password."""
    credentials = settings.credentials
    kerberos = settings.kerberos
    if credentials is not None:
        who = f"user {credentials.username!r}"
    elif kerberos is not None:
        who = kerberos.describe()
    else:
        who = "the configured principal"
    mechanism = settings.sasl_mechanism or settings.security_protocol
    return TransportAuthError(
        f"Kafka authentication failed for {who} with {mechanism}: {_redact(str(reason), settings)}"
    )


async def kerberos_login(settings: KafkaSettings) -> None:
    """GSSAPI with a keytab: log in before aiokafka needs the tickets, so that a refused
    principal or keytab is reported with the KDC's reason (aiokafka cannot say it)."""
    kerberos = settings.kerberos
    if kerberos is None or not settings.security_protocol.startswith("SASL_"):
        return
    host = settings.sasl_kerberos_domain_name or _host_port(settings.bootstrap_servers[0])[0]
    await asyncio.to_thread(login, kerberos, service=settings.sasl_kerberos_service_name, host=host)


async def _connect_once(settings: KafkaSettings, request_timeout_ms: int) -> None:
    """Opens and closes one authenticated connection to the first bootstrap server that answers."""
    last: BaseException | None = None
    await kerberos_login(settings)
    kwargs = settings.connection_kwargs()
    for server in settings.bootstrap_servers:
        host, port = _host_port(server)
        try:
            conn = await create_conn(
                host,
                port,
                client_id=settings.client_id,
                request_timeout_ms=request_timeout_ms,
                **kwargs,
            )
        except _AUTH_ERRORS:
            raise
        except (TimeoutError, OSError, KafkaError) as exc:
            refused = tls_refusal(settings, server, exc)
            if refused is not None:
                raise refused from None
            last = exc
            continue
        conn.close()
        return
    raise TransportError(
        f"Kafka unreachable at {','.join(settings.bootstrap_servers)}: {last!r}"
    ) from last


async def probe_broker(
    settings: KafkaSettings,
    *,
    wait: StartWait,
    auth_attempts: int,
    backoff: Backoff,
    request_timeout_ms: int = 10_000,
) -> None:
    """Returns once the broker accepted a connection (and login); raises when it will not.

    Raises :class:`TransportAuthError` after ``auth_attempts`` rejected logins or refused TLS
    handshakes (see :mod:`acm_participant.transport.kafka_tls`): a configuration that retrying
    does not fix. An unreachable broker is retried with ``backoff`` for as long as ``wait``
    allows (for good without a deadline); each failure goes to ``wait``, which logs changes only.
    """
    delays = backoff.delays()
    auth_failures = 0
    while True:
        try:
            await _connect_once(settings, request_timeout_ms)
            return
        except (*_AUTH_ERRORS, TransportAuthError) as exc:
            auth_failures += 1
            # a TransportAuthError here is a refused TLS handshake, already explained
            error = exc if isinstance(exc, TransportAuthError) else auth_error(settings, exc)
            if auth_failures >= auth_attempts:
                raise error from None
            log.warning("%s (attempt %d of %d)", error, auth_failures, auth_attempts)
            delay = next(delays)
        except TransportError as exc:
            wait.failed(str(exc))
            delay = wait.clip(next(delays))
        await asyncio.sleep(delay)
