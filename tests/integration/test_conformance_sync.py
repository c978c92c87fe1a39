"""Conformance C52-C61 (sync, restart, revision gates, timeout) on the real Kafka broker."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

from acm_participant.protocol import (
    AcTypeState,
    DeployOrder,
    ParticipantPrimeAck,
    ParticipantRegister,
    ParticipantReqSync,
    ParticipantRestart,
    ParticipantStateChange,
    StateChangeResult,
)
from tests.integration.conformance_harness import (
    deployed,
    element_acks,
    prime,
    states,
)
from tests.unit.runtime.builders import PARTICIPANT_ID, Element, RecordingHandler, World

pytestmark = pytest.mark.integration


async def test_c52_restart_sync_rebuilds_caches_so_undeploy_works_without_deploy(harness):
    handler = RecordingHandler()
    runtime, peer = await harness.participant(handler)
    world = World(elements=[Element(properties={"v": 1}, composition_properties={"c": 1})])
    await peer.send(
        world.sync(
            instances=[world.restart_instance()],
            restarting=True,
            participant_id=PARTICIPANT_ID,
            replica_id=runtime.replica_id,
        )
    )
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    (ack,) = await element_acks(peer, 1)
    assert states(ack) == ("UNDEPLOYED", "NONE", "NO_ERROR")
    restore, undeploy = handler.calls
    assert restore.operation == "restore"
    assert restore.args[2:] == ("DEPLOYED", "LOCKED")
    assert (dict(undeploy.composition.properties), dict(undeploy.instance.properties)) == (
        {"c": 1},
        {"v": 1},
    )


async def test_c53_sync_excluding_my_replica_is_ignored(harness):
    handler = RecordingHandler()
    runtime, peer = await harness.participant(handler)
    world = World()
    await peer.send(
        world.sync(instances=[world.restart_instance()], exclude_replicas=[runtime.replica_id])
    )
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    assert await peer.probe() == []
    assert handler.ops() == []


async def test_c54_instance_sync_replaces_states_properties_and_revision(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World(elements=[Element(properties={"v": 1})], revision_instance=uuid4())
    await deployed(peer, world)
    world.elements[0].properties = {"v": 2}
    world.revision_instance = uuid4()
    await peer.send(
        world.sync(instances=[world.restart_instance(revision=world.revision_instance)])
    )
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    (undeployed,) = await element_acks(peer, 1)
    assert states(undeployed) == ("UNDEPLOYED", "NONE", "NO_ERROR")
    assert not [m for _r, m in peer.received if isinstance(m, ParticipantReqSync)]
    assert dict(handler.calls[-1].instance.properties) == {"v": 2}


async def test_c55_delete_sync_drops_instances_and_a_commissioned_composition(harness):
    _runtime, peer = await harness.participant()
    world = World()
    await deployed(peer, world)
    await peer.send(world.sync(instances=[world.restart_instance()], delete=True))
    await peer.send(world.state_change(deploy=DeployOrder.DELETE))
    (ack,) = await element_acks(peer, 1)
    assert ack.automation_composition_result_map == {}
    await peer.send(world.sync(delete=True, state=AcTypeState.COMMISSIONED, with_definitions=False))
    # the SYNC travels on the sync topic, the DEPRIME on the operation topic: a STATUS_REQ on the
    # sync topic, answered, says the SYNC was handled before the DEPRIME is sent
    await peer.probe()
    await peer.send(world.deprime())
    deprimed = await peer.expect(ParticipantPrimeAck)
    assert deprimed.message == "Already deprimed or never primed"


async def test_c56_deploy_with_another_composition_revision_waits_for_sync_and_runs_once(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World(revision_composition=uuid4())
    await prime(peer, world)
    world.revision_composition = uuid4()  # ACM-R moved on (e.g. a SYNC we missed)
    await peer.send(world.deploy())
    request = await peer.expect(ParticipantReqSync)
    assert (request.composition_id, request.automation_composition_id) == (
        world.composition_id,
        None,
    )
    assert request.composition_target_id is None
    assert "deploy" not in handler.ops()
    await peer.send(world.sync())
    (ack,) = await element_acks(peer, 1)
    assert states(ack) == ("DEPLOYED", "LOCKED", "NO_ERROR")
    assert await peer.probe() == []
    assert handler.ops().count("deploy") == 1


async def test_c57_state_change_with_an_outdated_instance_revision_requests_the_instance(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World(revision_composition=uuid4(), revision_instance=uuid4())
    await deployed(peer, world)
    world.revision_instance = uuid4()
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    request = await peer.expect(ParticipantReqSync)
    assert (request.composition_id, request.automation_composition_id) == (None, world.instance_id)
    assert "undeploy" not in handler.ops()
    await peer.send(
        world.sync(instances=[world.restart_instance(revision=world.revision_instance)])
    )
    (ack,) = await element_acks(peer, 1)
    assert states(ack) == ("UNDEPLOYED", "NONE", "NO_ERROR")


async def test_c58_messages_without_revisions_are_never_parked(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World()  # no revisions at all: a runtime older than 8.2.1
    await peer.send(world.deploy())  # composition never primed here
    (ack,) = await element_acks(peer, 1)
    assert states(ack) == ("DEPLOYED", "LOCKED", "NO_ERROR")
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    await element_acks(peer, 1)
    assert not [m for _r, m in peer.received if isinstance(m, ParticipantReqSync)]


async def test_c59_timeout_sync_cancels_running_element_tasks(harness):
    handler = RecordingHandler(block={"deploy"})
    _runtime, peer = await harness.participant(handler)
    world = World()
    await prime(peer, world)
    await peer.send(world.deploy())
    async with asyncio.timeout(10):
        await handler.started.wait()
    await peer.send(
        world.sync(
            instances=[world.restart_instance()],
            state_change_result=StateChangeResult.TIMEOUT,
            automation_composition_id=world.instance_id,
            with_definitions=False,
        )
    )
    assert await peer.probe() == []  # the cancelled deploy sends no late ack
    assert handler.cancelled == ["deploy"]
    handler.block.clear()
    await peer.send(world.deploy())
    (ack,) = await element_acks(peer, 1)
    assert states(ack) == ("DEPLOYED", "LOCKED", "NO_ERROR")


async def test_c60_restarted_participant_registers_a_new_replica_and_takes_early_syncs(harness):
    peer = await harness.peer()
    first, _ = await harness.participant(peer=peer)
    first_replica = first.replica_id
    await first.stop()
    handler = RecordingHandler()
    second, _ = await harness.participant(handler, register=False, peer=peer)
    register = await peer.expect(ParticipantRegister, lambda r: r.replica_id == second.replica_id)
    assert register.replica_id != first_replica
    world = World()
    await peer.send(
        world.sync(
            instances=[world.restart_instance()],
            restarting=True,
            participant_id=PARTICIPANT_ID,
            replica_id=second.replica_id,
        )
    )
    await peer.register(replica_id=second.replica_id)
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    (ack,) = await element_acks(peer, 1)
    assert states(ack) == ("UNDEPLOYED", "NONE", "NO_ERROR")
    assert second.registered.is_set()


async def test_c61_restart_and_participant_state_change_are_consumed_silently(harness):
    runtime, peer = await harness.participant()
    world = World()
    await peer.send(
        ParticipantRestart(
            participant_id=PARTICIPANT_ID,
            composition_id=world.composition_id,
            state=AcTypeState.PRIMED,
            automation_composition_list=[world.restart_instance()],
        )
    )
    await peer.send(ParticipantStateChange(participant_id=PARTICIPANT_ID))
    assert await peer.probe() == []
    assert runtime.health().running
