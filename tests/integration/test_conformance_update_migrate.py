"""Conformance C43-C51 (update, migration, prepare, review) on the real Kafka broker."""

from __future__ import annotations

import pytest

from acm_participant.protocol import DeployOrder, ParticipantReqSync, ToscaConceptIdentifier
from acm_participant.protocol.enums import MigrationState
from tests.integration.conformance_harness import (
    deployed,
    element_acks,
    entry_of,
    prime,
    states,
)
from tests.unit.runtime.builders import Element, RecordingHandler, World

pytestmark = pytest.mark.integration

TARGET_DEFINITION = ToscaConceptIdentifier(name="onap.element.Example", version="1.2.4")


def target_of(world: World, stage: object = None, **properties: object) -> World:
    """The composition the world's instance migrates to: same elements, new definitions."""
    composition_properties = dict(properties)
    if stage is not None:
        composition_properties["stage"] = stage
    return World(
        instance_id=world.instance_id,
        elements=[
            Element(
                definition=TARGET_DEFINITION,
                element_id=e.element_id,
                properties={"version": 2},
                composition_properties=composition_properties,
            )
            for e in world.elements
        ],
    )


# --- update --------------------------------------------------------------------------------------


async def test_c43_update_merges_properties_and_acks_each_element(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World(
        elements=[
            Element(properties={"a": {"x": 1, "y": 2}, "keep": 1}),
            Element(properties={"a": {"x": 5}}),
        ]
    )
    await deployed(peer, world)
    for element in world.elements:
        element.properties = {"a": {"y": 3}}
    await peer.send(world.update())
    acks = await element_acks(peer, 2)
    assert all(states(a) == ("DEPLOYED", "LOCKED", "NO_ERROR") for a in acks)
    updates = {c.args[1].element_id: c for c in handler.calls if c.operation == "update"}
    first, second = (updates[e.element_id] for e in world.elements)
    assert dict(first.args[1].properties) == {"a": {"x": 1, "y": 2}, "keep": 1}
    assert dict(first.args[2].properties) == {"a": {"x": 1, "y": 3}, "keep": 1}
    assert dict(second.args[2].properties) == {"a": {"x": 5, "y": 3}}


async def test_c44_update_rollback_applies_the_given_values_back(harness):
    handler = RecordingHandler(fail={"update": "rejected"})
    _runtime, peer = await harness.participant(handler)
    world = World(elements=[Element(properties={"replicas": 1})])
    await deployed(peer, world)
    world.elements[0].properties = {"replicas": 5}
    await peer.send(world.update())
    (failed,) = await element_acks(peer, 1)
    assert states(failed) == ("DEPLOYED", "LOCKED", "FAILED")
    handler.fail.clear()
    world.elements[0].properties = {"replicas": 1}
    await peer.send(world.update(rollback=True))
    (rolled_back,) = await element_acks(peer, 1)
    assert states(rolled_back) == ("DEPLOYED", "LOCKED", "NO_ERROR")
    last = handler.calls[-1]
    assert last.operation == "update"
    assert (dict(last.args[1].properties), dict(last.args[2].properties)) == (
        {"replicas": 5},
        {"replicas": 1},
    )


# --- migration ---------------------------------------------------------------------------------


async def test_c45_migration_to_an_unknown_composition_waits_for_its_sync(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World()
    await deployed(peer, world)
    target = target_of(world)
    await peer.send(world.migration(target.composition_id, elements=target.elements))
    request = await peer.expect(ParticipantReqSync)
    assert request.composition_target_id == target.composition_id
    assert (request.composition_id, request.automation_composition_id) == (None, None)
    assert await peer.probe() == []
    assert "migrate" not in handler.ops()
    await peer.send(target.sync())
    (ack,) = await element_acks(peer, 1)
    assert states(ack) == ("DEPLOYED", "LOCKED", "NO_ERROR")
    assert await peer.probe() == []
    assert handler.ops().count("migrate") == 1


async def test_c46_migration_stages_ack_the_next_stage_then_the_final_states(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World()
    await deployed(peer, world)
    target = target_of(world, stage={"migrate": [0, 2]})
    await prime(peer, target)
    await peer.send(world.migration(target.composition_id, elements=target.elements, stage=0))
    (first,) = await element_acks(peer, 1)
    assert (
        first.stage,
        first.state_change_result.value if first.state_change_result else None,
    ) == (
        2,
        "NO_ERROR",
    )
    await peer.send(
        world.migration(target.composition_id, elements=target.elements, stage=2, first_stage=False)
    )
    (last,) = await element_acks(peer, 1)
    assert last.stage is None
    assert states(last) == ("DEPLOYED", "LOCKED", "NO_ERROR")
    assert [c.args[4] for c in handler.calls if c.operation == "migrate"] == [0, 2]


async def test_c47_removed_elements_are_torn_down_and_new_ones_created(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World(elements=[Element(), Element()])
    await deployed(peer, world)
    kept, removed = world.elements
    target = World(
        instance_id=world.instance_id,
        elements=[
            Element(definition=TARGET_DEFINITION, element_id=kept.element_id),
            Element(
                definition=removed.definition,
                element_id=removed.element_id,
                migration_state=MigrationState.REMOVED,
            ),
            Element(
                definition=ToscaConceptIdentifier(name="onap.element.New", version="1.0.0"),
                migration_state=MigrationState.NEW,
                properties={"fresh": True},
            ),
        ],
    )
    await prime(
        peer,
        World(
            composition_id=target.composition_id, elements=[target.elements[0], target.elements[2]]
        ),
    )
    await peer.send(world.migration(target.composition_id, elements=target.elements))
    acks = {entry_of(a)[0]: states(a) for a in await element_acks(peer, 3)}
    assert acks == {
        kept.element_id: ("DEPLOYED", "LOCKED", "NO_ERROR"),
        removed.element_id: ("DELETED", "NONE", "NO_ERROR"),
        target.elements[2].element_id: ("DEPLOYED", "LOCKED", "NO_ERROR"),
    }
    created = [c for c in handler.calls if c.operation == "deploy"][-1]
    assert created.composition.composition_id == target.composition_id
    assert dict(created.instance.properties) == {"fresh": True}
    assert [c.instance.element_id for c in handler.calls if c.operation == "undeploy"] == [
        removed.element_id
    ]


async def test_c48_precheck_changes_nothing_and_acks_each_element(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World(elements=[Element(composition_properties={"origin": "source"})])
    await deployed(peer, world)
    target = target_of(world, origin="target")
    await prime(peer, target)
    await peer.send(world.migration(target.composition_id, elements=target.elements, precheck=True))
    (ok,) = await element_acks(peer, 1)
    assert states(ok) == ("DEPLOYED", "LOCKED", "NO_ERROR")
    handler.fail = {"migrate_precheck": "would break"}
    await peer.send(world.migration(target.composition_id, elements=target.elements, precheck=True))
    (failed,) = await element_acks(peer, 1)
    assert states(failed) == ("DEPLOYED", "LOCKED", "FAILED")
    assert "migrate" not in handler.ops()
    # Nothing moved: the element is still undeployed from its source composition.
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    await element_acks(peer, 1)
    undeploy = handler.calls[-1]
    assert dict(undeploy.composition.properties) == {"origin": "source"}
    assert dict(undeploy.instance.properties) == {}


async def test_c49_migration_rollback_walks_stages_down_to_the_final_states(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World()
    await deployed(peer, world)
    target = target_of(world, stage={"migrate": [0, 2]})
    await prime(peer, target)
    await peer.send(world.migration(target.composition_id, elements=target.elements, stage=0))
    await element_acks(peer, 1)
    # ACM-R gives up and reverts: back to the source composition, highest stage first.
    back = World(instance_id=world.instance_id, elements=world.elements)
    back.composition_id = world.composition_id
    await peer.send(
        back.migration(target.composition_id, elements=world.elements, rollback=True, stage=2)
    )
    (intermediate,) = await element_acks(peer, 1)
    assert intermediate.stage == 0
    await peer.send(
        back.migration(
            target.composition_id,
            elements=world.elements,
            rollback=True,
            stage=0,
            first_stage=False,
        )
    )
    (final,) = await element_acks(peer, 1)
    assert final.stage is None
    assert states(final) == ("DEPLOYED", "LOCKED", "NO_ERROR")
    assert [c.args[4] for c in handler.calls if c.operation == "rollback"] == [2, 0]


# --- prepare, review ---------------------------------------------------------------------------


async def test_c50_prepare_acks_intermediate_stages_then_undeployed(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World(elements=[Element(composition_properties={"stage": {"prepare": [0, 1]}})])
    await prime(peer, world)
    await peer.send(world.prepare(pre_deploy=True, stage=0))
    (first,) = await element_acks(peer, 1)
    assert first.stage == 1
    await peer.send(world.prepare(pre_deploy=True, stage=1))
    (last,) = await element_acks(peer, 1)
    assert last.stage is None
    assert states(last)[0] == "UNDEPLOYED"
    assert states(last)[2] == "NO_ERROR"
    assert [c.args[2] for c in handler.calls if c.operation == "prepare"] == [0, 1]


async def test_c51_review_acks_deployed_per_element(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World(elements=[Element(), Element()])
    await deployed(peer, world)
    await peer.send(world.prepare(pre_deploy=False))
    acks = await element_acks(peer, 2)
    assert {entry_of(a)[0] for a in acks} == {e.element_id for e in world.elements}
    assert all(states(a) == ("DEPLOYED", "LOCKED", "NO_ERROR") for a in acks)
    assert handler.ops().count("review") == 2
