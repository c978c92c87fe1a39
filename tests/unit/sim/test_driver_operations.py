"""The driver's instance operations after deploy, against the real participant runtime."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import pytest

from acm_participant.protocol import (
    AcTypeState,
    AutomationCompositionDeployAck,
    AutomationCompositionMigration,
    AutomationCompositionStateChange,
    DeployState,
    LockState,
    PropertiesUpdate,
    StateChangeResult,
    ToscaConceptIdentifier,
    encode,
)
from acm_participant.sim.model import ElementSpec
from tests.unit.sim.support import PARTICIPANT, Dialogue, primed_and_added, template


def entry_states(acks: list[AutomationCompositionDeployAck]) -> list[tuple[object, object]]:
    return sorted(
        (entry.deploy_state, entry.lock_state)
        for ack in acks
        for entry in ack.automation_composition_result_map.values()
    )


async def deployed(dialogue: Dialogue) -> tuple[UUID, list[ElementSpec]]:
    instance_id, elements = await primed_and_added(dialogue)
    await dialogue.driver.deploy_all_phases(instance_id)
    return instance_id, elements


async def test_driver_update_sends_before_and_after_and_awaits_every_element_when_updating(
    dialogue: Dialogue,
):
    instance_id, (_, first) = await deployed(dialogue)
    acks = await dialogue.driver.update(instance_id, {first.element_id: {"n": 10}})
    assert entry_states(acks) == [(DeployState.DEPLOYED, LockState.LOCKED)] * 2
    assert ("update", "first {'n': 10}") in dialogue.handler.calls
    update = next(m for m in dialogue.driver.sent if isinstance(m, PropertiesUpdate))
    dto = next(
        e for e in update.participant_dto_list[0].element_dtos if e.element_id == first.element_id
    )
    assert dto.instance_element is not None
    assert dto.instance_element_target is not None
    assert (dto.instance_element.in_properties, dto.instance_element_target.in_properties) == (
        {"n": 1},
        {"n": 10},
    )
    assert dialogue.driver.model.instances[instance_id].elements[first.element_id].properties == {
        "n": 10
    }


async def test_driver_unlock_runs_lowest_phase_first_and_lock_highest_first(dialogue: Dialogue):
    instance_id, _ = await deployed(dialogue)
    unlock_acks = await dialogue.driver.unlock_all_phases(instance_id)
    assert dialogue.driver.model.instances[instance_id].lock_state == LockState.UNLOCKED
    lock_acks = await dialogue.driver.lock_all_phases(instance_id)
    changes = [m for m in dialogue.driver.sent if isinstance(m, AutomationCompositionStateChange)]
    assert [(m.lock_ordered_state.value, m.start_phase) for m in changes] == [
        ("UNLOCK", 0),
        ("UNLOCK", 1),
        ("LOCK", 1),
        ("LOCK", 0),
    ]
    assert entry_states(unlock_acks) == [(DeployState.DEPLOYED, LockState.UNLOCKED)] * 2
    assert entry_states(lock_acks) == [(DeployState.DEPLOYED, LockState.LOCKED)] * 2
    assert dialogue.driver.model.instances[instance_id].lock_state == LockState.LOCKED


async def test_driver_delete_removes_instance_from_model_when_every_element_deleted(
    dialogue: Dialogue,
):
    instance_id, _ = await deployed(dialogue)
    await dialogue.driver.undeploy_all_phases(instance_id)
    acks = await dialogue.driver.delete_all_phases(instance_id)
    assert entry_states(acks) == [(DeployState.DELETED, LockState.NONE)] * 2
    assert instance_id not in dialogue.driver.model.instances


async def test_driver_deprime_returns_commissioned_ack_when_composition_primed(
    dialogue: Dialogue,
):
    composition_id = uuid4()
    await dialogue.driver.prime(composition_id, PARTICIPANT, [template("first")])
    ack = await dialogue.driver.deprime(composition_id)
    assert (ack.composition_state, ack.state_change_result) == (
        AcTypeState.COMMISSIONED,
        StateChangeResult.NO_ERROR,
    )
    assert dialogue.driver.model.compositions[composition_id].state == AcTypeState.COMMISSIONED
    assert json.loads(encode(dialogue.driver.sent[-1]))["primeOrder"] == "DEPRIME"


async def test_driver_migrate_adopts_target_with_new_and_removed_elements_when_all_ack(
    dialogue: Dialogue,
):
    instance_id, (second, first) = await deployed(dialogue)
    target_id = uuid4()
    await dialogue.driver.prime(
        target_id, PARTICIPANT, [template("first", startPhase=0), template("third")]
    )
    kept = ElementSpec(
        ToscaConceptIdentifier(name="first", version="1.0.0"), {"n": 1}, first.element_id
    )
    added = ElementSpec(ToscaConceptIdentifier(name="third", version="1.0.0"), {"n": 3})
    acks = await dialogue.driver.migrate(instance_id, target_id, [kept, added])
    by_element = {
        element_id: entry.deploy_state
        for ack in acks
        for element_id, entry in ack.automation_composition_result_map.items()
    }
    assert by_element == {
        first.element_id: DeployState.DEPLOYED,
        added.element_id: DeployState.DEPLOYED,
        second.element_id: DeployState.DELETED,
    }
    instance = dialogue.driver.model.instances[instance_id]
    assert instance.composition_id == target_id
    assert set(instance.elements) == {first.element_id, added.element_id}


async def test_driver_review_acks_every_element_deployed_when_instance_deployed(
    dialogue: Dialogue,
):
    instance_id, _ = await deployed(dialogue)
    acks = await dialogue.driver.review(instance_id)
    assert {e.deploy_state for a in acks for e in a.automation_composition_result_map.values()} == {
        DeployState.DEPLOYED
    }


async def test_driver_prepare_acks_every_element_when_instance_undeployed(dialogue: Dialogue):
    instance_id, elements = await primed_and_added(dialogue)
    acks = await dialogue.driver.prepare(instance_id)
    answered = {e for a in acks for e in a.automation_composition_result_map}
    assert answered == {e.element_id for e in elements}
    assert all(a.state_change_result == StateChangeResult.NO_ERROR for a in acks)


@pytest.mark.parametrize("dialogue", [True], indirect=True)
async def test_driver_deploys_with_quebec_shape_when_legacy(dialogue: Dialogue):
    instance_id, _ = await primed_and_added(dialogue)
    acks = await dialogue.driver.deploy_all_phases(instance_id)
    assert entry_states(acks) == [(DeployState.DEPLOYED, LockState.LOCKED)] * 2
    deploy = json.loads(encode(dialogue.driver.sent[-1]))
    assert deploy["participantDtoList"] == []
    assert deploy["participantUpdatesList"][0]["acElementList"]


async def test_driver_instance_sync_with_delete_lists_no_elements_when_deleting(
    dialogue: Dialogue,
):
    instance_id, _ = await deployed(dialogue)
    sync = await dialogue.driver.sync_instance(instance_id, delete=True)
    wire = json.loads(encode(sync))
    assert wire["delete"] is True
    assert wire["automationcompositionList"][0]["acElementList"] == []
    assert wire["automationCompositionId"] == str(instance_id)


async def test_driver_migrates_stage_by_stage_when_target_has_two_migrate_stages(
    dialogue: Dialogue,
):
    instance_id, (second, first) = await deployed(dialogue)
    target_id = uuid4()
    await dialogue.driver.prime(
        target_id,
        PARTICIPANT,
        [
            template("first", startPhase=0, stage={"migrate": [0, 2]}),
            template("second", startPhase=1),
        ],
    )
    acks = await dialogue.driver.migrate_all_stages(
        instance_id,
        target_id,
        [
            ElementSpec(first.definition, {"n": 1}, first.element_id),
            ElementSpec(second.definition, {"n": 2}, second.element_id),
        ],
    )
    migrations = [m for m in dialogue.driver.sent if isinstance(m, AutomationCompositionMigration)]
    assert [(m.stage, m.first_stage) for m in migrations] == [(0, True), (2, False)]
    first_acks = [a for a in acks if first.element_id in a.automation_composition_result_map]
    assert [a.stage for a in first_acks] == [2, None]  # intermediate stage ack names the next
    assert dialogue.driver.model.instances[instance_id].composition_id == target_id


async def test_driver_sync_picks_the_restart_flavour_when_given_a_participant(dialogue: Dialogue):
    instance_id, _ = await deployed(dialogue)
    (restart,) = await dialogue.driver.sync(participant_id=PARTICIPANT)
    (instance_sync,) = await dialogue.driver.sync(instance_id=instance_id)
    assert restart.restarting is True
    assert restart.participant_id_list == [PARTICIPANT]
    assert instance_sync.restarting is False
    assert instance_sync.automation_composition_id == instance_id
