"""A whole life cycle driven by the runtime-side driver on the real Kafka broker, in both the
master and the Quebec (legacy) shapes: prime, deploy in phases, lock/unlock, update, review,
migrate in stages with a NEW and a REMOVED element, undeploy, delete, deprime."""

from __future__ import annotations

from uuid import uuid4

import pytest

from acm_participant.protocol import (
    AcTypeState,
    StateChangeResult,
    ToscaConceptIdentifier,
    ToscaNodeTemplate,
)
from acm_participant.sim import AcmRuntimeDriver, ElementSpec
from acm_participant.testing import participant_with_driver, runtime_group
from acm_participant.transport.base import Subscription
from tests.unit.runtime.builders import (
    ELEMENT_TYPE_NAME,
    ELEMENT_TYPE_VERSION,
    PARTICIPANT_ID,
    RecordingHandler,
)

pytestmark = pytest.mark.integration


def template(name: str, version: str, **properties: object) -> ToscaNodeTemplate:
    return ToscaNodeTemplate(
        name=name,
        version=version,
        type=ELEMENT_TYPE_NAME,
        type_version=ELEMENT_TYPE_VERSION,
        properties=properties,
    )


def concept(name: str, version: str) -> ToscaConceptIdentifier:
    return ToscaConceptIdentifier(name=name, version=version)


@pytest.mark.parametrize("legacy", [False, True], ids=["master", "quebec"])
async def test_driver_lifecycle_acks_every_step_without_error_when_on_kafka(harness, legacy):
    handler = RecordingHandler()
    settings = harness.settings()
    async with participant_with_driver(
        handler, settings, transports=harness.transports, within=20
    ) as (_runtime, default_driver):
        driver = default_driver
        if legacy:
            driver = AcmRuntimeDriver(
                harness.transports([Subscription(settings.operation_topic, runtime_group())]),
                operation_topic=settings.operation_topic,
                sync_topic=settings.sync_topic,
                legacy=True,
                timeout=20,
            )
            await driver.start()
        try:
            source, target, instance = uuid4(), uuid4(), uuid4()
            primed = await driver.prime(
                source,
                PARTICIPANT_ID,
                [template("a", "1.0.0", startPhase=0), template("b", "1.0.0", startPhase=1)],
            )
            assert primed.composition_state is AcTypeState.PRIMED
            await driver.prime(
                target,
                PARTICIPANT_ID,
                [
                    template("a", "2.0.0", startPhase=0, stage={"migrate": [0, 2]}),
                    template("c", "1.0.0", startPhase=0),
                ],
            )
            kept = ElementSpec(concept("a", "1.0.0"), {"replicas": 1})
            dropped = ElementSpec(concept("b", "1.0.0"))
            driver.add_instance(instance, source, [kept, dropped])
            acks = await driver.deploy_all_phases(instance)
            acks += await driver.unlock_all_phases(instance)
            acks += await driver.lock_all_phases(instance)
            acks += await driver.update(instance, {kept.element_id: {"replicas": 2}})
            acks += await driver.review(instance)
            migrated = [
                ElementSpec(concept("a", "2.0.0"), {"replicas": 2}, element_id=kept.element_id),
                ElementSpec(concept("c", "1.0.0"), {"fresh": True}),
            ]
            acks += await driver.migrate(instance, target, migrated, precheck=True)
            acks += await driver.migrate_all_stages(instance, target, migrated)
            acks += await driver.undeploy_all_phases(instance)
            acks += await driver.delete_all_phases(instance)
            deprimed = await driver.deprime(source)
        finally:
            if legacy:
                await driver.stop()
    assert {a.state_change_result for a in acks} == {StateChangeResult.NO_ERROR}
    assert deprimed.composition_state is AcTypeState.COMMISSIONED
    assert instance not in driver.model.instances
    assert [c.args[4] for c in handler.calls if c.operation == "migrate"] == [0, 2]
    # b was undeployed by the migration (REMOVED), c deployed by it (NEW), then both a and c
    # undeployed and deleted with the instance.
    assert handler.ops().count("undeploy") == 3
    assert handler.ops().count("deploy") == 3
