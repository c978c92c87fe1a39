"""Full ACM dialogues over real Kafka with `kserve-participant run` as a process: deploy of every
sample and of ONAP's sample, undeploy with nothing left, and adoption after a SIGKILL."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import yaml
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace

from acm_participant.protocol import DeployState, ParticipantStatus, ToscaNodeTemplate
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.sim.model import ElementSpec
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.resources import InferenceServiceResource
from tests.integration.kserve_support import (
    ONAP_SAMPLES,
    entity,
    load_sample,
    sample_files,
    wait_isvc_created,
)
from tests.integration.ops_support import (
    ELEMENT_TYPE,
    NODE_TEMPLATE,
    Topics,
    kserve_instance,
    participant_process,
    prime_kserve,
    runtime_driver,
    stack_config,
)

pytestmark = pytest.mark.integration


async def _names(stack: Any, namespace: str) -> list[str]:
    client = K8sClient.from_kubeconfig(stack.info.kubeconfig, InferenceServiceResource())
    try:
        return sorted(
            o["metadata"]["name"] for o in (await client.list(namespace, labels={})).items
        )
    finally:
        await client.close()


def _results(acks: list[Any]) -> set[tuple[str, str]]:
    return {
        (entry.deploy_state.value, ack.state_change_result.value)
        for ack in acks
        for entry in ack.automation_composition_result_map.values()
    }


async def test_every_sample_deploys_and_undeploys_through_acm_dialogue(
    stack: Any, namespace: str, tmp_path: Path
) -> None:
    topics = Topics.fresh()
    entities = []
    for index, filename in enumerate(sample_files()):
        payload = load_sample(filename)
        entities.append(entity(f"s{index:02d}-{payload['metadata']['name']}", namespace, payload))
    async with runtime_driver(stack.info.kafka_bootstrap, topics) as driver:
        participant_id = uuid4()
        config = stack_config(stack.info, topics, participant_id=participant_id)
        async with participant_process(tmp_path, config) as participant:
            await participant.wait_ready()
            composition_id = await prime_kserve(driver, participant_id)
            instance_id = kserve_instance(driver, composition_id, entities)
            acks = await driver.deploy(instance_id)
            assert _results(acks) == {("DEPLOYED", "NO_ERROR")}
            assert len(await _names(stack, namespace)) == len(entities)

            acks = await driver.undeploy(instance_id)
            assert _results(acks) == {("UNDEPLOYED", "NO_ERROR")}
            assert await _names(stack, namespace) == []


async def test_onap_sample_deploys_and_undeploys_through_acm_dialogue_leaving_nothing(
    stack: Any, tmp_path: Path
) -> None:
    with stack.admin_client() as admin:
        if not any(ns.metadata.name == "demo-namespace" for ns in admin.list(Namespace)):
            admin.create(Namespace(metadata=ObjectMeta(name="demo-namespace")))
    tosca = yaml.safe_load((ONAP_SAMPLES / "tosca-kserve-participant.yml").read_text())
    node = tosca["topology_template"]["node_templates"][NODE_TEMPLATE.name]
    text = (ONAP_SAMPLES / "automation-composition-kserve.yml").read_text()
    instance_doc = yaml.safe_load(text.replace("{{compositionId}}", str(uuid4())))
    raw_element = next(iter(instance_doc["elements"].values()))

    topics = Topics.fresh()
    async with runtime_driver(stack.info.kafka_bootstrap, topics) as driver:
        participant_id = uuid4()
        config = stack_config(stack.info, topics, participant_id=participant_id)
        async with participant_process(tmp_path, config) as participant:
            await participant.wait_ready()
            composition_id = uuid4()
            template = ToscaNodeTemplate(
                name=NODE_TEMPLATE.name,
                version=NODE_TEMPLATE.version,
                type=ELEMENT_TYPE,
                type_version="1.0.1",
                properties=json.loads(json.dumps(node["properties"])),
            )
            await driver.prime(composition_id, participant_id, [template])
            instance_id = uuid4()
            driver.add_instance(
                instance_id,
                composition_id,
                [ElementSpec(definition=NODE_TEMPLATE, properties=raw_element["properties"])],
            )
            acks = await driver.deploy(instance_id)
            assert _results(acks) == {("DEPLOYED", "NO_ERROR")}
            assert await _names(stack, "demo-namespace") == ["demo-inference-service"]

            acks = await driver.undeploy(instance_id)
            assert _results(acks) == {("UNDEPLOYED", "NO_ERROR")}
            assert await _names(stack, "demo-namespace") == []


def _element_ready(driver: AcmRuntimeDriver, instance_id: UUID, name: str) -> bool:
    instance = driver.model.instances[instance_id]
    (element,) = instance.elements.values()
    services = element.out_properties.get("inferenceServices", [])
    return any(s.get("name") == name and s.get("ready") is True for s in services)


async def test_killed_participant_readopts_its_services_and_undeploys_them_after_restart(
    stack: Any, namespace: str, tmp_path: Path
) -> None:
    topics = Topics.fresh()
    participant_id = uuid4()
    async with runtime_driver(stack.info.kafka_bootstrap, topics) as driver:
        async with participant_process(
            tmp_path, stack_config(stack.info, topics, participant_id=participant_id)
        ) as first:
            await first.wait_ready()
            composition_id = await prime_kserve(driver, participant_id)
            instance_id = kserve_instance(driver, composition_id, [entity("phoenix", namespace)])
            assert _results(await driver.deploy(instance_id)) == {("DEPLOYED", "NO_ERROR")}
            first.signal(signal.SIGKILL)
            await first.wait_exit()

        mark = driver.mark()
        async with participant_process(
            tmp_path, stack_config(stack.info, topics, participant_id=participant_id)
        ) as second:
            await second.wait_ready()
            await driver.expect(
                ParticipantStatus,
                where=lambda _: _element_ready(driver, instance_id, "phoenix"),
                since=mark,
                timeout=60,
            )
            assert await _names(stack, namespace) == ["phoenix"]
            acks = await driver.undeploy(instance_id)
            assert _results(acks) == {("UNDEPLOYED", "NO_ERROR")}
            assert await _names(stack, namespace) == []


async def test_killed_participant_finishes_deploy_in_flight_after_restart(
    stack: Any, namespace: str, tmp_path: Path
) -> None:
    topics = Topics.fresh()
    participant_id = uuid4()
    slow = entity("slowpoke", namespace, ready_delay="4000ms")
    async with runtime_driver(stack.info.kafka_bootstrap, topics) as driver:
        async with participant_process(
            tmp_path, stack_config(stack.info, topics, participant_id=participant_id)
        ) as first:
            await first.wait_ready()
            composition_id = await prime_kserve(driver, participant_id)
            instance_id = kserve_instance(driver, composition_id, [slow])
            deploying = asyncio.create_task(driver.deploy(instance_id, timeout=90))
            await wait_isvc_created(stack.info.kubeconfig, namespace, "slowpoke", within=30)
            first.signal(signal.SIGKILL)
            await first.wait_exit()

        async with participant_process(
            tmp_path, stack_config(stack.info, topics, participant_id=participant_id)
        ) as second:
            await second.wait_ready()
            acks = await deploying
            assert _results(acks) == {("DEPLOYED", "NO_ERROR")}
            element = next(iter(driver.model.instances[instance_id].elements.values()))
            assert element.deploy_state is DeployState.DEPLOYED
            assert await _names(stack, namespace) == ["slowpoke"]
