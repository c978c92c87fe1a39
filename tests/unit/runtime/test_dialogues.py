"""Dialogues with the runtime through the in-memory broker: what ACM-R sends, what comes back."""

from __future__ import annotations

from uuid import UUID, uuid4

from acm_participant.protocol import (
    AcElementDeploy,
    AutomationCompositionDeploy,
    AutomationCompositionDeployAck,
    AutomationCompositionElementDefinition,
    DeployState,
    LockState,
    ParticipantDefinition,
    ParticipantDeploy,
    ParticipantPrime,
    ParticipantPrimeAck,
    ParticipantRegister,
    ParticipantStatus,
    StateChangeResult,
    ToscaConceptIdentifier,
    ToscaNodeTemplate,
)

from .builders import PARTICIPANT_ID, RecordingHandler

DEFINITION = ToscaConceptIdentifier(name="onap.element.Example", version="1.2.3")


def prime_message(
    composition_id: UUID, properties: dict[str, object] | None = None
) -> ParticipantPrime:
    return ParticipantPrime(
        composition_id=composition_id,
        revision_id_composition=uuid4(),
        participant_id_list=[PARTICIPANT_ID],
        participant_definition_updates=[
            ParticipantDefinition(
                participant_id=PARTICIPANT_ID,
                automation_composition_element_definition_list=[
                    AutomationCompositionElementDefinition(
                        ac_element_definition_id=DEFINITION,
                        automation_composition_element_tosca_node_template=ToscaNodeTemplate(
                            name=DEFINITION.name,
                            version=DEFINITION.version,
                            type="org.example.Element",
                            type_version="1.0.0",
                            properties=properties or {"color": "blue", "startPhase": 0},
                        ),
                    )
                ],
            )
        ],
    )


async def test_runtime_registers_then_sends_status_when_acked(peer_and_runtime):
    runtime, peer = await peer_and_runtime(register=False)
    register = await peer.register()
    status = await peer.expect(ParticipantStatus)
    assert register.replica_id == runtime.replica_id
    assert status.replica_id == runtime.replica_id
    assert runtime.health().registered


async def test_runtime_resends_register_when_no_ack_arrives(peer_and_runtime):
    _runtime, peer = await peer_and_runtime(register=False)
    first = await peer.expect(ParticipantRegister)
    second = await peer.expect(ParticipantRegister)
    assert first.message_id != second.message_id


async def test_prime_then_deploy_acks_deployed_when_handler_succeeds(peer_and_runtime):
    handler = RecordingHandler()
    _runtime, peer = await peer_and_runtime(handler)
    composition_id, instance_id, element_id = uuid4(), uuid4(), uuid4()
    prime = prime_message(composition_id)
    await peer.send(prime)
    ack = await peer.expect(ParticipantPrimeAck)
    assert ack.response_to == prime.message_id
    assert ack.state_change_result is StateChangeResult.NO_ERROR

    deploy = AutomationCompositionDeploy(
        composition_id=composition_id,
        automation_composition_id=instance_id,
        participant_id_list=[PARTICIPANT_ID],
        participant_updates_list=[
            ParticipantDeploy(
                participant_id=PARTICIPANT_ID,
                ac_element_list=[
                    AcElementDeploy(id=element_id, definition=DEFINITION, properties={"size": 2})
                ],
            )
        ],
    )
    await peer.send(deploy)
    deployed = await peer.expect(AutomationCompositionDeployAck)
    entry = deployed.automation_composition_result_map[element_id]
    assert (entry.deploy_state, entry.lock_state) == (DeployState.DEPLOYED, LockState.LOCKED)
    assert deployed.response_to == deploy.message_id
    call = handler.calls[-1]
    assert call.operation == "deploy"
    assert call.composition.properties["color"] == "blue"
    assert call.instance.properties == {"size": 2}
