"""Encoding: what we write equals the spec's examples member by member (parsed JSON).

Differences from the examples are our documented decisions (docs/protocol.md): no
``partitionKey`` (a getter's output that every runtime ignores) and lists that are always
written, even when empty.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from acm_participant.protocol import (
    AcElementDeployAck,
    AcTypeState,
    AutomationCompositionDeployAck,
    AutomationCompositionElementInfo,
    AutomationCompositionInfo,
    DeployState,
    LockState,
    MessageType,
    ParticipantDeregister,
    ParticipantPrimeAck,
    ParticipantRegister,
    ParticipantReqSync,
    ParticipantStatus,
    ParticipantSupportedElementType,
    StateChangeResult,
    decode,
    encode,
)
from tests.unit.protocol.vectors import (
    COMPOSITION,
    ELEMENT,
    INSTANCE,
    MESSAGE_VECTORS,
    PARTICIPANT,
    REPLICA,
    SUPPORTED_TYPE,
    vector_json,
)

ACK_TYPE = MessageType
P = UUID(PARTICIPANT)
R = UUID(REPLICA)
C = UUID(COMPOSITION)
KSERVE_TYPE = ParticipantSupportedElementType(
    id=UUID(SUPPORTED_TYPE),
    type_name="org.onap.policy.clamp.acm.KserveAutomationCompositionElement",
    type_version="1.0.1",
)


def expected(name: str, **always_written: Any) -> dict[str, Any]:
    document = vector_json(name)
    document.pop("partitionKey", None)
    return {**document, **always_written}


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def written(message: Any) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(encode(message))
    return parsed


def test_encode_writes_register_as_the_spec_example_when_built_by_a_participant():
    message = ParticipantRegister(
        message_id=UUID("9c0e5f2a-7b31-4d8e-a6c4-2f1b3e5d7a90"),
        timestamp=when("2026-09-01T08:15:30.250348Z"),
        participant_id=P,
        replica_id=R,
        participant_supported_element_type=[KSERVE_TYPE],
        intermediary_version="0.1.0",
    )

    assert written(message) == expected("participant_register")


def test_encode_writes_deregister_as_the_spec_example_when_built_by_a_participant():
    message = ParticipantDeregister(
        message_id=UUID("0d4c7b1e-8f25-4a96-b3e0-c1d2e3f4a5b6"),
        timestamp=when("2026-09-01T18:00:00.500Z"),
        participant_id=P,
        replica_id=R,
    )

    assert written(message) == expected("participant_deregister")


def test_encode_writes_status_as_the_spec_example_when_built_by_a_participant():
    element = AutomationCompositionElementInfo(
        automation_composition_element_id=UUID(ELEMENT),
        deploy_state=DeployState.DEPLOYED,
        lock_state=LockState.LOCKED,
        operational_state="ENABLED",
        use_state="IDLE",
        out_properties={"iris": {"ready": True}},
    )
    message = ParticipantStatus(
        message_id=UUID("4e8f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"),
        timestamp=when("2026-09-01T08:31:00.001Z"),
        participant_id=P,
        replica_id=R,
        composition_id=C,
        automation_composition_info_list=[
            AutomationCompositionInfo(
                automation_composition_id=UUID(INSTANCE),
                deploy_state=DeployState.DEPLOYED,
                lock_state=LockState.LOCKED,
                elements=[element],
            )
        ],
        participant_supported_element_type=[KSERVE_TYPE],
    )

    assert written(message) == expected("participant_status")


def test_encode_writes_prime_ack_as_the_spec_example_when_built_by_a_participant():
    message = ParticipantPrimeAck(
        response_to=UUID("1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081"),
        timestamp=when("2026-09-01T08:20:01.377Z"),
        state_change_result=StateChangeResult.NO_ERROR,
        message="Primed",
        composition_id=C,
        participant_id=P,
        replica_id=R,
        composition_state=AcTypeState.PRIMED,
    )

    assert written(message) == expected("participant_prime_ack", outPropertiesList=[])


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
def test_encode_writes_element_ack_as_the_spec_example_when_built_by_a_participant(
    vector, message_type
):
    message = AutomationCompositionDeployAck(
        message_type=message_type,
        response_to=UUID("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"),
        timestamp=when("2026-09-01T08:30:41.908Z"),
        state_change_result=StateChangeResult.NO_ERROR,
        message="Deployed",
        participant_id=P,
        replica_id=R,
        automation_composition_id=UUID(INSTANCE),
        out_properties_updated=True,
        automation_composition_result_map={
            UUID(ELEMENT): AcElementDeployAck(
                deploy_state=DeployState.DEPLOYED,
                lock_state=LockState.LOCKED,
                operational_state="ENABLED",
                use_state="IDLE",
                out_properties={"iris": {"ready": True}},
                message="Deployed",
            )
        },
    )

    assert written(message) == expected(vector)


def test_encode_writes_req_sync_as_the_spec_example_when_built_by_a_participant():
    message = ParticipantReqSync(
        message_id=UUID("0f1a2b3c-4d5e-4f60-9a7b-8c9d0e1f2a3b"),
        timestamp=when("2026-09-01T08:30:00.090Z"),
        participant_id=P,
        replica_id=R,
        composition_id=C,
    )

    assert written(message) == expected("participant_req_sync_msg")


ALWAYS_WRITTEN: dict[str, dict[str, Any]] = {
    "participant_prime_ack": {"outPropertiesList": []},
    "participant_restart": {"participantIdList": []},
    "participant_state_change": {"participantIdList": []},
}


@pytest.mark.parametrize("name", MESSAGE_VECTORS)
def test_encode_writes_the_spec_example_back_when_given_its_decoded_message(name):
    assert written(decode(json.dumps(vector_json(name)))) == expected(
        name, **ALWAYS_WRITTEN.get(name, {})
    )
