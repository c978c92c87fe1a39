"""Two replicas of one participant, and a broker restart under a heartbeating participant.

Both on the real Kafka broker: replicas share the operation topic's group (one of them handles
each operation) and read the sync topic each in its own group.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from acm_participant.protocol import DeployOrder, ParticipantPrimeAck, ParticipantStatus
from tests.integration.conformance_harness import (
    element_acks,
    prime,
    states,
)
from tests.unit.runtime.builders import RecordingHandler, World

pytestmark = pytest.mark.integration


async def test_replicas_one_of_two_handles_each_operation_when_sharing_the_group(harness):
    handlers = [RecordingHandler(), RecordingHandler()]
    first, peer = await harness.participant(handlers[0])
    second, _ = await harness.participant(handlers[1], peer=peer)
    world = World()
    ack = await prime(peer, world)
    await peer.send(world.deploy())
    (deployed,) = await element_acks(peer, 1)
    assert states(deployed) == ("DEPLOYED", "LOCKED", "NO_ERROR")
    assert await peer.probe() == []  # no second PRIME_ACK, no second deploy ack
    primes = [h.ops().count("prime") for h in handlers]
    deploys = [h.ops().count("deploy") for h in handlers]
    assert sorted(primes) == [0, 1]
    assert sorted(deploys) == [0, 1]
    assert ack.replica_id in {first.replica_id, second.replica_id}
    assert not [m for _r, m in peer.received if isinstance(m, ParticipantPrimeAck) and m is not ack]
    # ACM-R's instance SYNC brings the other replica up to date: whichever gets the undeploy
    # knows the instance.
    await peer.send(world.sync(instances=[world.restart_instance()]))
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    (undeployed,) = await element_acks(peer, 1)
    assert states(undeployed) == ("UNDEPLOYED", "NONE", "NO_ERROR")


async def test_broker_restart_heartbeats_resume_when_kafka_comes_back(harness, stack):
    runtime, peer = await harness.participant(reporting_time_interval_ms=500)
    await peer.expect(ParticipantStatus, within=5)
    await asyncio.to_thread(stack.stop_kafka)
    try:
        stopped_at = datetime.now(UTC)
    finally:
        await asyncio.to_thread(stack.start_kafka)
    restarted_at = datetime.now(UTC)
    resumed = await peer.expect(ParticipantStatus, lambda s: s.timestamp > restarted_at, within=90)
    assert resumed.replica_id == runtime.replica_id
    assert resumed.timestamp > stopped_at
    assert await peer.probe(within=30) == []  # consuming again: a STATUS_REQ is answered
    assert runtime.health().registered
