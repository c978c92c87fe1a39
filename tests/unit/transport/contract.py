"""What every Transport promises, written once and run on memory, DMaaP and (integration) Kafka.

A subclass provides ``open_transport`` (a started transport for some subscriptions) and may
override ``ready`` (wait until a new subscription will see what is published next).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from uuid import uuid4

import pytest

from acm_participant.errors import TransportError
from acm_participant.transport.base import Record, Subscription, Transport

Open = Callable[[list[Subscription]], Awaitable[Transport]]


async def take(transport: Transport, count: int) -> list[Record]:
    got: list[Record] = []
    async with asyncio.timeout(30):
        async for record in transport.records():
            got.append(record)
            if len(got) == count:
                break
    return got


class TransportContract:
    @pytest.fixture
    def topic(self) -> str:
        return f"contract-{uuid4().hex[:10]}"

    @pytest.fixture
    def open_transport(self, topic: str) -> Open:
        raise NotImplementedError("a subclass opens its transport")

    async def ready(self, transport: Transport, subscription: Subscription) -> None:
        """Returns once ``subscription`` will see records published from now on."""

    async def test_transport_delivers_published_values_in_order_when_subscribed(
        self, open_transport: Open, topic: str
    ):
        subscription = Subscription(topic, f"g-{uuid4()}")
        transport = await open_transport([subscription])
        await self.ready(transport, subscription)
        await transport.publish(topic, b'{"n":1}', key="k")
        await transport.publish(topic, b'{"n":2}')
        # compared as JSON: DMaaP MR may re-serialise a message (spacing)
        assert [json.loads(r.value) for r in await take(transport, 2)] == [{"n": 1}, {"n": 2}]

    async def test_transport_gives_each_group_every_record_when_two_groups_subscribe(
        self, open_transport: Open, topic: str
    ):
        first, second = Subscription(topic, f"a-{uuid4()}"), Subscription(topic, f"b-{uuid4()}")
        one = await open_transport([first])
        two = await open_transport([second])
        await self.ready(one, first)
        await self.ready(two, second)
        await one.publish(topic, b'{"to":"both"}')
        assert [json.loads(r.value) for r in await take(one, 1)] == [{"to": "both"}]
        assert [json.loads(r.value) for r in await take(two, 1)] == [{"to": "both"}]

    async def test_transport_records_end_when_stopped(self, open_transport: Open, topic: str):
        transport = await open_transport([Subscription(topic, f"g-{uuid4()}")])
        reading = asyncio.create_task(take(transport, 1))
        await transport.stop()
        async with asyncio.timeout(30):
            assert await reading == []

    async def test_transport_publish_raises_transport_error_when_stopped(
        self, open_transport: Open, topic: str
    ):
        transport = await open_transport([])
        await transport.stop()
        with pytest.raises(TransportError):
            await transport.publish(topic, b"{}")
