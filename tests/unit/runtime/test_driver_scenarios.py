"""Whole scenarios with the runtime-side driver playing ACM-R, on the in-memory broker."""

from __future__ import annotations

from uuid import uuid4

from acm_participant.protocol import (
    AcTypeState,
    DeployState,
    StateChangeResult,
    ToscaConceptIdentifier,
    ToscaNodeTemplate,
)
from acm_participant.sim import ElementSpec
from acm_participant.testing import participant_with_driver

from . import builders


def template(name: str, phase: int) -> ToscaNodeTemplate:
    return ToscaNodeTemplate(
        name=name,
        version="1.0.0",
        type=builders.ELEMENT_TYPE_NAME,
        type_version=builders.ELEMENT_TYPE_VERSION,
        properties={"startPhase": phase},
    )


async def test_driver_deploys_phases_lowest_first_and_undeploys_highest_first():
    handler = builders.RecordingHandler()
    async with participant_with_driver(handler, builders.make_settings()) as (_runtime, driver):
        composition_id, instance_id = uuid4(), uuid4()
        ack = await driver.prime(
            composition_id, builders.PARTICIPANT_ID, [template("early", 0), template("late", 1)]
        )
        assert ack.composition_state is AcTypeState.PRIMED
        early = ElementSpec(ToscaConceptIdentifier(name="early", version="1.0.0"))
        late = ElementSpec(ToscaConceptIdentifier(name="late", version="1.0.0"))
        driver.add_instance(instance_id, composition_id, [late, early])
        deployed = await driver.deploy_all_phases(instance_id)
        undeployed = await driver.undeploy_all_phases(instance_id)
    assert {a.state_change_result for a in deployed + undeployed} == {StateChangeResult.NO_ERROR}
    order = [(c.operation, c.instance.element_id) for c in handler.calls if c.operation != "prime"]
    assert order == [
        ("deploy", early.element_id),
        ("deploy", late.element_id),
        ("undeploy", late.element_id),
        ("undeploy", early.element_id),
    ]
    assert driver.model.instances[instance_id].deploy_state is DeployState.UNDEPLOYED
