"""The in-memory broker keeps the consumer-group semantics the runtime's unit tests rely on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from acm_participant.errors import TransportError
from acm_participant.transport.base import Record, Subscription
from acm_participant.transport.memory import MemoryBroker, MemoryTransport

TOPIC = "policy-acruntime-participant"


@asynccontextmanager
async def running(broker: MemoryBroker, *subs: Subscription) -> AsyncIterator[MemoryTransport]:
    transport = MemoryTransport(broker, list(subs))
    await transport.start()
    try:
        yield transport
    finally:
        await transport.stop()


async def take(transport: MemoryTransport, count: int) -> list[Record]:
    got: list[Record] = []
    async with asyncio.timeout(5):
        async for record in transport.records():
            got.append(record)
            if len(got) == count:
                break
    return got


async def test_memory_each_group_gets_every_record_when_groups_differ():
    broker = MemoryBroker()
    async with (
        running(broker, Subscription(TOPIC, "a")) as one,
        running(broker, Subscription(TOPIC, "b")) as two,
    ):
        await one.publish(TOPIC, b"m1", key="k")
        await one.publish(TOPIC, b"m2")
        got_one = await take(one, 2)
        got_two = await take(two, 2)
    assert [r.value for r in got_one] == [b"m1", b"m2"]
    assert [r.value for r in got_two] == [b"m1", b"m2"]
    assert got_one[0].key == b"k"
    assert got_one[1].key is None
    assert (got_one[1].partition, got_one[1].offset) == (0, 1)


async def test_memory_delivers_each_record_once_when_consumers_share_a_group():
    broker = MemoryBroker()
    sub = Subscription(TOPIC, "shared")
    got: list[bytes] = []
    six = asyncio.Event()

    async def collect(transport: MemoryTransport) -> None:
        async for record in transport.records():
            got.append(record.value)
            if len(got) == 6:
                six.set()

    async with running(broker, sub) as one, running(broker, sub) as two:
        collectors = [asyncio.create_task(collect(t)) for t in (one, two)]
        for n in range(6):
            await one.publish(TOPIC, str(n).encode())
        async with asyncio.timeout(5):
            await six.wait()
    for task in collectors:
        task.cancel()
    # six deliveries and all six values: no record went to both consumers
    assert sorted(got) == [str(n).encode() for n in range(6)]


async def test_memory_new_group_skips_old_records_when_offset_reset_is_latest():
    broker = MemoryBroker()
    broker.publish(TOPIC, b"old")
    async with running(broker, Subscription(TOPIC, "late")) as late:
        await late.publish(TOPIC, b"new")
        got = await take(late, 1)
    assert [r.value for r in got] == [b"new"]


async def test_memory_new_group_reads_old_records_when_offset_reset_is_earliest():
    broker = MemoryBroker(auto_offset_reset="earliest")
    broker.publish(TOPIC, b"old")
    async with running(broker, Subscription(TOPIC, "late")) as late:
        got = await take(late, 1)
    assert [r.value for r in got] == [b"old"]


async def test_memory_records_end_when_transport_stops():
    broker = MemoryBroker()
    transport = MemoryTransport(broker, [Subscription(TOPIC, "g")])
    await transport.start()

    async def drain() -> list[Record]:
        return [record async for record in transport.records()]

    draining = asyncio.create_task(drain())
    await transport.stop()
    async with asyncio.timeout(5):
        assert await draining == []


async def test_memory_publish_raises_transport_error_when_broker_unavailable():
    broker = MemoryBroker()
    async with running(broker, Subscription(TOPIC, "g")) as transport:
        broker.set_available(False)
        with pytest.raises(TransportError, match=TOPIC):
            await transport.publish(TOPIC, b"x")
        broker.set_available(True)
        await transport.publish(TOPIC, b"y")
        assert [r.value for r in await take(transport, 1)] == [b"y"]


async def test_memory_only_subscribed_topics_are_consumed_when_publishing_elsewhere():
    broker = MemoryBroker()
    async with running(broker, Subscription(TOPIC, "g")) as transport:
        await transport.publish("acm-ppnt-sync", b"other")
        await transport.publish(TOPIC, b"mine")
        got = await take(transport, 1)
    assert [r.topic for r in got] == [TOPIC]
