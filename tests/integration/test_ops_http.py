"""The participant's HTTP endpoints as a kubelet, Prometheus and an operator see them, with the
participant running as a process against the real Kafka and API server of the dev stack."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
from lightkube.generic_resource import create_namespaced_resource

from kserve_participant.kserve.ownership import LABEL_MANAGED_BY, LABEL_PARTICIPANT_ID, MANAGED_BY
from tests.integration.kserve_support import entity, load_sample
from tests.integration.ops_support import (
    Topics,
    element_results,
    eventually,
    kserve_instance,
    participant_process,
    prime_kserve,
    runtime_driver,
    stack_config,
)

InferenceService = create_namespaced_resource(
    "serving.kserve.io", "v1beta1", "InferenceService", "inferenceservices"
)

pytestmark = pytest.mark.integration


async def test_probes_answer_without_auth_and_the_rest_demands_it_when_participant_runs(
    stack, tmp_path
):
    topics = Topics.fresh()
    async with (
        runtime_driver(stack.info.kafka_bootstrap, topics),
        participant_process(tmp_path, stack_config(stack.info, topics)) as participant,
    ):
        await participant.wait_ready()
        assert await participant.status_of("health/liveness", auth=False) == 200
        assert await participant.status_of("health/readiness", auth=False) == 200
        for endpoint in ("health", "metrics", "prometheus"):
            assert await participant.status_of(endpoint, auth=False) == 401, endpoint
            assert await participant.status_of(endpoint) == 200, endpoint


async def test_health_broker_component_flips_when_kafka_stops_and_returns(stack, tmp_path):
    topics = Topics.fresh()
    async with (
        runtime_driver(stack.info.kafka_bootstrap, topics),
        participant_process(tmp_path, stack_config(stack.info, topics)) as participant,
    ):
        await participant.wait_ready()
        await participant.wait_component("broker", "UP")
        await asyncio.to_thread(stack.stop_kafka)
        try:
            await participant.wait_component("broker", "DOWN")
            assert await participant.status_of("health") == 503
        finally:
            await asyncio.to_thread(stack.start_kafka)
        await participant.wait_component("broker", "UP", within=120)
        reconnects = await participant.metric("kserve_participant_broker_reconnects_total")
        assert reconnects is not None
        assert reconnects >= 1


async def test_health_and_readiness_flip_when_api_server_stops_and_returns(stack, tmp_path):
    topics = Topics.fresh()
    async with (
        runtime_driver(stack.info.kafka_bootstrap, topics),
        participant_process(tmp_path, stack_config(stack.info, topics)) as participant,
    ):
        await participant.wait_ready()
        await participant.wait_component("kubernetes", "UP")
        await participant.wait_component("inferenceServiceCrd", "UP")
        await asyncio.to_thread(stack.stop_apiserver)
        try:
            await participant.wait_component("kubernetes", "DOWN")
            assert await participant.status_of("health/readiness", auth=False) == 503
            assert await participant.status_of("health/liveness", auth=False) == 200
        finally:
            await asyncio.to_thread(stack.start_apiserver)
        await participant.wait_component("kubernetes", "UP", within=120)
        await participant.wait_ready()


async def _foreign_ready_service(kube_admin, namespace: str) -> None:
    """An InferenceService another participant manages, next to ours: never counted as ours."""
    body = load_sample("docs__samples__istio-dex__sklearn.yaml")
    body["metadata"] = {
        "name": "someone-elses",
        "namespace": namespace,
        "labels": {LABEL_MANAGED_BY: MANAGED_BY, LABEL_PARTICIPANT_ID: str(uuid4())},
    }
    await kube_admin.create(InferenceService.from_dict(body))  # the stand-in marks it Ready


async def test_metrics_move_when_an_instance_is_deployed(stack, namespace, tmp_path, kube_admin):
    topics = Topics.fresh()
    config = stack_config(stack.info, topics)
    await _foreign_ready_service(kube_admin, namespace)
    async with (
        runtime_driver(stack.info.kafka_bootstrap, topics) as driver,
        participant_process(tmp_path, config) as participant,
    ):
        await participant.wait_ready()
        composition_id = await prime_kserve(driver, participant.participant_id)
        entities = [entity("metrics-a", namespace), entity("metrics-b", namespace)]
        instance_id = kserve_instance(driver, composition_id, entities)
        acks = await driver.deploy(instance_id)
        assert element_results(acks) == [("DEPLOYED", "NO_ERROR")]

        async def two_ready() -> float | None:
            labels = {"readiness": "Ready"}
            value = await participant.metric("kserve_participant_inference_services", labels)
            return value if value == 2 else None

        assert await eventually(two_ready, within=30, what="2 Ready InferenceServices") == 2
        received = await participant.metric(
            "kserve_participant_messages_received_total", {"type": "AUTOMATION_COMPOSITION_DEPLOY"}
        )
        assert received == 1
        deploys = await participant.metric(
            "kserve_participant_operation_duration_seconds_count",
            {"operation": "deploy", "result": "NO_ERROR"},
        )
        assert deploys == 1
        applied = await participant.metric(
            "kserve_participant_kubernetes_requests_total", {"verb": "apply", "code": "200"}
        )
        assert applied is not None
        assert applied >= 2
        assert await participant.metric("kserve_participant_registered") == 1
        age = await participant.metric("kserve_participant_seconds_since_last_heartbeat")
        assert age is not None
        assert age < 60
