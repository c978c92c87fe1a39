"""Participants on the real Kafka broker for the conformance tests: fresh topics per test.

Each test gets its own operation and sync topics (created here, as ACM-R's deployment would),
so no record of another test can reach it; participants and the runtime-side peer are stopped
when the test ends.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from uuid import UUID, uuid4

from acm_participant import ElementHandler
from acm_participant.protocol import (
    AcElementDeployAck,
    AutomationCompositionDeployAck,
    ParticipantPrimeAck,
)
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
from tests.unit.runtime.builders import RecordingHandler, World, make_settings


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


async def prime(peer: RuntimePeer, world: World, **extra: Any) -> ParticipantPrimeAck:
    """Send PRIME for the world's composition and return its ack."""
    message = world.prime(**extra)
    await peer.send(message)
    return await peer.expect(ParticipantPrimeAck, lambda a: a.response_to == message.message_id)


async def element_acks(
    peer: RuntimePeer, count: int, *, instance_id: UUID | None = None, within: float = 10.0
) -> list[AutomationCompositionDeployAck]:
    """The next ``count`` element acks (of ``instance_id`` if given)."""
    acks: list[AutomationCompositionDeployAck] = []
    while len(acks) < count:
        acks.append(
            await peer.expect(
                AutomationCompositionDeployAck,
                lambda a: instance_id is None or a.automation_composition_id == instance_id,
                within=within,
            )
        )
    return acks


def entry_of(ack: AutomationCompositionDeployAck) -> tuple[UUID, AcElementDeployAck]:
    """The single (element id, result) of a Java-style one-element ack."""
    assert len(ack.automation_composition_result_map) == 1
    return next(iter(ack.automation_composition_result_map.items()))


def states(ack: AutomationCompositionDeployAck) -> tuple[str, str, str]:
    """(deployState, lockState, stateChangeResult) of a one-element ack."""
    _id, entry = entry_of(ack)
    assert entry.deploy_state is not None
    assert entry.lock_state is not None
    assert ack.state_change_result is not None
    return (entry.deploy_state.value, entry.lock_state.value, ack.state_change_result.value)


async def deployed(peer: RuntimePeer, world: World) -> list[AutomationCompositionDeployAck]:
    """Prime and deploy the world (all elements phase 0); returns the deploy acks."""
    await prime(peer, world)
    await peer.send(world.deploy())
    return await element_acks(peer, len(world.elements), instance_id=world.instance_id)


def raw(peer: RuntimePeer, message: object) -> dict[str, Any]:
    """The JSON object a message was read from."""
    value: dict[str, Any] = json.loads(peer.record_of(message).value)
    return value
