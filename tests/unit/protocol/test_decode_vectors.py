"""Decoding ONAP-shaped JSON: every message type of the spec, fields asserted."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from acm_participant.protocol import (
    AcTypeState,
    AutomationCompositionDeploy,
    AutomationCompositionDeployAck,
    AutomationCompositionMigration,
    AutomationCompositionPrepare,
    AutomationCompositionStateChange,
    DeployOrder,
    DeployState,
    ElementState,
    LockOrder,
    LockState,
    MessageType,
    MigrationState,
    ParticipantDeregister,
    ParticipantDeregisterAck,
    ParticipantPrime,
    ParticipantPrimeAck,
    ParticipantRegister,
    ParticipantRegisterAck,
    ParticipantReqSync,
    ParticipantRestart,
    ParticipantStateChange,
    ParticipantStatus,
    ParticipantStatusReq,
    ParticipantSync,
    PrimeOrder,
    PropertiesUpdate,
    StateChangeResult,
    ToscaConceptIdentifier,
    decode,
)
from tests.unit.protocol.vectors import (
    COMPOSITION,
    ELEMENT,
    INSTANCE,
    MESSAGE_VECTORS,
    PARTICIPANT,
    REPLICA,
    SAMPLES,
    SUPPORTED_TYPE,
    vector_bytes,
)

ACK_TYPE = MessageType
P = UUID(PARTICIPANT)
R = UUID(REPLICA)
C = UUID(COMPOSITION)
I = UUID(INSTANCE)  # noqa: E741
E = UUID(ELEMENT)
KSERVE = ToscaConceptIdentifier(name="ac.element.Kserve", version="1.2.3")
CAPTURES = ["participant-status-capture-1", "participant-status-capture-2"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_decode_reads_register_when_given_the_spec_example():
    message = decode(vector_bytes("participant_register"))

    assert isinstance(message, ParticipantRegister)
    assert message.message_type is MessageType.PARTICIPANT_REGISTER
    assert message.message_id == UUID("9c0e5f2a-7b31-4d8e-a6c4-2f1b3e5d7a90")
    assert message.timestamp == at("2026-09-01T08:15:30.250348")
    assert (message.participant_id, message.replica_id) == (P, R)
    assert message.participant_id_list == []
    [supported] = message.participant_supported_element_type
    assert supported.id == UUID(SUPPORTED_TYPE)
    assert supported.type_name == "org.onap.policy.clamp.acm.KserveAutomationCompositionElement"
    assert supported.type_version == "1.0.1"
    assert message.intermediary_version == "0.1.0"


def test_decode_reads_register_ack_when_given_the_spec_example():
    message = decode(vector_bytes("participant_register_ack"))

    assert isinstance(message, ParticipantRegisterAck)
    assert message.response_to == UUID("9c0e5f2a-7b31-4d8e-a6c4-2f1b3e5d7a90")
    assert message.timestamp == at("2026-09-01T08:15:30.612")
    assert message.message == "Participant Register Ack"
    assert (message.participant_id, message.replica_id) == (P, R)
    assert message.state_change_result is None


def test_decode_reads_deregister_and_its_ack_when_given_the_spec_examples():
    deregister = decode(vector_bytes("participant_deregister"))
    ack = decode(vector_bytes("participant_deregister_ack"))

    assert isinstance(deregister, ParticipantDeregister)
    assert deregister.message_id == UUID("0d4c7b1e-8f25-4a96-b3e0-c1d2e3f4a5b6")
    assert (deregister.participant_id, deregister.replica_id) == (P, R)
    assert isinstance(ack, ParticipantDeregisterAck)
    assert ack.response_to == deregister.message_id
    assert ack.message == "Participant Deregister Ack"
    assert ack.participant_id is None


def test_decode_reads_status_when_given_the_spec_example():
    message = decode(vector_bytes("participant_status"))

    assert isinstance(message, ParticipantStatus)
    assert message.composition_id == C
    assert message.participant_definition_updates == []
    [info] = message.automation_composition_info_list
    assert info.automation_composition_id == I
    assert (info.deploy_state, info.lock_state) == (DeployState.DEPLOYED, LockState.LOCKED)
    [element] = info.elements
    assert element.automation_composition_element_id == E
    assert (element.operational_state, element.use_state) == ("ENABLED", "IDLE")
    assert element.out_properties == {"iris": {"ready": True}}
    assert [t.type_version for t in message.participant_supported_element_type] == ["1.0.1"]


@pytest.mark.parametrize(
    "capture", ["participant-status-capture-1", "participant-status-capture-2"]
)
def test_decode_reads_status_when_captured_from_a_java_participant(capture):
    message = decode((SAMPLES / f"{capture}.json").read_bytes())

    assert isinstance(message, ParticipantStatus)
    # nanosecond instants keep their microseconds; the legacy "state" member is ignored
    assert message.timestamp.microsecond in (87474, 117716)
    assert message.timestamp.tzinfo is UTC
    assert message.participant_id is not None
    assert message.replica_id is not None
    assert message.automation_composition_info_list == []
    [supported] = message.participant_supported_element_type
    assert supported.type_name.startswith("org.onap.policy.clamp.acm.")
    assert "state" not in type(message).model_fields


def test_decode_reads_status_req_when_given_the_spec_example():
    message = decode(vector_bytes("participant_status_req"))

    assert isinstance(message, ParticipantStatusReq)
    assert message.message_id == UUID("7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918")
    assert message.participant_id is None
    assert message.participant_id_list == []


def test_decode_reads_prime_when_given_the_spec_example():
    message = decode(vector_bytes("participant_prime"))

    assert isinstance(message, ParticipantPrime)
    assert message.composition_id == C
    assert message.revision_id_composition == UUID("aa11bb22-cc33-4d44-8e55-ff6677889900")
    assert message.participant_id_list == [P]
    assert message.prime_order is PrimeOrder.PRIME
    [definition] = message.participant_definition_updates
    assert definition.participant_id == P
    [element] = definition.automation_composition_element_definition_list
    assert element.ac_element_definition_id == KSERVE
    template = element.automation_composition_element_tosca_node_template
    assert template is not None
    assert template.type == "org.onap.policy.clamp.acm.KserveAutomationCompositionElement"
    assert template.type_version == "1.0.1"
    assert template.properties == {
        "startPhase": 0,
        "statusCheckInterval": 30,
        "kserveInferenceEntities": [],
    }
    [dto] = message.prime_dto_list
    assert dto.participant_id == P
    assert dto.composition_dto is not None
    assert dto.composition_dto.in_properties_map[KSERVE]["statusCheckInterval"] == 30
    assert dto.composition_dto.out_properties_map == {KSERVE: {}}


def test_decode_reads_prime_ack_when_given_the_spec_example():
    message = decode(vector_bytes("participant_prime_ack"))

    assert isinstance(message, ParticipantPrimeAck)
    assert message.response_to == UUID("1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081")
    assert message.state_change_result is StateChangeResult.NO_ERROR
    assert message.composition_state is AcTypeState.PRIMED
    assert message.composition_id == C
    assert message.message == "Primed"
    assert message.out_properties_list == []


def test_decode_reads_deploy_when_given_the_spec_example():
    message = decode(vector_bytes("automation_composition_deploy"))

    assert isinstance(message, AutomationCompositionDeploy)
    assert (message.automation_composition_id, message.composition_id) == (I, C)
    assert message.revision_id_instance == UUID("dd44ee55-ff66-4077-8899-aabbccddeeff")
    assert (message.start_phase, message.first_start_phase) == (0, True)
    [update] = message.participant_updates_list
    [element] = update.ac_element_list
    assert (element.id, element.definition) == (E, KSERVE)
    assert element.ordered_state is DeployOrder.DEPLOY
    assert element.migration_state is MigrationState.DEFAULT
    entity = element.properties["kserveInferenceEntities"][0]
    assert entity == {"name": "iris", "namespace": "models", "payload": "{}"}
    [dto] = message.participant_dto_list
    [element_dto] = dto.element_dtos
    assert element_dto.element_id == E
    assert element_dto.composition_element is not None
    assert element_dto.composition_element.in_properties == {
        "startPhase": 0,
        "statusCheckInterval": 30,
    }
    assert element_dto.instance_element is None
    target = element_dto.instance_element_target
    assert target is not None
    assert (target.instance_id, target.state) == (I, ElementState.PRESENT)


@pytest.mark.parametrize(
    ("vector", "message_type"),
    [
        (
            "automation_composition_statechange_ack",
            MessageType.AUTOMATION_COMPOSITION_STATECHANGE_ACK,
        ),
        ("automation_composition_deploy_ack", MessageType.AUTOMATION_COMPOSITION_DEPLOY_ACK),
    ],
)
def test_decode_reads_element_acks_into_one_class_when_given_either_ack_type(vector, message_type):
    message = decode(vector_bytes(vector))

    assert isinstance(message, AutomationCompositionDeployAck)
    assert message.message_type is message_type
    assert message.response_to == UUID("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d")
    assert message.automation_composition_id == I
    assert message.state_change_result is StateChangeResult.NO_ERROR
    assert message.out_properties_updated is True
    assert message.stage is None
    entry = message.automation_composition_result_map[E]
    assert (entry.deploy_state, entry.lock_state) == (DeployState.DEPLOYED, LockState.LOCKED)
    assert entry.out_properties == {"iris": {"ready": True}}
    assert (entry.result, entry.message) == (True, "Deployed")


def test_decode_reads_state_change_when_given_the_spec_example():
    message = decode(vector_bytes("automation_composition_state_change"))

    assert isinstance(message, AutomationCompositionStateChange)
    assert message.deploy_ordered_state is DeployOrder.UNDEPLOY
    assert message.lock_ordered_state is LockOrder.NONE
    assert (message.start_phase, message.first_start_phase) == (0, True)
    assert message.revision_id_instance == UUID("ee55ff66-0077-4188-99aa-bbccddeeff00")
    assert message.participant_dto_list == []


def test_decode_reads_properties_update_when_given_the_spec_example():
    message = decode(vector_bytes("properties_update"))

    assert isinstance(message, PropertiesUpdate)
    assert message.rollback is False
    [element] = message.participant_updates_list[0].ac_element_list
    assert element.ordered_state is DeployOrder.UPDATE
    assert element.properties == {"kserveInferenceEntities": []}


def test_decode_reads_migration_when_given_the_spec_example():
    message = decode(vector_bytes("automation_composition_migration"))

    assert isinstance(message, AutomationCompositionMigration)
    assert message.composition_target_id == UUID("c0ffee00-5678-4abc-8def-0123456789ab")
    assert message.revision_id_composition_target is None
    assert (message.precheck, message.rollback, message.first_stage) == (False, False, True)
    assert message.stage == 0
    [element] = message.participant_updates_list[0].ac_element_list
    assert element.definition == ToscaConceptIdentifier(name="ac.element.Kserve", version="1.2.4")
    assert element.ordered_state is DeployOrder.MIGRATE


def test_decode_reads_prepare_when_given_the_spec_example():
    message = decode(vector_bytes("automation_composition_prepare"))

    assert isinstance(message, AutomationCompositionPrepare)
    assert (message.pre_deploy, message.stage) == (True, 0)
    [participant] = message.participant_list
    assert participant.participant_id == P
    [element] = participant.ac_element_list
    assert element.ordered_state is DeployOrder.NONE
    assert element.properties == {}


def test_decode_reads_sync_when_given_the_spec_example():
    message = decode(vector_bytes("participant_sync_msg"))

    assert isinstance(message, ParticipantSync)
    assert message.state is AcTypeState.PRIMED
    assert (message.restarting, message.delete) == (False, False)
    assert message.exclude_replicas == []
    assert message.state_change_result is None
    [instance] = message.automation_composition_list
    assert instance.automation_composition_id == I
    assert instance.revision_id == UUID("ff66aa77-1188-4299-8aab-bbccddeeff11")
    assert instance.state_change_result is StateChangeResult.NO_ERROR
    [element] = instance.ac_element_list
    assert (element.id, element.participant_id) == (E, P)
    assert (element.deploy_state, element.lock_state) == (DeployState.DEPLOYED, LockState.LOCKED)
    assert element.migration_state is MigrationState.DEFAULT


def test_decode_reads_req_sync_when_given_the_spec_example():
    message = decode(vector_bytes("participant_req_sync_msg"))

    assert isinstance(message, ParticipantReqSync)
    assert (message.participant_id, message.replica_id, message.composition_id) == (P, R, C)
    assert message.automation_composition_id is None
    assert message.composition_target_id is None


def test_decode_reads_restart_when_sent_by_a_7x_runtime():
    message = decode(vector_bytes("participant_restart"))

    assert isinstance(message, ParticipantRestart)
    assert message.state is AcTypeState.PRIMED
    assert message.timestamp == at("2024-05-16T10:15:30.451")
    [instance] = message.automation_composition_list
    assert instance.automation_composition_id == I
    assert instance.ac_element_list == []


def test_decode_reads_state_change_envelope_when_given_the_retired_type():
    message = decode(vector_bytes("participant_state_change"))

    assert isinstance(message, ParticipantStateChange)
    assert message.participant_id == P


def test_every_message_type_has_a_vector():
    decoded_types = {decode(vector_bytes(name)).message_type for name in MESSAGE_VECTORS}

    assert decoded_types == set(MessageType)
