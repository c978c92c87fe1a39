"""The Transport contract on the Kafka transport and the dev stack's real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Subscription, Transport
from acm_participant.transport.kafka import KafkaTransport, KafkaTransportOptions
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.devstack import StackInfo
from tests.unit.transport.contract import Open, TransportContract

pytestmark = pytest.mark.integration


class TestKafkaTransport(TransportContract):
    @pytest.fixture
    async def open_transport(self, topic: str, stack_info: StackInfo) -> AsyncIterator[Open]:
        settings = KafkaSettings(bootstrap_servers=(stack_info.kafka_bootstrap,))
        options = KafkaTransportOptions(
            connect_timeout_s=20, stop_timeout_s=5, backoff=Backoff(initial_s=0.2)
        )
        await ensure_topics(settings, [topic])
        opened: list[Transport] = []

        async def open_(subscriptions: list[Subscription]) -> Transport:
            transport = KafkaTransport(settings, subscriptions, options=options)
            await transport.start()
            opened.append(transport)
            return transport

        yield open_
        for transport in opened:
            await transport.stop()
