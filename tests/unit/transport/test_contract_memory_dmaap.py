"""The Transport contract on the in-memory transport and on DMaaP (against the MR stand-in)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Subscription, Transport
from acm_participant.transport.dmaap import DmaapSettings, DmaapTransport, DmaapTransportOptions
from acm_participant.transport.memory import MemoryBroker, MemoryTransport
from tests.dmaap_standin import DmaapStandin
from tests.unit.transport.contract import Open, TransportContract


class TestMemoryTransport(TransportContract):
    @pytest.fixture
    async def open_transport(self, topic: str) -> AsyncIterator[Open]:
        broker = MemoryBroker()
        opened: list[Transport] = []

        async def open_(subscriptions: list[Subscription]) -> Transport:
            transport = MemoryTransport(broker, subscriptions)
            await transport.start()
            opened.append(transport)
            return transport

        yield open_
        for transport in opened:
            await transport.stop()


class TestDmaapTransport(TransportContract):
    @pytest.fixture
    async def open_transport(self, topic: str) -> AsyncIterator[Open]:
        opened: list[Transport] = []
        async with DmaapStandin() as standin:
            self.standin = standin
            settings = DmaapSettings(base_url=standin.base_url, poll_timeout_ms=2_000)
            options = DmaapTransportOptions(backoff=Backoff(initial_s=0.05))

            async def open_(subscriptions: list[Subscription]) -> Transport:
                transport = DmaapTransport(settings, subscriptions, options=options)
                await transport.start()
                opened.append(transport)
                return transport

            yield open_
            for transport in opened:
                await transport.stop()

    async def ready(self, transport: Transport, subscription: Subscription) -> None:
        await self.standin.wait_polled(subscription.topic, subscription.group)
