"""The runtime-side driver against the real participant runtime, over the in-memory broker."""

from __future__ import annotations

import json
import logging
from uuid import UUID, uuid4

import pytest

from acm_participant.protocol import (
    AcTypeState,
    AutomationCompositionDeploy,
    AutomationCompositionStateChange,
    DeployState,
    LockState,
    ParticipantPrime,
    ParticipantRegisterAck,
    StateChangeResult,
    ToscaConceptIdentifier,
    encode,
)
from acm_participant.sim.driver import AckTimeout
from acm_participant.sim.model import ElementSpec
from tests.unit.sim.support import (
    OP,
    PARTICIPANT,
    SYNC,
    Dialogue,
    Handler,
    primed_and_added,
    template,
)


async def test_driver_acks_register_on_sync_topic_when_participant_registers(dialogue: Dialogue):
    register = await dialogue.driver.wait_for_register()
    (ack,) = [m for m in dialogue.driver.sent if isinstance(m, ParticipantRegisterAck)]
    assert ack.response_to == register.message_id
    assert ack.replica_id == register.replica_id
    sync_records = dialogue.broker.published(SYNC)
    assert [json.loads(r.value)["messageType"] for r in sync_records] == [
        "PARTICIPANT_REGISTER_ACK"
    ]


async def test_driver_prime_returns_primed_ack_and_sends_master_shape_when_not_legacy(
    dialogue: Dialogue,
):
    composition_id = uuid4()
    ack = await dialogue.driver.prime(composition_id, PARTICIPANT, [template("first")])
    assert (ack.composition_state, ack.state_change_result) == (
        AcTypeState.PRIMED,
        StateChangeResult.NO_ERROR,
    )
    prime = dialogue.driver.sent[-1]
    assert isinstance(prime, ParticipantPrime)
    wire = json.loads(encode(prime))
    assert wire["primeOrder"] == "PRIME"
    assert wire["primeDtoList"][0]["compositionDto"]["inPropertiesMap"] == {"first 1.0.0": {}}
    assert dialogue.driver.model.compositions[composition_id].state == AcTypeState.PRIMED


@pytest.mark.parametrize("dialogue", [True], indirect=True)
async def test_driver_prime_sends_quebec_shape_when_legacy(dialogue: Dialogue):
    ack = await dialogue.driver.prime(uuid4(), PARTICIPANT, [template("first")])
    wire = json.loads(encode(dialogue.driver.sent[-1]))
    assert "primeOrder" not in wire
    assert wire["primeDtoList"] == []
    assert wire["participantDefinitionUpdates"][0]["participantId"] == str(PARTICIPANT)
    assert ack.composition_state == AcTypeState.PRIMED


async def test_driver_deploys_phase_by_phase_lowest_first_when_deploying_all_phases(
    dialogue: Dialogue,
):
    instance_id, elements = await primed_and_added(dialogue)
    acks = await dialogue.driver.deploy_all_phases(instance_id)
    deploys = [m for m in dialogue.driver.sent if isinstance(m, AutomationCompositionDeploy)]
    assert [(m.start_phase, m.first_start_phase) for m in deploys] == [(0, True), (1, False)]
    assert [c for c in dialogue.handler.calls if c[0] == "deploy"] == [
        ("deploy", "first"),
        ("deploy", "second"),
    ]
    assert [next(iter(a.automation_composition_result_map)) for a in acks] == [
        elements[1].element_id,
        elements[0].element_id,
    ]
    instance = dialogue.driver.model.instances[instance_id]
    assert (instance.deploy_state, instance.lock_state) == (DeployState.DEPLOYED, LockState.LOCKED)


async def test_driver_undeploys_highest_phase_first_when_undeploying_all_phases(
    dialogue: Dialogue,
):
    instance_id, _ = await primed_and_added(dialogue)
    await dialogue.driver.deploy_all_phases(instance_id)
    acks = await dialogue.driver.undeploy_all_phases(instance_id)
    changes = [m for m in dialogue.driver.sent if isinstance(m, AutomationCompositionStateChange)]
    assert [(m.start_phase, m.first_start_phase) for m in changes] == [(1, True), (0, False)]
    assert [c for c in dialogue.handler.calls if c[0] == "undeploy"] == [
        ("undeploy", "second"),
        ("undeploy", "first"),
    ]
    assert all(a.state_change_result == StateChangeResult.NO_ERROR for a in acks)
    assert dialogue.driver.model.instances[instance_id].deploy_state == DeployState.UNDEPLOYED


async def _held_and_done(dialogue: Dialogue) -> tuple[UUID, ElementSpec, ElementSpec]:
    """An instance of two elements: "first" (whose deploy the handler holds) and "other"."""
    composition_id, instance_id = uuid4(), uuid4()
    await dialogue.driver.prime(composition_id, PARTICIPANT, [template("first"), template("other")])
    held = ElementSpec(ToscaConceptIdentifier(name="first", version="1.0.0"))
    done = ElementSpec(ToscaConceptIdentifier(name="other", version="1.0.0"))
    dialogue.driver.add_instance(instance_id, composition_id, [held, done])
    return instance_id, held, done


@pytest.mark.parametrize("handler", [Handler(hold="first")])
async def test_driver_deploy_raises_ack_timeout_naming_element_when_one_never_acks(
    dialogue: Dialogue,
):
    instance_id, held, done = await _held_and_done(dialogue)
    with pytest.raises(AckTimeout) as caught:
        await dialogue.driver.deploy(instance_id, timeout=0.5)
    assert caught.value.missing == [held.element_id]
    assert f"{held.element_id} (first 1.0.0)" in str(caught.value)
    assert str(done.element_id) not in str(caught.value)


@pytest.mark.parametrize("handler", [Handler(hold="first")])
async def test_driver_restart_sync_reports_deploying_when_a_deploy_was_sent_and_not_acked(
    dialogue: Dialogue,
):
    instance_id, held, done = await _held_and_done(dialogue)
    with pytest.raises(AckTimeout):
        await dialogue.driver.deploy(instance_id, timeout=0.5)
    (sync,) = await dialogue.driver.sync_restart(PARTICIPANT)
    (instance,) = sync.automation_composition_list
    states = {e.id: e.deploy_state for e in instance.ac_element_list}
    assert states == {held.element_id: DeployState.DEPLOYING, done.element_id: DeployState.DEPLOYED}


async def test_driver_status_request_returns_the_participants_status(dialogue: Dialogue):
    status = await dialogue.driver.status_request(PARTICIPANT)
    assert status.participant_id == PARTICIPANT


async def test_driver_received_holds_only_participant_messages_when_topics_carry_both(
    dialogue: Dialogue,
):
    await dialogue.driver.prime(uuid4(), PARTICIPANT, [template("first")])
    kinds = {m.message_type.value for m in dialogue.driver.received}
    assert "PARTICIPANT_PRIME" not in kinds
    assert {"PARTICIPANT_REGISTER", "PARTICIPANT_PRIME_ACK"} <= kinds


async def test_driver_skips_and_logs_undecodable_record_with_its_offset_when_consuming(
    dialogue: Dialogue, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING, logger="acm_participant.sim.driver")
    garbage = dialogue.broker.publish(OP, b"{not json")
    status = await dialogue.driver.status_request(PARTICIPANT)  # later records still arrive
    assert status.participant_id == PARTICIPANT
    assert [r.offset for r in dialogue.driver.undecodable] == [garbage.offset]
    assert f"{OP} partition 0 offset {garbage.offset}" in caplog.text


async def test_driver_logs_and_keeps_a_bounded_share_of_a_flood_of_undecodable_records(
    dialogue: Dialogue, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING)
    flood = [dialogue.broker.publish(OP, b"{not json") for _ in range(500)]
    status = await dialogue.driver.status_request(PARTICIPANT)
    assert status.participant_id == PARTICIPANT
    skipped = [
        r
        for r in caplog.records
        if r.name.startswith("acm_participant.sim") and "undecodable record" in r.getMessage()
    ]
    assert len(skipped) == 10  # the rest are counted, not logged one by one
    kept = [r.offset for r in dialogue.driver.undecodable]
    assert kept == [r.offset for r in flood[-len(kept) :]]
    assert len(kept) == 100


async def test_driver_sends_restart_sync_when_known_participant_registers_new_replica(
    dialogue: Dialogue,
):
    instance_id, _ = await primed_and_added(dialogue)
    await dialogue.driver.deploy_all_phases(instance_id)
    since = len(dialogue.broker.published(SYNC))
    new_replica = uuid4()
    register_again = dialogue.driver.received[0].model_copy(
        update={"replica_id": new_replica, "message_id": uuid4()}
    )
    dialogue.broker.publish(OP, encode(register_again))
    # the driver answers before it files the REGISTER, so both answers are out once it is seen
    await dialogue.driver.expect(type(register_again), where=lambda m: m.replica_id == new_replica)
    kinds = [json.loads(r.value) for r in dialogue.broker.published(SYNC)[since:]]
    assert [k["messageType"] for k in kinds] == [
        "PARTICIPANT_SYNC_MSG",
        "PARTICIPANT_REGISTER_ACK",
    ]
    assert kinds[0]["restarting"] is True
    assert kinds[0]["replicaId"] == str(new_replica)
    assert kinds[0]["automationcompositionList"][0]["automationCompositionId"] == str(instance_id)
