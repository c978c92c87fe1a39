"""Participants on the real Kafka broker for the conformance tests: fresh topics per test.

Each test gets its own operation and sync topics (created here, as ACM-R's deployment would),
so no record of another test can reach it; participants and the runtime-side peer are stopped
when the test ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from uuid import uuid4

from acm_participant.handler import ElementHandler
from acm_participant.runtime import ParticipantRuntime
from acm_participant.settings import ParticipantSettings
from acm_participant.testing import (
    RuntimePeer,
    TransportFactory,
    kafka_transports,
    participant_under_test,
    runtime_group,
)
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from tests.unit.runtime.builders import RecordingHandler, make_settings


class Harness:
    def __init__(self, bootstrap: str, stack: AsyncExitStack) -> None:
        suffix = uuid4().hex[:10]
        self.bootstrap = bootstrap
        self.operation_topic = f"op-{suffix}"
        self.sync_topic = f"sync-{suffix}"
        self.operation_group = f"ppnt-{suffix}"
        self.transports: TransportFactory = kafka_transports(bootstrap)
        self._stack = stack

    def settings(self, **overrides: Any) -> ParticipantSettings:
        values: dict[str, Any] = {
            "operation_topic": self.operation_topic,
            "sync_topic": self.sync_topic,
            "operation_group": self.operation_group,
        }
        values.update(overrides)
        return make_settings(**values)

    async def peer(self, settings: ParticipantSettings | None = None) -> RuntimePeer:
        settings = settings or self.settings()
        peer = RuntimePeer(
            self.transports([Subscription(settings.operation_topic, runtime_group())]), settings
        )
        await peer.start()
        self._stack.push_async_callback(peer.stop)
        return peer

    async def participant(
        self,
        handler: ElementHandler | None = None,
        *,
        register: bool = True,
        peer: RuntimePeer | None = None,
        **overrides: Any,
    ) -> tuple[ParticipantRuntime, RuntimePeer]:
        """A started participant (registered unless told otherwise) and the peer reading it."""
        settings = self.settings(**overrides)
        return await self._stack.enter_async_context(
            participant_under_test(
                handler or RecordingHandler(),
                settings,
                register=register,
                transports=self.transports,
                peer=peer,
            )
        )


@asynccontextmanager
async def kafka_harness(bootstrap: str) -> AsyncIterator[Harness]:
    async with AsyncExitStack() as stack:
        harness = Harness(bootstrap, stack)
        await ensure_topics(
            KafkaSettings(bootstrap_servers=(bootstrap,)),
            [harness.operation_topic, harness.sync_topic],
        )
        yield harness
