"""The HTTP example participant (examples/02-http-participant) against a local REST service."""

from __future__ import annotations

from uuid import uuid4

from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    DeployOrder,
    ParticipantPrimeAck,
    StateChangeResult,
)
from acm_participant.settings import ParticipantSettings
from acm_participant.testing import participant_under_test
from tests.unit.runtime.builders import Element, World

from .http_example import load_http_example, rest_service


def _settings() -> ParticipantSettings:
    example = load_http_example()
    return ParticipantSettings(
        participant_id=example.PARTICIPANT_ID,
        supported_element_types=(example.HTTP_ELEMENT,),
        retry_initial_ms=10,
        retry_max_ms=20,
    )


def _world(url: str | None, payload: dict[str, object]) -> World:
    composition = {"endpoint": url} if url else {}
    return World(
        participant_id=load_http_example().PARTICIPANT_ID,
        elements=[Element(properties={"payload": payload}, composition_properties=composition)],
    )


async def _deploy(world: World):
    async with participant_under_test(load_http_example().HttpHandler(), _settings()) as (_, peer):
        await peer.send(world.prime())
        await peer.expect(ParticipantPrimeAck)
        await peer.send(world.deploy())
        return await peer.expect(AutomationCompositionDeployAck, within=10), peer


async def test_deploy_puts_the_payload_and_undeploy_deletes_it_when_the_service_answers():
    async with rest_service() as service:
        world = _world(service.url, {"replicas": 2})
        handler = load_http_example().HttpHandler()
        async with participant_under_test(handler, _settings()) as (_runtime, peer):
            await peer.send(world.prime())
            await peer.expect(ParticipantPrimeAck)
            await peer.send(world.deploy())
            deployed = await peer.expect(AutomationCompositionDeployAck)
            element_id = str(world.elements[0].element_id)
            assert service.things == {element_id: {"replicas": 2}}
            (entry,) = deployed.automation_composition_result_map.values()
            assert (str(entry.deploy_state), deployed.state_change_result) == (
                "DEPLOYED",
                StateChangeResult.NO_ERROR,
            )
            assert dict(entry.out_properties) == {"url": f"{service.url}/{element_id}"}
            await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
            undeployed = await peer.expect(AutomationCompositionDeployAck)
            (entry,) = undeployed.automation_composition_result_map.values()
            assert str(entry.deploy_state) == "UNDEPLOYED"
            assert service.things == {}


async def test_deploy_is_retried_and_succeeds_when_the_service_fails_twice_with_503():
    async with rest_service() as service:
        service.script = [503, 503]
        world = _world(service.url, {"a": 1})
        ack, _ = await _deploy(world)
        assert ack.state_change_result is StateChangeResult.NO_ERROR
        assert [method for method, _ in service.requests] == ["PUT", "PUT", "PUT"]


async def test_deploy_fails_at_once_with_the_service_reason_when_it_answers_400():
    async with rest_service() as service:
        service.script = [400]
        ack, _ = await _deploy(_world(service.url, {"a": 1}))
        assert ack.state_change_result is StateChangeResult.FAILED
        assert ack.message is not None
        assert "400 scripted 400" in ack.message
        assert len(service.requests) == 1


async def test_deploy_fails_naming_the_missing_property_when_endpoint_is_not_given():
    async with rest_service() as service:
        ack, _ = await _deploy(_world(None, {"a": 1}))
        assert ack.state_change_result is StateChangeResult.FAILED
        assert ack.message == "invalid element properties: endpoint: Field required"
        assert service.requests == []


async def test_deploy_fails_after_the_last_attempt_when_the_service_is_unreachable():
    async with rest_service() as service:
        url = service.url
    ack, _ = await _deploy(_world(url, {"a": uuid4().hex}))
    assert ack.state_change_result is StateChangeResult.FAILED
    assert ack.message is not None
    assert ack.message.startswith(f"PUT {url}/")
