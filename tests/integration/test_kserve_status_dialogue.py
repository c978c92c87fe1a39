"""What ACM's runtime holds about a KServe element, from the PARTICIPANT_STATUS messages the
real participant process sends over Kafka: outProperties, operationalState and useState after
deploy, after an operator stops the model, after a failed deploy, after undeploy and delete.

Run with ``-s`` to see the states printed after each step (the runtime's view of the element)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from lightkube import AsyncClient, KubeConfig
from lightkube.types import PatchType

from acm_participant.protocol import ParticipantStatus
from acm_participant.protocol.messages import AnyMessage
from acm_participant.sim.driver import AcmRuntimeDriver
from kserve_participant.devstack.faults import PodFault
from kserve_participant.k8s.resources import InferenceServiceResource, lightkube_resource
from tests.integration import ops_support as ops
from tests.integration.kserve_support import entity

pytestmark = pytest.mark.integration

ElementView = dict[str, Any]


def _element_info(message: AnyMessage, instance_id: UUID) -> ElementView | None:
    """The element's info in a STATUS about this instance (heartbeats carry none)."""
    if not isinstance(message, ParticipantStatus):
        return None
    for info in message.automation_composition_info_list:
        if info.automation_composition_id == instance_id and info.elements:
            element = info.elements[0]
            return {
                "operationalState": element.operational_state,
                "useState": element.use_state,
                "outProperties": dict(element.out_properties),
            }
    return None


async def _status(
    driver: AcmRuntimeDriver,
    instance_id: UUID,
    since: int,
    check: Callable[[ElementView], bool],
    what: str,
) -> ElementView:
    """The first STATUS about the instance since ``since`` that passes ``check``."""

    def matches(message: AnyMessage) -> bool:
        view = _element_info(message, instance_id)
        return view is not None and check(view)

    message = await driver.inbox.wait_for(matches, timeout=60, since=since, what=what)
    view = _element_info(message, instance_id)
    assert view is not None
    return view


def _runtime_view(
    driver: AcmRuntimeDriver, instance_id: UUID, step: str, status: ElementView
) -> ElementView:
    """The element as the runtime holds it after ``status`` (the STATUS just received), printed
    for the record: outProperties and states replaced by the STATUS, deployState from the acks."""
    element = next(iter(driver.model.instances[instance_id].elements.values()))
    view = {
        "deployState": str(element.deploy_state),
        "operationalState": element.operational_state,
        "useState": element.use_state,
        "outProperties": element.out_properties,
    }
    assert {k: view[k] for k in status} == status  # the runtime holds what the STATUS said
    print(f"\n--- after {step} (PARTICIPANT_STATUS on Kafka, as the runtime holds it):")
    print(json.dumps(view, indent=2, sort_keys=True))
    return view


def _services(view: ElementView) -> list[dict[str, Any]]:
    return list(view["outProperties"].get("inferenceServices", []))


async def _set_stop_annotation(stack: Any, namespace: str, name: str, value: str) -> None:
    """What an operator does to stop a model: KServe's own annotation, set on the object."""
    client = AsyncClient(KubeConfig.from_file(stack.info.kubeconfig))
    try:
        await client.patch(
            lightkube_resource(InferenceServiceResource()),
            name,
            {"metadata": {"annotations": {"serving.kserve.io/stop": value}}},
            namespace=namespace,
            patch_type=PatchType.MERGE,
        )
    finally:
        await client.close()


async def test_runtime_view_of_the_element_follows_deploy_stop_and_undeploy(
    stack: Any, namespace: str, tmp_path: Path
) -> None:
    topics = ops.Topics.fresh()
    async with ops.runtime_driver(stack.info.kafka_bootstrap, topics) as driver:
        config = ops.stack_config(stack.info, topics)
        async with ops.participant_process(tmp_path, config) as participant:
            await participant.wait_ready()
            composition_id = await ops.prime_kserve(driver, participant.participant_id)
            instance_id = ops.kserve_instance(driver, composition_id, [entity("iris", namespace)])

            since = driver.inbox.mark()
            acks = await driver.deploy(instance_id)
            assert ops.element_results(acks) == [("DEPLOYED", "NO_ERROR")]
            status = await _status(
                driver, instance_id, since, lambda v: v["operationalState"] == "READY", "READY"
            )
            deployed = _runtime_view(driver, instance_id, "deploy", status)
            assert deployed["useState"] == "ACTIVE"
            [service] = _services(deployed)
            assert service["ready"] is True
            assert service["url"] == f"http://iris-{namespace}.example.com"

            since = driver.inbox.mark()
            await _set_stop_annotation(stack, namespace, "iris", "true")
            status = await _status(
                driver,
                instance_id,
                since,
                lambda v: v["useState"] == "STOPPED" and _services(v)[0]["state"] == "Stopped",
                "STOPPED, and KServe's Stopped condition",
            )
            stopped = _runtime_view(driver, instance_id, "stop annotation", status)
            assert stopped["operationalState"] == "NOT_READY"
            assert _services(stopped)[0]["stopped"] is True

            since = driver.inbox.mark()
            acks = await driver.undeploy(instance_id)
            assert ops.element_results(acks) == [("UNDEPLOYED", "NO_ERROR")]
            status = await _status(
                driver, instance_id, since, lambda v: v["operationalState"] == "REMOVED", "REMOVED"
            )
            undeployed = _runtime_view(driver, instance_id, "undeploy", status)
            assert undeployed["useState"] == "NONE"
            assert undeployed["outProperties"] == {"inferenceServices": []}


async def test_runtime_view_shows_what_a_failed_deploy_left_and_that_delete_removed_it(
    stack: Any, namespace: str, tmp_path: Path
) -> None:
    topics = ops.Topics.fresh()
    failing = entity("broken", namespace, fault=PodFault.LOAD_FAILURE)
    async with ops.runtime_driver(stack.info.kafka_bootstrap, topics) as driver:
        config = ops.stack_config(stack.info, topics)
        async with ops.participant_process(tmp_path, config) as participant:
            await participant.wait_ready()
            composition_id = await ops.prime_kserve(driver, participant.participant_id)
            instance_id = ops.kserve_instance(driver, composition_id, [failing])

            since = driver.inbox.mark()
            results = ops.element_results(await driver.deploy(instance_id))
            assert [result for _, result in results] == ["FAILED"]
            status = await _status(
                driver,
                instance_id,
                since,
                lambda v: v["operationalState"] == "NOT_READY",
                "NOT_READY after the failed deploy",
            )
            failed = _runtime_view(driver, instance_id, "failed deploy", status)
            [service] = _services(failed)
            assert service["ready"] is False
            assert service["state"] == "Failed"

            since = driver.inbox.mark()
            await driver.delete(instance_id)
            await _status(
                driver, instance_id, since, lambda v: v["operationalState"] == "REMOVED", "REMOVED"
            )
