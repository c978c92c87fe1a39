"""Every message type survives encode then decode unchanged, with every member populated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from acm_participant.protocol import (
    AcElementDeploy,
    AcElementDeployAck,
    AcElementRestart,
    AcTypeState,
    AutomationCompositionDeploy,
    AutomationCompositionDeployAck,
    AutomationCompositionElementDefinition,
    AutomationCompositionElementInfo,
    AutomationCompositionInfo,
    AutomationCompositionMigration,
    AutomationCompositionPrepare,
    AutomationCompositionStateChange,
    CompositionDto,
    CompositionElementDto,
    DeployOrder,
    DeployState,
    ElementDto,
    ElementState,
    InstanceElementDto,
    LockOrder,
    LockState,
    MessageType,
    MigrationState,
    ParticipantAckMessage,
    ParticipantDefinition,
    ParticipantDeploy,
    ParticipantDeregister,
    ParticipantDeregisterAck,
    ParticipantDto,
    ParticipantMessage,
    ParticipantPrime,
    ParticipantPrimeAck,
    ParticipantPrimeDto,
    ParticipantRegister,
    ParticipantRegisterAck,
    ParticipantReqSync,
    ParticipantRestart,
    ParticipantRestartAc,
    ParticipantStateChange,
    ParticipantStatus,
    ParticipantStatusReq,
    ParticipantSupportedElementType,
    ParticipantSync,
    PrimeElementAck,
    PrimeOrder,
    PropertiesUpdate,
    StateChangeResult,
    ToscaConceptIdentifier,
    ToscaNodeTemplate,
    decode,
    encode,
)

PARTICIPANT, REPLICA, COMPOSITION, INSTANCE, ELEMENT = (uuid4() for _ in range(5))
DEFINITION = ToscaConceptIdentifier(name="ac.element.Kserve", version="1.2.3")
PROPERTIES = {
    "startPhase": 1,
    "stage": {"migrate": [0, 2], "prepare": [0, 1]},
    "kserveInferenceEntities": [{"name": "iris", "payload": '{"kind": "InferenceService"}'}],
}
ENVELOPE: dict[str, Any] = {
    "timestamp": datetime(2026, 9, 1, 8, 15, 30, 250348, tzinfo=UTC),
    "participant_id": PARTICIPANT,
    "replica_id": REPLICA,
    "automation_composition_id": INSTANCE,
    "composition_id": COMPOSITION,
    "revision_id_composition": uuid4(),
    "revision_id_instance": uuid4(),
    "participant_id_list": [PARTICIPANT, uuid4()],
}
ACK_ENVELOPE: dict[str, Any] = {
    "response_to": uuid4(),
    "timestamp": datetime(2026, 9, 1, 8, 15, 31, 1000, tzinfo=UTC),
    "state_change_result": StateChangeResult.FAILED,
    "message": "Failed: reason",
    "composition_id": COMPOSITION,
    "participant_id": PARTICIPANT,
    "replica_id": REPLICA,
}


def supported() -> list[ParticipantSupportedElementType]:
    return [ParticipantSupportedElementType(type_name="org.onap.X", type_version="1.0.1")]


def definitions() -> list[ParticipantDefinition]:
    template = ToscaNodeTemplate(
        name=DEFINITION.name,
        version=DEFINITION.version,
        derived_from="tosca.nodes.Root",
        metadata={"primeTimeoutMs": 1000},
        description="Kserve element",
        type="org.onap.policy.clamp.acm.KserveAutomationCompositionElement",
        type_version="1.0.1",
        properties=PROPERTIES,
        requirements=[{"host": {"node": "x"}}],
        capabilities={"feature": {"properties": {"a": 1}}},
    )
    element = AutomationCompositionElementDefinition(
        ac_element_definition_id=DEFINITION,
        automation_composition_element_tosca_node_template=template,
        out_properties={"url": "http://iris"},
    )
    return [
        ParticipantDefinition(
            participant_id=PARTICIPANT, automation_composition_element_definition_list=[element]
        )
    ]


def deploys(order: DeployOrder) -> list[ParticipantDeploy]:
    element = AcElementDeploy(
        id=ELEMENT,
        definition=DEFINITION,
        ordered_state=order,
        migration_state=MigrationState.NEW,
        properties=PROPERTIES,
    )
    return [ParticipantDeploy(participant_id=PARTICIPANT, ac_element_list=[element])]


def dtos() -> list[ParticipantDto]:
    composition = CompositionElementDto(
        composition_id=COMPOSITION,
        element_definition_id=DEFINITION,
        in_properties=PROPERTIES,
        out_properties={"o": 1},
        state=ElementState.PRESENT,
    )
    instance = InstanceElementDto(
        instance_id=INSTANCE,
        element_id=ELEMENT,
        in_properties={"p": [1, 2]},
        out_properties={},
        state=ElementState.NEW,
    )
    element = ElementDto(
        composition_element=composition,
        instance_element=instance,
        composition_element_target=composition,
        instance_element_target=instance,
    )
    return [ParticipantDto(participant_id=PARTICIPANT, element_dtos=[element])]


def restart_acs() -> list[ParticipantRestartAc]:
    element = AcElementRestart(
        id=ELEMENT,
        definition=DEFINITION,
        participant_id=PARTICIPANT,
        deploy_state=DeployState.DEPLOYED,
        lock_state=LockState.LOCKED,
        migration_state=MigrationState.DEFAULT,
        operational_state="ENABLED",
        use_state="IDLE",
        properties=PROPERTIES,
        out_properties={"ready": True},
    )
    return [
        ParticipantRestartAc(
            automation_composition_id=INSTANCE,
            deploy_state=DeployState.DEPLOYED,
            lock_state=LockState.LOCKED,
            state_change_result=StateChangeResult.TIMEOUT,
            revision_id=uuid4(),
            composition_target_id=uuid4(),
            ac_element_list=[element],
        )
    ]


Build = Callable[[], ParticipantMessage | ParticipantAckMessage]

BUILDERS: dict[MessageType, Build] = {
    MessageType.PARTICIPANT_REGISTER: lambda: ParticipantRegister(
        **ENVELOPE, participant_supported_element_type=supported(), intermediary_version="1.0"
    ),
    MessageType.PARTICIPANT_REGISTER_ACK: lambda: ParticipantRegisterAck(**ACK_ENVELOPE),
    MessageType.PARTICIPANT_DEREGISTER: lambda: ParticipantDeregister(**ENVELOPE),
    MessageType.PARTICIPANT_DEREGISTER_ACK: lambda: ParticipantDeregisterAck(**ACK_ENVELOPE),
    MessageType.PARTICIPANT_STATUS: lambda: ParticipantStatus(
        **ENVELOPE,
        participant_definition_updates=definitions(),
        automation_composition_info_list=[
            AutomationCompositionInfo(
                automation_composition_id=INSTANCE,
                deploy_state=DeployState.DEPLOYING,
                lock_state=LockState.NONE,
                elements=[
                    AutomationCompositionElementInfo(
                        automation_composition_element_id=ELEMENT,
                        deploy_state=DeployState.DEPLOYED,
                        lock_state=LockState.LOCKED,
                        operational_state="ENABLED",
                        use_state="IDLE",
                        out_properties={"ready": True},
                    )
                ],
            )
        ],
        participant_supported_element_type=supported(),
    ),
    MessageType.PARTICIPANT_STATUS_REQ: lambda: ParticipantStatusReq(**ENVELOPE),
    MessageType.PARTICIPANT_PRIME: lambda: ParticipantPrime(
        **ENVELOPE,
        participant_definition_updates=definitions(),
        prime_dto_list=[
            ParticipantPrimeDto(
                participant_id=PARTICIPANT,
                composition_dto=CompositionDto(
                    composition_id=COMPOSITION,
                    in_properties_map={DEFINITION: PROPERTIES},
                    out_properties_map={DEFINITION: {}},
                ),
            )
        ],
        prime_order=PrimeOrder.DEPRIME,
    ),
    MessageType.PARTICIPANT_PRIME_ACK: lambda: ParticipantPrimeAck(
        **ACK_ENVELOPE,
        composition_state=AcTypeState.COMMISSIONED,
        out_properties_list=[
            PrimeElementAck(element_definition_id=DEFINITION, out_properties={"a": 1})
        ],
    ),
    MessageType.AUTOMATION_COMPOSITION_DEPLOY: lambda: AutomationCompositionDeploy(
        **ENVELOPE,
        participant_updates_list=deploys(DeployOrder.DEPLOY),
        start_phase=2,
        first_start_phase=False,
        participant_dto_list=dtos(),
    ),
    MessageType.AUTOMATION_COMPOSITION_DEPLOY_ACK: lambda: AutomationCompositionDeployAck(
        **ACK_ENVELOPE,
        message_type=MessageType.AUTOMATION_COMPOSITION_DEPLOY_ACK,
        automation_composition_id=INSTANCE,
        stage=2,
        out_properties_updated=True,
        automation_composition_result_map={
            ELEMENT: AcElementDeployAck(
                deploy_state=DeployState.MIGRATING,
                lock_state=LockState.LOCKED,
                operational_state="ENABLED",
                use_state="IDLE",
                out_properties={"a": [1, {"b": "c"}]},
                result=True,
                message="stage 0 done",
            )
        },
    ),
    MessageType.AUTOMATION_COMPOSITION_STATECHANGE_ACK: lambda: AutomationCompositionDeployAck(
        **ACK_ENVELOPE,
        automation_composition_id=INSTANCE,
        automation_composition_result_map={
            ELEMENT: AcElementDeployAck(
                deploy_state=DeployState.UNDEPLOYED, lock_state=LockState.NONE
            )
        },
    ),
    MessageType.AUTOMATION_COMPOSITION_STATE_CHANGE: lambda: AutomationCompositionStateChange(
        **ENVELOPE,
        deploy_ordered_state=DeployOrder.NONE,
        lock_ordered_state=LockOrder.UNLOCK,
        start_phase=1,
        first_start_phase=False,
        participant_dto_list=dtos(),
    ),
    MessageType.PROPERTIES_UPDATE: lambda: PropertiesUpdate(
        **ENVELOPE,
        participant_updates_list=deploys(DeployOrder.UPDATE),
        rollback=True,
        participant_dto_list=dtos(),
    ),
    MessageType.AUTOMATION_COMPOSITION_MIGRATION: lambda: AutomationCompositionMigration(
        **ENVELOPE,
        composition_target_id=uuid4(),
        revision_id_composition_target=uuid4(),
        participant_updates_list=deploys(DeployOrder.MIGRATE),
        participant_dto_list=dtos(),
        precheck=True,
        rollback=True,
        first_stage=False,
        stage=2,
    ),
    MessageType.AUTOMATION_COMPOSITION_PREPARE: lambda: AutomationCompositionPrepare(
        **ENVELOPE,
        participant_list=deploys(DeployOrder.NONE),
        pre_deploy=False,
        stage=1,
        participant_dto_list=dtos(),
    ),
    MessageType.PARTICIPANT_SYNC_MSG: lambda: ParticipantSync(
        **ENVELOPE,
        state=AcTypeState.COMMISSIONED,
        participant_definition_updates=definitions(),
        automation_composition_list=restart_acs(),
        exclude_replicas=[REPLICA],
        restarting=True,
        delete=True,
        state_change_result=StateChangeResult.TIMEOUT,
    ),
    MessageType.PARTICIPANT_REQ_SYNC_MSG: lambda: ParticipantReqSync(
        **ENVELOPE, composition_target_id=uuid4()
    ),
    MessageType.PARTICIPANT_RESTART: lambda: ParticipantRestart(
        **ENVELOPE,
        state=AcTypeState.PRIMED,
        participant_definition_updates=definitions(),
        automation_composition_list=restart_acs(),
    ),
    MessageType.PARTICIPANT_STATE_CHANGE: lambda: ParticipantStateChange(**ENVELOPE),
}


def test_round_trip_covers_every_message_type():
    assert set(BUILDERS) == set(MessageType)
    assert {build().message_type for build in BUILDERS.values()} == set(MessageType)


@pytest.mark.parametrize("message_type", list(MessageType), ids=str)
def test_decode_returns_the_encoded_message_when_given_every_member(message_type):
    message = BUILDERS[message_type]()

    decoded = decode(encode(message))

    assert type(decoded) is type(message)
    assert decoded == message


@pytest.mark.parametrize("message_type", list(MessageType), ids=str)
def test_decode_returns_the_encoded_message_when_built_with_defaults_only(message_type):
    message = type(BUILDERS[message_type]())(message_type=message_type)

    assert decode(encode(message)) == message


def test_decode_accepts_str_and_bytes_alike():
    data = encode(BUILDERS[MessageType.PARTICIPANT_SYNC_MSG]())

    assert decode(data.decode()) == decode(data)


def test_element_ids_come_from_the_instance_element_then_its_target():
    target_only = ElementDto(instance_element_target=InstanceElementDto(element_id=ELEMENT))

    assert target_only.element_id == ELEMENT
    assert ElementDto().element_id is None
    assert dtos()[0].element_dtos[0].element_id == ELEMENT
