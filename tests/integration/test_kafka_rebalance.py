"""Offsets across rebalances, on the real broker: two transports of one group on a 3-partition
topic. A record is committed only once its work is done, the offsets of partitions that moved
away are dropped (their new owner reads what was not done), and commits go on for the
partitions kept: every partition ends fully committed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from acm_participant.transport.base import Record, Subscription
from acm_participant.transport.kafka import KafkaTransport
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from tests.integration.ops_support import eventually
from tests.integration.test_kafka_transport import OPTIONS

pytestmark = pytest.mark.integration

PARTITIONS = 3


async def _publish(bootstrap: str, topic: str, values_by_partition: dict[int, list[bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for partition, values in values_by_partition.items():
            for value in values:
                await producer.send_and_wait(topic, value, partition=partition)
    finally:
        await producer.stop()


async def _committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


async def _read_and_finish(
    transport: KafkaTransport, records: AsyncIterator[Record], seen: list[bytes]
) -> None:
    async for record in records:
        seen.append(record.value)
        transport.done(record)


@contextlib.asynccontextmanager
async def _member(bootstrap: str, topic: str, group: str) -> AsyncIterator[KafkaTransport]:
    settings = KafkaSettings(bootstrap_servers=(bootstrap,))
    transport = KafkaTransport(settings, [Subscription(topic, group)], options=OPTIONS)
    await transport.start()
    try:
        yield transport
    finally:
        await transport.stop()


async def test_every_partition_ends_committed_when_a_rebalance_moved_records_in_progress(stack):
    bootstrap = stack.info.kafka_bootstrap
    topic, group = f"rebalance-{uuid4().hex[:8]}", f"ppnt-{uuid4().hex[:8]}"
    await ensure_topics(
        KafkaSettings(bootstrap_servers=(bootstrap,)), [topic], partitions=PARTITIONS
    )
    async with _member(bootstrap, topic, group) as first:
        await _publish(bootstrap, topic, {p: [f"held-{p}".encode()] for p in range(PARTITIONS)})
        # One reader per record, as the runtime's concurrent operations: each record is in
        # progress until its reader finishes it (and comes back for the next one).
        streams = [first.records() for _ in range(PARTITIONS)]
        held: list[Record] = [await anext(stream) for stream in streams]
        assert {r.partition for r in held} == {0, 1, 2}
        # nothing is done yet: nothing may be committed beyond the start positions
        assert set((await _committed(bootstrap, group, topic)).values()) == {0}

        async with _member(bootstrap, topic, group) as second:  # takes partitions from first
            for record in held:
                first.done(record)  # some of them from partitions first no longer owns
            seen: list[bytes] = []
            readers = [
                *(asyncio.create_task(_read_and_finish(first, s, seen)) for s in streams),
                asyncio.create_task(_read_and_finish(second, second.records(), seen)),
            ]
            try:
                later = {
                    p: [f"later-{p}-{i}".encode() for i in range(2)] for p in range(PARTITIONS)
                }
                await _publish(bootstrap, topic, later)

                async def all_committed() -> dict[int, int] | None:
                    committed = await _committed(bootstrap, group, topic)
                    return committed if committed == dict.fromkeys(range(PARTITIONS), 3) else None

                await eventually(all_committed, within=30, what="every partition committed to 3")
                assert {v for values in later.values() for v in values} <= set(seen)
            finally:
                for reader in readers:
                    reader.cancel()
                await asyncio.gather(*readers, return_exceptions=True)


async def test_a_record_not_done_is_delivered_again_to_the_next_member_of_the_group(stack):
    bootstrap = stack.info.kafka_bootstrap
    topic, group = f"redeliver-{uuid4().hex[:8]}", f"ppnt-{uuid4().hex[:8]}"
    await ensure_topics(KafkaSettings(bootstrap_servers=(bootstrap,)), [topic])
    async with _member(bootstrap, topic, group) as first:
        await _publish(bootstrap, topic, {0: [b"finished", b"in-flight"]})
        records = first.records()
        finished, in_flight = await anext(records), await anext(records)
        assert finished.offset is not None
        first.done(finished)
        expected = finished.offset + 1

        async def first_committed() -> int | None:
            committed = await _committed(bootstrap, group, topic)
            return committed[0] if committed.get(0) == expected else None

        await eventually(first_committed, within=20, what="the finished record committed")
        assert in_flight.value == b"in-flight"
    # stopped without finishing "in-flight" (as a killed process would): the next member gets it
    async with _member(bootstrap, topic, group) as second:
        again = await asyncio.wait_for(anext(second.records()), timeout=30)
        assert (again.value, again.offset) == (b"in-flight", in_flight.offset)
