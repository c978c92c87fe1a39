"""The Kafka transport on the dev stack's real broker (Kafka 4.1.2): keys, groups, SCRAM,
refused credentials and a broker restart under an active consumer and producer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

import pytest
from pydantic import SecretStr

from acm_participant.errors import TransportAuthError, TransportError
from acm_participant.observe import Observer
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Record, Subscription
from acm_participant.transport.kafka import KafkaTransport, KafkaTransportOptions
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.devstack import StackInfo

pytestmark = pytest.mark.integration

OPTIONS = KafkaTransportOptions(
    connect_timeout_s=20,
    publish_timeout_s=20,
    health_interval_s=0.5,
    stop_timeout_s=5,
    backoff=Backoff(initial_s=0.2, max_s=2),
)


def plaintext(info: StackInfo) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=(info.kafka_bootstrap,), client_id="transport-test")


def scram(info: StackInfo, password: str) -> KafkaSettings:
    jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{info.scram_username}" password="{password}";'
    )
    return KafkaSettings(
        bootstrap_servers=(info.kafka_sasl_bootstrap,),
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_jaas_config=SecretStr(jaas),
    )


async def fresh_topic(settings: KafkaSettings) -> str:
    topic = f"transport-{uuid4().hex[:10]}"
    await ensure_topics(settings, [topic])
    return topic


@asynccontextmanager
async def running(
    settings: KafkaSettings,
    *subscriptions: Subscription,
    observer: Observer | None = None,
    options: KafkaTransportOptions = OPTIONS,
) -> AsyncIterator[KafkaTransport]:
    transport = KafkaTransport(settings, list(subscriptions), observer, options=options)
    await transport.start()
    try:
        yield transport
    finally:
        await transport.stop()


async def take(transport: KafkaTransport, count: int, *, deadline_s: float = 30) -> list[Record]:
    got: list[Record] = []
    async with asyncio.timeout(deadline_s):
        async for record in transport.records():
            got.append(record)
            if len(got) == count:
                break
    return got


class ConnectionEvents(Observer):
    def __init__(self) -> None:
        self.events: list[str] = []
        self.down = asyncio.Event()
        self.back = asyncio.Event()

    def connection_changed(self, connected: bool) -> None:
        self.events.append("up" if connected else "down")
        if not connected:
            self.down.set()

    def reconnected(self) -> None:
        self.events.append("reconnected")
        self.back.set()


async def test_kafka_delivers_keyed_records_with_partition_and_offset_when_plaintext(
    stack_info: StackInfo,
):
    settings = plaintext(stack_info)
    topic = await fresh_topic(settings)
    async with running(settings, Subscription(topic, f"g-{uuid4()}")) as transport:
        await transport.publish(topic, b'{"n":1}', key="c0ffee00-1234")
        await transport.publish(topic, b'{"n":2}')
        records = await take(transport, 2)
    assert [(r.topic, r.value, r.key) for r in records] == [
        (topic, b'{"n":1}', b"c0ffee00-1234"),
        (topic, b'{"n":2}', None),
    ]
    assert [(r.partition, r.offset) for r in records] == [(0, 0), (0, 1)]


async def test_kafka_each_group_gets_every_record_when_two_groups_subscribe(
    stack_info: StackInfo,
):
    settings = plaintext(stack_info)
    topic = await fresh_topic(settings)
    async with (
        running(settings, Subscription(topic, f"a-{uuid4()}")) as one,
        running(settings, Subscription(topic, f"b-{uuid4()}")) as two,
    ):
        await one.publish(topic, b"for-both")
        assert [r.value for r in await take(one, 1)] == [b"for-both"]
        assert [r.value for r in await take(two, 1)] == [b"for-both"]


async def test_kafka_redelivers_only_the_unhandled_record_when_group_restarts(
    stack_info: StackInfo,
):
    settings = plaintext(stack_info)
    topic = await fresh_topic(settings)
    group = f"g-{uuid4()}"
    async with running(settings, Subscription(topic, group)) as first:
        await first.publish(topic, b"handled")
        await first.publish(topic, b"in-progress")
        handled, in_progress = await take(first, 2)
        assert [handled.value, in_progress.value] == [b"handled", b"in-progress"]
        first.done(handled)  # "in-progress" is never finished
    async with running(settings, Subscription(topic, group)) as second:
        await second.publish(topic, b"new")
        assert [r.value for r in await take(second, 2)] == [b"in-progress", b"new"]


async def test_kafka_delivers_over_sasl_scram_when_credentials_are_good(stack_info: StackInfo):
    settings = scram(stack_info, stack_info.scram_password)
    topic = await fresh_topic(settings)
    async with running(settings, Subscription(topic, f"g-{uuid4()}")) as transport:
        await transport.publish(topic, b"over-scram", key="k")
        (record,) = await take(transport, 1)
    assert (record.value, record.key) == (b"over-scram", b"k")


async def test_kafka_start_raises_one_clear_auth_error_after_bounded_attempts_when_password_wrong(
    stack_info: StackInfo, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    wrong = "not-the-password-7f3a"
    options = KafkaTransportOptions(auth_attempts=3, backoff=Backoff(initial_s=0.05, max_s=0.1))
    transport = KafkaTransport(
        scram(stack_info, wrong), [Subscription("never-used", "g")], options=options
    )
    with pytest.raises(TransportAuthError) as caught:
        await transport.start()
    await transport.stop()
    message = str(caught.value)
    assert message.startswith(
        f"Kafka authentication failed for user '{stack_info.scram_username}' with SCRAM-SHA-512: "
    )
    assert "SaslAuthenticationFailed" in message
    assert wrong not in message
    assert wrong not in caplog.text
    retries = [r for r in caplog.records if "Kafka authentication failed" in r.getMessage()]
    # the first two refusals are retried (and logged), the third is raised
    assert [r.getMessage().rsplit(" (", 1)[1] for r in retries] == [
        "attempt 1 of 3)",
        "attempt 2 of 3)",
    ]


async def test_kafka_consumes_and_publishes_again_when_broker_restarts(stack, stack_info):
    settings = plaintext(stack_info)
    topic = await fresh_topic(settings)
    events = ConnectionEvents()
    async with (
        running(settings, Subscription(topic, f"g-{uuid4()}"), observer=events) as consumer,
        running(settings) as producer,
    ):
        await producer.publish(topic, b"before")
        assert [r.value for r in await take(consumer, 1)] == [b"before"]

        await asyncio.to_thread(stack.stop_kafka)
        async with asyncio.timeout(30):
            await events.down.wait()
        await asyncio.to_thread(stack.start_kafka)

        await producer.publish(topic, b"after")
        assert [r.value for r in await take(consumer, 1, deadline_s=60)] == [b"after"]
        async with asyncio.timeout(30):
            await events.back.wait()
    assert events.events[:2] == ["up", "down"]
    assert events.events[-2:] == ["up", "reconnected"]


async def test_kafka_publish_raises_transport_error_at_deadline_when_broker_is_down(
    stack, stack_info
):
    settings = plaintext(stack_info)
    topic = await fresh_topic(settings)
    options = KafkaTransportOptions(publish_timeout_s=2, backoff=Backoff(initial_s=0.1, max_s=0.5))
    async with running(settings, options=options) as producer:
        await producer.publish(topic, b"warm-up")
        await asyncio.to_thread(stack.stop_kafka)
        try:
            with pytest.raises(TransportError, match=r"within 2 s"):
                await producer.publish(topic, b"lost")
        finally:
            await asyncio.to_thread(stack.start_kafka)
