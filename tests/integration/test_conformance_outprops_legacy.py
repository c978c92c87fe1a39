"""Conformance C62-C65 (outProperties, legacy Quebec inputs) on the real Kafka broker."""

from __future__ import annotations

import json
from typing import Any

import pytest

from acm_participant import ElementOutcome
from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    DeployOrder,
    ParticipantPrimeAck,
    ParticipantStatus,
    encode,
)
from tests.integration.conformance_harness import (
    Harness,
    element_acks,
    entry_of,
    prime,
    raw,
    states,
)
from tests.unit.runtime.builders import Element, RecordingHandler, World

pytestmark = pytest.mark.integration

OUTCOME = ElementOutcome(
    message="Deployed and serving",
    out_properties={"url": "http://iris.models", "ready": True},
    operational_state="ENABLED",
    use_state="IDLE",
)


async def deploy_with_out_properties(
    harness: Harness,
) -> tuple[World, ParticipantStatus, AutomationCompositionDeployAck, dict[str, Any]]:
    _runtime, peer = await harness.participant(RecordingHandler(outcomes={"deploy": OUTCOME}))
    world = World()
    await prime(peer, world)
    await peer.send(world.deploy())
    status = await peer.expect(
        ParticipantStatus, lambda s: bool(s.automation_composition_info_list)
    )
    (ack,) = await element_acks(peer, 1)
    return world, status, ack, raw(peer, status)


async def test_c62_element_info_is_a_status_with_one_instance_holding_one_element(harness):
    world, status, _ack, body = await deploy_with_out_properties(harness)
    assert status.composition_id == world.composition_id
    (info,) = body["automationCompositionInfoList"]
    assert info["automationCompositionId"] == str(world.instance_id)
    (element,) = info["elements"]
    assert element["automationCompositionElementId"] == str(world.elements[0].element_id)
    assert element["outProperties"] == {"url": "http://iris.models", "ready": True}
    assert (element["operationalState"], element["useState"]) == ("ENABLED", "IDLE")


async def test_c63_ack_with_out_properties_updated_carries_the_full_element_info(harness):
    _world, _status, ack, _body = await deploy_with_out_properties(harness)
    assert ack.out_properties_updated is True
    _id, entry = entry_of(ack)
    assert dict(entry.out_properties) == {"url": "http://iris.models", "ready": True}
    assert (entry.operational_state, entry.use_state) == ("ENABLED", "IDLE")
    assert ack.message == "Deployed and serving"


async def test_c64_out_properties_sent_before_the_final_ack_are_older(harness):
    _world, status, ack, _body = await deploy_with_out_properties(harness)
    assert status.timestamp < ack.timestamp


def quebec(message_body: dict[str, object]) -> bytes:
    """A master-shaped message rewritten as a Quebec (Gson) runtime sends it."""
    body = dict(message_body)
    for member in ("primeOrder", "primeDtoList", "participantDtoList"):
        body.pop(member, None)
    body["state"] = "ON_LINE"
    for entry in body.get("participantUpdatesList", []):  # type: ignore[attr-defined]
        for element in entry["acElementList"]:
            element["toscaServiceTemplateFragment"] = {"tosca_definitions_version": "1_3"}
    return json.dumps(body).encode()


async def test_c65_quebec_inputs_give_the_same_acks_as_master_inputs(harness):
    _runtime, peer = await harness.participant()
    outcomes: list[tuple[object, ...]] = []
    for legacy in (False, True):
        world = World(elements=[Element(composition_properties={"startPhase": 0})])
        prime_message = world.prime()
        deploy_message = world.deploy()
        undeploy_message = world.state_change(deploy=DeployOrder.UNDEPLOY)
        for message in (prime_message, deploy_message, undeploy_message):
            if legacy:
                await peer.send_raw(quebec(json.loads(encode(message))))
            else:
                await peer.send(message)
            if message is prime_message:
                ack = await peer.expect(ParticipantPrimeAck)
                outcomes.append((legacy, "prime", ack.composition_state, ack.state_change_result))
            else:
                (element_ack,) = await element_acks(peer, 1)
                outcomes.append((legacy, "element", *states(element_ack)))
    master = [o[1:] for o in outcomes if not o[0]]
    legacy_outcomes = [o[1:] for o in outcomes if o[0]]
    assert legacy_outcomes == master
    assert master[1] == ("element", "DEPLOYED", "LOCKED", "NO_ERROR")
