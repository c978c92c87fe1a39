"""Conformance C66-C67 (DMaaP Message Router, one topic for both directions).

DMaaP MR cannot be installed here: ``tests/dmaap_standin.py`` stands in for it, implementing its
documented events API. No local stack is needed, so this module is not marked ``integration``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from acm_participant.protocol import (
    ParticipantPrimeAck,
    ParticipantRegister,
    ParticipantRegisterAck,
    ParticipantStatus,
)
from acm_participant.runtime import ParticipantRuntime
from acm_participant.testing import RuntimePeer, TransportFactory, participant_under_test
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.dmaap import DmaapSettings, DmaapTransport, DmaapTransportOptions
from tests.dmaap_standin import DmaapStandin
from tests.unit.runtime.builders import OTHER_PARTICIPANT, RecordingHandler, World, make_settings

TOPIC = "POLICY-ACRUNTIME-PARTICIPANT"
OPTIONS = DmaapTransportOptions(publish_timeout_s=10, backoff=Backoff(initial_s=0.05, max_s=0.5))


@pytest.fixture
async def standin() -> AsyncIterator[DmaapStandin]:
    async with DmaapStandin() as server:
        yield server


def dmaap_transports(standin: DmaapStandin) -> TransportFactory:
    settings = DmaapSettings(
        base_url=standin.base_url,
        consumer_id="participant-host",
        poll_timeout_ms=15_000,
        poll_limit=50,
    )
    return lambda subscriptions: DmaapTransport(settings, subscriptions, options=OPTIONS)


async def registered_participant(
    standin: DmaapStandin, stack: AsyncExitStack
) -> tuple[ParticipantRuntime, RuntimePeer]:
    settings = make_settings(operation_topic=TOPIC, sync_topic=TOPIC)
    runtime, peer = await stack.enter_async_context(
        participant_under_test(
            RecordingHandler(), settings, register=False, transports=dmaap_transports(standin)
        )
    )
    # Message Router starts a new group at the end of the topic: ack REGISTERs until one lands.
    async with asyncio.timeout(15):
        while not runtime.registered.is_set():
            register = await peer.expect(ParticipantRegister)
            await peer.send(
                ParticipantRegisterAck(
                    response_to=register.message_id,
                    participant_id=register.participant_id,
                    replica_id=register.replica_id,
                )
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1):
                    await runtime.registered.wait()
    return runtime, peer


async def test_c66_dmaap_long_polls_and_posts_json_arrays_as_documented(standin):
    async with AsyncExitStack() as stack:
        runtime, peer = await registered_participant(standin, stack)
        standin.serve_objects = True  # entries as JSON objects instead of strings
        world = World()
        await peer.send(world.prime())
        ack = await peer.expect(ParticipantPrimeAck)
        assert ack.replica_id == runtime.replica_id
    group = runtime.settings.sync_group(runtime.replica_id)
    polls = [r for r in standin.requests if r.method == "GET" and group in r.path]
    assert polls
    assert all(r.path == f"/events/{TOPIC}/{group}/participant-host" for r in polls)
    assert all(r.query == {"timeout": "15000", "limit": "50"} for r in polls)
    posts = [r for r in standin.requests if r.method == "POST"]
    assert all(r.path == f"/events/{TOPIC}" for r in posts)
    assert all(r.content_type == "application/json" for r in posts)
    bodies = [json.loads(r.body) for r in posts]
    assert all(isinstance(body, list) for body in bodies)
    assert any(m.get("messageType") == "PARTICIPANT_PRIME_ACK" for body in bodies for m in body)


async def test_c67_dmaap_single_topic_own_and_foreign_messages_are_ignored(standin):
    async with AsyncExitStack() as stack:
        runtime, peer = await registered_participant(standin, stack)
        foreign = World(participant_id=OTHER_PARTICIPANT)
        await peer.send(ParticipantStatus(participant_id=OTHER_PARTICIPANT))
        await peer.send(ParticipantRegister(participant_id=OTHER_PARTICIPANT))
        await peer.send(foreign.prime(participant_id_list=[OTHER_PARTICIPANT]))
        # Its own REGISTER and STATUS came back on the same topic as well: none was answered.
        assert await peer.probe() == []
        own = [
            m
            for m in standin.messages(TOPIC)
            if json.loads(m).get("replicaId") == str(runtime.replica_id)
        ]
        assert own
