"""The Kafka transport without a broker: bounded waits and clear errors, no hang."""

from __future__ import annotations

import socket

import pytest

from acm_participant.errors import TransportAuthError, TransportError
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka import KafkaTransport, KafkaTransportOptions
from acm_participant.transport.kafka_settings import KafkaSettings


def closed_port() -> int:
    """A local port nothing listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_kafka_start_raises_transport_error_at_deadline_when_nothing_listens():
    server = f"127.0.0.1:{closed_port()}"
    options = KafkaTransportOptions(connect_timeout_s=0.5, backoff=Backoff(initial_s=0.05))
    transport = KafkaTransport(
        KafkaSettings(bootstrap_servers=(server,)), [Subscription("t", "g")], options=options
    )
    with pytest.raises(TransportError) as caught:
        await transport.start()
    assert not isinstance(caught.value, TransportAuthError)
    assert f"Kafka unreachable at {server}" in str(caught.value)
    assert "gave up after 0.5 s" in str(caught.value)


async def test_kafka_publish_raises_transport_error_when_not_started():
    transport = KafkaTransport(KafkaSettings(), [])
    with pytest.raises(TransportError, match="not running"):
        await transport.publish("topic", b"{}")


async def test_kafka_records_end_when_stopped_before_start():
    transport = KafkaTransport(KafkaSettings(), [])
    await transport.stop()
    assert [r async for r in transport.records()] == []
