"""Conformance C22-C42 (prime, deprime, deploy, state changes) on the real Kafka broker."""

from __future__ import annotations

from uuid import uuid4

import pytest

from acm_participant import ElementDefinitionId
from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    CompositionDto,
    CompositionElementDto,
    DeployOrder,
    ElementDto,
    InstanceElementDto,
    LockOrder,
    ParticipantDto,
    ParticipantPrimeAck,
    ParticipantPrimeDto,
    ParticipantReqSync,
    ParticipantStatus,
)
from acm_participant.protocol.enums import AcTypeState, StateChangeResult
from tests.integration.conformance_harness import (
    deployed,
    element_acks,
    entry_of,
    prime,
    raw,
    states,
)
from tests.unit.runtime.builders import (
    OTHER_PARTICIPANT,
    PARTICIPANT_ID,
    DeployOnlyHandler,
    Element,
    RecordingHandler,
    World,
)

pytestmark = pytest.mark.integration


def two_phase_world(second_phase: object = 1) -> World:
    return World(
        elements=[
            Element(composition_properties={"startPhase": 0}),
            Element(
                definition=World()
                .elements[0]
                .definition.model_copy(update={"name": "onap.element.Later"}),
                composition_properties={"startPhase": second_phase},
            ),
        ]
    )


# --- prime, deprime ------------------------------------------------------------------------------


async def test_c22_prime_caches_definitions_and_acks_primed_once(harness):
    _runtime, peer = await harness.participant()
    world = World(revision_composition=uuid4())
    message = world.prime()
    await peer.send(message)
    ack = await peer.expect(ParticipantPrimeAck)
    assert ack.response_to == message.message_id
    assert (ack.composition_state, ack.state_change_result) == (
        AcTypeState.PRIMED,
        StateChangeResult.NO_ERROR,
    )
    # Cached with its revision: a DEPLOY carrying that revision passes the gate at once.
    await peer.send(world.deploy())
    before, _ack = await peer.collect_until(AutomationCompositionDeployAck)
    assert not [m for m in before if isinstance(m, ParticipantPrimeAck | ParticipantReqSync)]
    assert await peer.probe() == []


async def test_c23_prime_failure_acks_commissioned_failed_with_reason(harness):
    _runtime, peer = await harness.participant(RecordingHandler(fail={"prime": "bad template"}))
    ack = await prime(peer, World())
    assert (ack.composition_state, ack.state_change_result) == (
        AcTypeState.COMMISSIONED,
        StateChangeResult.FAILED,
    )
    assert ack.message == "bad template"


async def test_c24_prime_without_an_entry_for_me_is_not_acked(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World()
    await peer.send(
        world.prime(
            participant_id_list=[],
            participant_definition_updates=world.definitions(participant_id=OTHER_PARTICIPANT),
        )
    )
    assert await peer.probe() == []
    assert handler.ops() == []


async def test_c25_master_and_legacy_prime_behave_the_same(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    legacy_world = World(elements=[Element(composition_properties={"color": "red"})])
    legacy = await prime(peer, legacy_world, prime_order=None, revision_id_composition=None)
    master_world = World(elements=[Element(composition_properties={"color": "red"})])
    definition = master_world.elements[0].definition
    master = await prime(
        peer,
        master_world,
        participant_definition_updates=[],
        prime_dto_list=[
            ParticipantPrimeDto(
                participant_id=PARTICIPANT_ID,
                composition_dto=CompositionDto(
                    composition_id=master_world.composition_id,
                    in_properties_map={definition: {"color": "red"}},
                ),
            )
        ],
    )
    assert (legacy.composition_state, legacy.state_change_result) == (
        master.composition_state,
        master.state_change_result,
    )
    primed = [c.args[1] for c in handler.calls if c.operation == "prime"]
    assert [[(e.definition_id, dict(e.properties)) for e in p] for p in primed] == [
        [(ElementDefinitionId(definition.name, definition.version), {"color": "red"})]
    ] * 2


async def test_c26_deprime_drops_a_known_composition_and_keeps_it_on_failure(harness):
    handler = RecordingHandler(fail={"deprime": "still in use"})
    _runtime, peer = await harness.participant(handler)
    world = World()
    await prime(peer, world)
    await peer.send(world.deprime())
    failed = await peer.expect(ParticipantPrimeAck)
    assert (failed.composition_state, failed.state_change_result) == (
        AcTypeState.PRIMED,
        StateChangeResult.FAILED,
    )
    handler.fail.clear()
    legacy_deprime = world.deprime(prime_order=None, participant_definition_updates=[])
    await peer.send(legacy_deprime)
    done = await peer.expect(ParticipantPrimeAck)
    assert (done.composition_state, done.state_change_result, done.message) == (
        AcTypeState.COMMISSIONED,
        StateChangeResult.NO_ERROR,
        "Deprimed",
    )
    await peer.send(world.deprime())
    again = await peer.expect(ParticipantPrimeAck)
    assert again.message == "Already deprimed or never primed"


async def test_c27_deprime_of_an_unknown_composition_acks_commissioned(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    await peer.send(World().deprime())
    ack = await peer.expect(ParticipantPrimeAck)
    assert (ack.composition_state, ack.state_change_result, ack.message) == (
        AcTypeState.COMMISSIONED,
        StateChangeResult.NO_ERROR,
        "Already deprimed or never primed",
    )
    assert handler.ops() == []


class CompositionInfoHandler(RecordingHandler):
    async def prime(self, composition):
        assert self.reporter is not None
        for element in composition.elements:
            await self.reporter.report_composition_info(
                composition.composition_id, element.definition_id, out_properties={"checked": True}
            )


async def test_c28_composition_out_properties_name_the_element_by_tci(harness):
    _runtime, peer = await harness.participant(CompositionInfoHandler())
    world = World()
    message = world.prime()
    await peer.send(message)
    status = await peer.expect(ParticipantStatus, lambda s: bool(s.participant_definition_updates))
    await peer.expect(ParticipantPrimeAck)
    body = raw(peer, status)
    (update,) = body["participantDefinitionUpdates"]
    assert update["participantId"] == str(PARTICIPANT_ID)
    (definition,) = update["automationCompositionElementDefinitionList"]
    assert definition["acElementDefinitionId"] == {
        "name": world.elements[0].definition.name,
        "version": world.elements[0].definition.version,
    }
    assert definition["outProperties"] == {"checked": True}
    assert body["compositionId"] == str(world.composition_id)


# --- deploy --------------------------------------------------------------------------------------


async def test_c29_first_deploy_caches_instance_and_deploys_phase_zero_only(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = two_phase_world()
    await prime(peer, world)
    await peer.send(world.deploy(start_phase=0, first=True))
    (ack,) = await element_acks(peer, 1)
    assert entry_of(ack)[0] == world.elements[0].element_id
    assert await peer.probe() == []
    assert handler.ops() == ["prime", "deploy"]


async def test_c30_phase_one_element_waits_for_its_deploy_message(harness):
    _runtime, peer = await harness.participant()
    world = two_phase_world()
    await prime(peer, world)
    await peer.send(world.deploy(start_phase=0, first=True))
    await element_acks(peer, 1)
    await peer.send(world.deploy(start_phase=1, first=False))
    (ack,) = await element_acks(peer, 1)
    assert entry_of(ack)[0] == world.elements[1].element_id
    assert states(ack) == ("DEPLOYED", "LOCKED", "NO_ERROR")


async def test_c31_string_start_phase_is_honoured(harness):
    _runtime, peer = await harness.participant()
    world = two_phase_world(second_phase="1")
    await prime(peer, world)
    await peer.send(world.deploy(start_phase=0))
    (first,) = await element_acks(peer, 1)
    await peer.send(world.deploy(start_phase=1, first=False))
    (second,) = await element_acks(peer, 1)
    assert [entry_of(first)[0], entry_of(second)[0]] == [e.element_id for e in world.elements]


async def test_c32_each_element_gets_exactly_one_deployed_ack(harness):
    _runtime, peer = await harness.participant()
    world = World(elements=[Element(), Element()])
    await prime(peer, world)
    message = world.deploy()
    await peer.send(message)
    acks = await element_acks(peer, 2)
    assert {entry_of(a)[0] for a in acks} == {e.element_id for e in world.elements}
    assert all(states(a) == ("DEPLOYED", "LOCKED", "NO_ERROR") for a in acks)
    assert all(a.response_to == message.message_id for a in acks)
    assert await peer.probe() == []


async def test_c33_deploy_failure_acks_undeployed_failed_with_a_short_reason(harness):
    _runtime, peer = await harness.participant(RecordingHandler(fail={"deploy": "x" * 400}))
    world = World()
    await prime(peer, world)
    await peer.send(world.deploy())
    (ack,) = await element_acks(peer, 1)
    assert states(ack) == ("UNDEPLOYED", "NONE", "FAILED")
    assert ack.message is not None
    assert ack.message.startswith("xxx")
    assert len(ack.message) <= 255


async def test_c34_handler_gets_composition_and_instance_from_dtos_else_cache(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World(
        elements=[Element(properties={"size": 1}, composition_properties={"color": "red"})]
    )
    await deployed(peer, world)
    legacy = handler.calls[-1]
    assert (dict(legacy.composition.properties), dict(legacy.instance.properties)) == (
        {"color": "red"},
        {"size": 1},
    )
    second = World(composition_id=world.composition_id)
    dto = ParticipantDto(
        participant_id=PARTICIPANT_ID,
        element_dtos=[
            ElementDto(
                composition_element=CompositionElementDto(
                    composition_id=world.composition_id,
                    element_definition_id=second.elements[0].definition,
                    in_properties={"color": "green"},
                ),
                instance_element_target=InstanceElementDto(
                    instance_id=second.instance_id,
                    element_id=second.elements[0].element_id,
                    in_properties={"size": 2},
                ),
            )
        ],
    )
    await peer.send(second.deploy(participant_updates_list=[], participant_dto_list=[dto]))
    await element_acks(peer, 1)
    master = handler.calls[-1]
    assert (dict(master.composition.properties), dict(master.instance.properties)) == (
        {"color": "green"},
        {"size": 2},
    )


async def test_c35_repeated_first_deploy_reacks_without_redeploying(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World()
    await deployed(peer, world)
    retry = world.deploy(first=True)
    await peer.send(retry)
    (ack,) = await element_acks(peer, 1)
    assert states(ack) == ("DEPLOYED", "LOCKED", "NO_ERROR")
    assert ack.response_to == retry.message_id
    assert handler.ops().count("deploy") == 1


async def test_c36_no_ack_without_stage_holds_a_transitional_state(harness):
    handler = RecordingHandler(fail={"unlock": "no"})
    _runtime, peer = await harness.participant(handler)
    world = World()
    acks = await deployed(peer, world)
    for change in (
        world.state_change(lock=LockOrder.UNLOCK),
        world.state_change(lock=LockOrder.LOCK),
        world.state_change(lock=LockOrder.UNLOCK),
        world.state_change(deploy=DeployOrder.UNDEPLOY),
        world.state_change(deploy=DeployOrder.DELETE),
    ):
        await peer.send(change)
        acks += await element_acks(peer, 1)
    for ack in acks:
        assert ack.stage is None
        _id, entry = entry_of(ack)
        assert entry.deploy_state is not None
        assert not entry.deploy_state.is_transitional
        assert entry.lock_state is not None
        assert not entry.lock_state.is_transitional


# --- state changes ---------------------------------------------------------------------------


async def test_c37_undeploy_acks_undeployed_or_deployed_failed(harness):
    handler = RecordingHandler(fail={"undeploy": "stuck"})
    _runtime, peer = await harness.participant(handler)
    world = World()
    await deployed(peer, world)
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    (failed,) = await element_acks(peer, 1)
    assert states(failed) == ("DEPLOYED", "LOCKED", "FAILED")
    handler.fail.clear()
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    (ok,) = await element_acks(peer, 1)
    assert states(ok) == ("UNDEPLOYED", "NONE", "NO_ERROR")


async def test_c38_undeploy_runs_the_phase_of_each_message_highest_first(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = two_phase_world()
    await prime(peer, world)
    await peer.send(world.deploy(start_phase=0))
    await element_acks(peer, 1)
    await peer.send(world.deploy(start_phase=1, first=False))
    await element_acks(peer, 1)
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY, start_phase=1))
    (high,) = await element_acks(peer, 1)
    assert entry_of(high)[0] == world.elements[1].element_id
    assert await peer.probe() == []
    await peer.send(
        world.state_change(deploy=DeployOrder.UNDEPLOY, start_phase=0, first_start_phase=False)
    )
    (low,) = await element_acks(peer, 1)
    assert entry_of(low)[0] == world.elements[0].element_id


async def test_c39_delete_acks_deleted_or_undeployed_failed(harness):
    handler = RecordingHandler(fail={"delete": "locked by policy"})
    _runtime, peer = await harness.participant(handler)
    world = World()
    await deployed(peer, world)
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    await element_acks(peer, 1)
    await peer.send(world.state_change(deploy=DeployOrder.DELETE))
    (failed,) = await element_acks(peer, 1)
    assert states(failed) == ("UNDEPLOYED", "NONE", "FAILED")
    handler.fail.clear()
    await peer.send(world.state_change(deploy=DeployOrder.DELETE))
    (ok,) = await element_acks(peer, 1)
    assert states(ok) == ("DELETED", "NONE", "NO_ERROR")


async def test_c40_delete_of_an_instance_never_held_acks_with_an_empty_map(harness):
    _runtime, peer = await harness.participant()
    world = World()
    await prime(peer, world)
    message = world.state_change(deploy=DeployOrder.DELETE)
    await peer.send(message)
    (ack,) = await element_acks(peer, 1)
    assert ack.automation_composition_result_map == {}
    assert (ack.state_change_result, ack.message) == (
        StateChangeResult.NO_ERROR,
        "Already deleted or never used",
    )
    assert ack.response_to == message.message_id
    assert await peer.probe() == []


async def test_c41_lock_and_unlock_ack_their_state_and_keep_it_on_failure(harness):
    handler = RecordingHandler(fail={"lock": "nope"})
    _runtime, peer = await harness.participant(handler)
    world = World()
    await deployed(peer, world)
    await peer.send(world.state_change(lock=LockOrder.UNLOCK))
    (unlocked,) = await element_acks(peer, 1)
    assert states(unlocked) == ("DEPLOYED", "UNLOCKED", "NO_ERROR")
    await peer.send(world.state_change(lock=LockOrder.LOCK))
    (lock_failed,) = await element_acks(peer, 1)
    assert states(lock_failed) == ("DEPLOYED", "UNLOCKED", "FAILED")
    handler.fail = {"unlock": "nope"}
    await peer.send(world.state_change(lock=LockOrder.LOCK))
    (locked,) = await element_acks(peer, 1)
    assert states(locked) == ("DEPLOYED", "LOCKED", "NO_ERROR")
    await peer.send(world.state_change(lock=LockOrder.UNLOCK))
    (unlock_failed,) = await element_acks(peer, 1)
    assert states(unlock_failed) == ("DEPLOYED", "LOCKED", "FAILED")


@pytest.mark.parametrize(
    ("fail_unsupported", "expected"),
    [(False, ("NO_ERROR", "Not implemented")), (True, ("FAILED", "Not supported"))],
)
async def test_c42_unimplemented_operations_follow_fail_unsupported_operation(
    harness, fail_unsupported, expected
):
    _runtime, peer = await harness.participant(
        DeployOnlyHandler(), fail_unsupported_operation=fail_unsupported
    )
    world = World()
    prime_ack = await prime(peer, world)
    assert (str(prime_ack.state_change_result), prime_ack.message) == expected
    await peer.send(world.deploy())
    await element_acks(peer, 1)
    results = []
    for change in (world.state_change(lock=LockOrder.UNLOCK), world.update()):
        await peer.send(change)
        (ack,) = await element_acks(peer, 1)
        results.append((str(ack.state_change_result), ack.message))
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    await element_acks(peer, 1)
    await peer.send(world.state_change(deploy=DeployOrder.DELETE))
    (delete_ack,) = await element_acks(peer, 1)
    results.append((str(delete_ack.state_change_result), delete_ack.message))
    assert results == [expected] * 3
