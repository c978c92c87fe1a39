"""Conformance C1-C13 (encoding, filtering) on the real Kafka broker."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from acm_participant.protocol import (
    AnyMessage,
    AutomationCompositionDeployAck,
    DeployOrder,
    ParticipantPrime,
    ParticipantPrimeAck,
    ParticipantRegister,
    ParticipantRegisterAck,
    ParticipantReqSync,
    ParticipantStatus,
    ParticipantStatusReq,
    PrimeElementAck,
    encode,
)
from acm_participant.protocol.enums import (
    AcTypeState,
    DeployState,
    LockState,
    MessageType,
    StateChangeResult,
)
from acm_participant.runtime import ParticipantRuntime
from tests.integration.conformance_harness import (
    deployed,
    element_acks,
    prime,
    raw,
    states,
)
from tests.unit.runtime.builders import (
    OTHER_PARTICIPANT,
    PARTICIPANT_ID,
    RecordingHandler,
    World,
)

pytestmark = pytest.mark.integration

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INSTANT_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.(\d{3}|\d{6}|\d{9}))?Z$")


def nulls_in(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(nulls_in(v) for v in value.values())
    if isinstance(value, list):
        return any(nulls_in(v) for v in value)
    return False


async def test_c1_requests_have_type_fresh_lowercase_id_and_z_timestamp(harness):
    runtime, peer = await harness.participant(register=False)
    register = await peer.register(replica_id=runtime.replica_id)
    status = await peer.expect(ParticipantStatus)
    bodies = [raw(peer, register), raw(peer, status)]
    for body in bodies:
        assert body["messageType"] in {"PARTICIPANT_REGISTER", "PARTICIPANT_STATUS"}
        assert UUID_RE.match(body["messageId"])
        assert INSTANT_RE.match(body["timestamp"])
    assert bodies[0]["messageId"] != bodies[1]["messageId"]


async def test_c2_acks_have_response_to_and_timestamp_but_no_message_id_result_or_state(harness):
    _runtime, peer = await harness.participant()
    world = World()
    prime_ack = await prime(peer, world)
    await peer.send(world.deploy())
    (deploy_ack,) = await element_acks(peer, 1)
    for body in (raw(peer, prime_ack), raw(peer, deploy_ack)):
        assert UUID_RE.match(body["responseTo"])
        assert INSTANT_RE.match(body["timestamp"])
        assert "messageId" not in body
        assert "result" not in body
        assert "state" not in body


async def test_c3_no_nulls_and_empty_lists_and_maps_are_written(harness):
    runtime, peer = await harness.participant(register=False)
    register = await peer.register(replica_id=runtime.replica_id)
    status = await peer.expect(ParticipantStatus)
    world = World()
    acks = await deployed(peer, world)
    bodies = [raw(peer, register), raw(peer, status), raw(peer, acks[0])]
    assert not any(nulls_in(body) for body in bodies)
    assert bodies[0]["participantIdList"] == []
    assert bodies[1]["participantDefinitionUpdates"] == []
    assert bodies[1]["automationCompositionInfoList"] == []
    (entry,) = bodies[2]["automationCompositionResultMap"].values()
    assert entry["outProperties"] == {}


ALLOWED = {
    "deployState": {s.value for s in DeployState} - {"UPDATE_REVERTING"},
    "lockState": {s.value for s in LockState},
    "stateChangeResult": {"NO_ERROR", "FAILED"},
    "compositionState": {"PRIMED", "COMMISSIONED"},
    "messageType": {t.value for t in MessageType},
}


def enum_values(value: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ALLOWED:
                found.append((key, item))
            found.extend(enum_values(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(enum_values(item))
    return found


async def test_c4_only_known_enum_strings_and_never_timeout(harness):
    handler = RecordingHandler(fail={"undeploy": "cannot"})
    _runtime, peer = await harness.participant(handler)
    world = World()
    await deployed(peer, world)
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    (failed,) = await element_acks(peer, 1)
    assert states(failed) == ("DEPLOYED", "LOCKED", "FAILED")
    seen = [pair for record, _m in peer.received for pair in enum_values(json.loads(record.value))]
    assert seen
    for key, value in seen:
        assert value in ALLOWED[key], (key, value)


async def test_c5_unknown_members_are_ignored_on_decode(harness):
    _runtime, peer = await harness.participant()
    world = World()
    await prime(peer, world)
    body = json.loads(encode(world.deploy()))
    body.update(
        partitionKey=str(world.composition_id),
        state="ON_LINE",
        result=True,
        toscaServiceTemplateFragment={"tosca_definitions_version": "x"},
        someFutureMember={"nested": [1, 2]},
    )
    body["participantUpdatesList"][0]["acElementList"][0]["toscaServiceTemplateFragment"] = {}
    await peer.send_raw(json.dumps(body).encode())
    (ack,) = await element_acks(peer, 1)
    assert states(ack) == ("DEPLOYED", "LOCKED", "NO_ERROR")


async def test_c6_explicit_nulls_and_absent_members_decode_alike(harness):
    _runtime, peer = await harness.participant()
    world = World()
    prime_body = json.loads(encode(world.prime()))
    prime_body.update(revisionIdComposition=None, primeDtoList=None, automationCompositionId=None)
    await peer.send_raw(json.dumps(prime_body).encode())
    ack = await peer.expect(ParticipantPrimeAck)
    assert ack.composition_state is AcTypeState.PRIMED
    deploy_body = json.loads(encode(world.deploy()))
    deploy_body.update(participantDtoList=None, revisionIdInstance=None, startPhase=None)
    deploy_body["participantUpdatesList"][0]["acElementList"][0]["properties"] = None
    await peer.send_raw(json.dumps(deploy_body).encode())
    (deployed_ack,) = await element_acks(peer, 1)
    assert states(deployed_ack) == ("DEPLOYED", "LOCKED", "NO_ERROR")


async def test_c7_deploy_for_another_participant_is_neither_answered_nor_cached(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World()
    await prime(peer, world)
    other = World(
        participant_id=OTHER_PARTICIPANT,
        composition_id=world.composition_id,
        elements=world.elements,
    )
    await peer.send(other.deploy(participant_id=OTHER_PARTICIPANT, participant_id_list=[]))
    assert await peer.probe() == []
    assert "deploy" not in handler.ops()
    # Not cached: a DELETE of that instance is answered as for an instance never held.
    await peer.send(world.state_change(deploy=DeployOrder.DELETE, participant_id_list=[]))
    (ack,) = await element_acks(peer, 1)
    assert ack.automation_composition_result_map == {}


async def test_c8_a_participant_id_list_without_me_excludes_me(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World()
    await prime(peer, world)
    await peer.send(world.deploy(participant_id_list=[OTHER_PARTICIPANT]))
    assert await peer.probe() == []
    assert "deploy" not in handler.ops()


async def test_c9_other_replica_id_is_ignored_and_no_replica_id_reaches_every_replica(harness):
    first, peer = await harness.participant()
    second, _ = await harness.participant(peer=peer)

    def status_of(replica: ParticipantRuntime) -> Callable[[AnyMessage], bool]:
        return lambda m: isinstance(m, ParticipantStatus) and m.replica_id == replica.replica_id

    await peer.send(
        ParticipantStatusReq(participant_id=PARTICIPANT_ID, replica_id=second.replica_id)
    )
    # Only the first replica answers this one; had it answered the request above, that STATUS
    # would come first (one replica handles its messages in order).
    await peer.send(
        ParticipantStatusReq(participant_id=PARTICIPANT_ID, replica_id=first.replica_id)
    )
    before, _first_status = await peer.collect_until(ParticipantStatus, status_of(first))
    assert not [m for m in before if isinstance(m, ParticipantStatus) and status_of(first)(m)]
    if not [m for m in before if isinstance(m, ParticipantStatus) and status_of(second)(m)]:
        await peer.expect(ParticipantStatus, status_of(second))
    await peer.send(ParticipantStatusReq(participant_id=PARTICIPANT_ID))
    answered = {(await peer.expect(ParticipantStatus)).replica_id for _ in range(2)}
    assert answered == {first.replica_id, second.replica_id}


async def test_c10_undecodable_records_are_logged_with_position_and_skipped(harness, caplog):
    caplog.set_level(logging.WARNING, logger="acm_participant.runtime")
    _runtime, peer = await harness.participant()
    bad = [
        b"{not json",
        b'{"messageType":"NO_SUCH_TYPE"}',
        json.dumps({"messageType": "PARTICIPANT_PRIME", "compositionId": "not-a-uuid"}).encode(),
        json.dumps(
            {
                "messageType": "PARTICIPANT_PRIME",
                "primeOrder": "SOMETIMES",
                "compositionId": str(uuid4()),
            }
        ).encode(),
        json.dumps(
            {"messageType": "PARTICIPANT_STATUS_REQ", "timestamp": "2026-01-01T00:00:00"}
        ).encode(),
    ]
    for value in bad:
        await peer.send_raw(value)
    await peer.send_raw(bad[0], sync=True)
    assert await peer.probe() == []
    skipped = [r.getMessage() for r in caplog.records if "undecodable" in r.getMessage()]
    assert len(skipped) == len(bad) + 1
    assert all(re.search(r"topic=\S+ partition=\d+ offset=\d+", line) for line in skipped)


async def test_c11_participant_side_messages_are_dropped_silently(harness):
    runtime, peer = await harness.participant()
    world = World()
    ids = {"participant_id": PARTICIPANT_ID, "replica_id": runtime.replica_id}
    await peer.send(ParticipantRegister(**ids))
    await peer.send(ParticipantStatus(**ids))
    await peer.send(ParticipantPrimeAck(**ids, composition_id=world.composition_id))
    await peer.send(
        AutomationCompositionDeployAck(
            **ids,
            automation_composition_id=world.instance_id,
            message_type=MessageType.AUTOMATION_COMPOSITION_DEPLOY_ACK,
        )
    )
    await peer.send(
        AutomationCompositionDeployAck(**ids, automation_composition_id=world.instance_id)
    )
    await peer.send(ParticipantReqSync(**ids, composition_id=world.composition_id))
    await peer.send(ParticipantRegisterAck(participant_id=OTHER_PARTICIPANT, replica_id=uuid4()))
    # Our own REGISTER/STATUS went over the same topic: nothing answered any of them.
    assert await peer.probe() == []


async def test_c12_name_version_keys_round_trip_to_definitions(harness):
    handler = RecordingHandler()
    _runtime, peer = await harness.participant(handler)
    world = World()
    key = f"{world.elements[0].definition.name} {world.elements[0].definition.version}"
    message = ParticipantPrime.model_validate(
        {
            "messageType": "PARTICIPANT_PRIME",
            "compositionId": str(world.composition_id),
            "participantIdList": [str(PARTICIPANT_ID)],
            "primeOrder": "PRIME",
            "primeDtoList": [
                {
                    "participantId": str(PARTICIPANT_ID),
                    "compositionDto": {
                        "compositionId": str(world.composition_id),
                        "inPropertiesMap": {key: {"color": "red"}},
                        "outPropertiesMap": {key: {}},
                    },
                }
            ],
        }
    )
    await peer.send(message)
    ack = await peer.expect(ParticipantPrimeAck)
    assert ack.composition_state is AcTypeState.PRIMED
    (elements,) = [c.args[1] for c in handler.calls if c.operation == "prime"]
    assert [(e.definition_id.name, e.definition_id.version) for e in elements] == [
        (world.elements[0].definition.name, world.elements[0].definition.version)
    ]
    assert f"{elements[0].definition_id}" == key
    assert PrimeElementAck(element_definition_id=world.elements[0].definition).model_dump(
        mode="json", by_alias=True
    )["elementDefinitionId"] == {"name": key.split(" ", 1)[0], "version": key.split(" ", 1)[1]}


async def test_c13_records_are_keyed_by_composition_else_participant(harness):
    runtime, peer = await harness.participant(register=False)
    register = await peer.register(replica_id=runtime.replica_id)
    world = World()
    prime_ack = await prime(peer, world)
    register_record = peer.record_of(register)
    prime_record = peer.record_of(prime_ack)
    assert register_record.key == str(PARTICIPANT_ID).encode()
    assert prime_record.key == str(world.composition_id).encode()
    assert json.loads(prime_record.value.decode("utf-8"))["messageType"] == "PARTICIPANT_PRIME_ACK"
    assert StateChangeResult.NO_ERROR is prime_ack.state_change_result
