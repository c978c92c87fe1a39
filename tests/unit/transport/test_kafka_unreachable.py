"""The Kafka transport without a broker: bounded waits and clear errors, no hang."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from acm_participant.errors import TransportAuthError, TransportError
from acm_participant.observe import Observer
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
    assert "gave up after the start-up deadline of 0.5 s" in str(caught.value)


class CountingFailures(Observer):
    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.enough = asyncio.Event()

    def connect_failed(self, reason: str) -> None:
        self.reasons.append(reason)
        if len(self.reasons) >= 20:
            self.enough.set()


async def test_kafka_start_keeps_retrying_without_deadline_and_logs_the_outage_once(caplog):
    caplog.set_level(logging.DEBUG)
    server = f"127.0.0.1:{closed_port()}"
    observer = CountingFailures()
    options = KafkaTransportOptions(backoff=Backoff(initial_s=0.001, max_s=0.005))
    transport = KafkaTransport(
        KafkaSettings(bootstrap_servers=(server,)),
        [Subscription("t", "g")],
        observer,
        options=options,
    )
    starting = asyncio.create_task(transport.start())
    async with asyncio.timeout(30):
        await observer.enough.wait()
    assert not starting.done()
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert all(reason.startswith(f"Kafka unreachable at {server}: ") for reason in observer.reasons)
    outage_lines = [r for r in caplog.records if "Kafka unreachable" in r.getMessage()]
    assert len(outage_lines) == 1
    assert outage_lines[0].levelno == logging.WARNING


async def test_kafka_publish_raises_transport_error_when_not_started():
    transport = KafkaTransport(KafkaSettings(), [])
    with pytest.raises(TransportError, match="not running"):
        await transport.publish("topic", b"{}")


async def test_kafka_records_end_when_stopped_before_start():
    transport = KafkaTransport(KafkaSettings(), [])
    await transport.stop()
    assert [r async for r in transport.records()] == []
