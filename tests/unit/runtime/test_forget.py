"""The handler is told to forget an element that ACM-R says is gone or undeployed elsewhere.

A SYNC can say so (another replica undeployed or deleted the element, or ACM-R dropped the
instance); the handler must then release what it keeps in memory for the element, or its
caches grow with every element ever deployed by this replica.
"""

from __future__ import annotations

import asyncio

from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    DeployState,
    LockState,
    ParticipantPrimeAck,
)

from .builders import RecordingHandler, World


async def _deployed_here(peer, handler: RecordingHandler, world: World) -> None:
    await peer.send(world.prime())
    await peer.expect(ParticipantPrimeAck)
    await peer.send(world.deploy())
    await peer.expect(AutomationCompositionDeployAck)


async def _forgotten(handler: RecordingHandler) -> list[tuple[object, ...]]:
    async with asyncio.timeout(5):
        await handler.forgotten.wait()
    return [
        (c.instance.instance_id, c.instance.element_id, c.context.deploy_state)
        for c in handler.calls
        if c.operation == "forget"
    ]


async def test_forget_is_called_when_a_sync_says_another_replica_undeployed_the_element(
    peer_and_runtime,
):
    handler = RecordingHandler()
    _runtime, peer = await peer_and_runtime(handler)
    world = World()
    await _deployed_here(peer, handler, world)

    undeployed = world.restart_instance(DeployState.UNDEPLOYED, LockState.NONE)
    await peer.send(world.sync(instances=[undeployed]))

    element = world.elements[0]
    assert await _forgotten(handler) == [
        (world.instance_id, element.element_id, DeployState.UNDEPLOYED)
    ]
    assert "undeploy" not in handler.ops()  # what it managed is left alone


async def test_forget_is_called_when_a_delete_sync_drops_the_instance(peer_and_runtime):
    handler = RecordingHandler()
    _runtime, peer = await peer_and_runtime(handler)
    world = World()
    await _deployed_here(peer, handler, world)

    await peer.send(
        world.sync(
            automation_composition_id=world.instance_id,
            instances=[world.restart_instance(DeployState.DELETED, LockState.NONE)],
            delete=True,
            with_definitions=False,
        )
    )

    assert await _forgotten(handler) == [
        (world.instance_id, world.elements[0].element_id, DeployState.DELETED)
    ]


async def test_forget_is_called_when_a_sync_no_longer_lists_the_element_as_mine(
    peer_and_runtime,
):
    handler = RecordingHandler()
    _runtime, peer = await peer_and_runtime(handler)
    world = World()
    await _deployed_here(peer, handler, world)

    moved = world.restart_instance(DeployState.DEPLOYED, LockState.LOCKED).model_copy(
        update={"ac_element_list": []}  # none of the instance's elements is this participant's
    )
    await peer.send(world.sync(instances=[moved]))

    assert await _forgotten(handler) == [
        (world.instance_id, world.elements[0].element_id, DeployState.DELETED)
    ]


async def test_forget_is_not_called_for_an_element_still_deployed(peer_and_runtime):
    handler = RecordingHandler()
    _runtime, peer = await peer_and_runtime(handler)
    world = World()
    await _deployed_here(peer, handler, world)

    await peer.send(world.sync(instances=[world.restart_instance(DeployState.DEPLOYED)]))
    await peer.probe()  # the SYNC has been handled once the answer to a later message is out

    assert "forget" not in handler.ops()


async def test_forget_leaves_an_operation_running_here_alone(peer_and_runtime):
    handler = RecordingHandler(block={"deploy"})
    _runtime, peer = await peer_and_runtime(handler)
    world = World()
    await peer.send(world.prime())
    await peer.expect(ParticipantPrimeAck)
    await peer.send(world.deploy())
    async with asyncio.timeout(5):
        await handler.started.wait()

    # A SYNC from before this DEPLOY (the sync topic lags) still says UNDEPLOYED.
    await peer.send(world.sync(instances=[world.restart_instance(DeployState.UNDEPLOYED)]))
    await peer.probe()
    handler.release.set()
    ack = await peer.expect(AutomationCompositionDeployAck)

    assert "forget" not in handler.ops()
    assert handler.cancelled == []
    assert ack.automation_composition_result_map[world.elements[0].element_id].deploy_state is (
        DeployState.DEPLOYED
    )
