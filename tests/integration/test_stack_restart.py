"""Pieces of the stack restart in place (same ports, same data), as reconnection tests need,
and KServe's controller follows spec changes and API server restarts."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncGenerator
from typing import Any, cast

import aiokafka
import httpx2
import pytest
from lightkube import AsyncClient
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.apps_v1 import Deployment
from lightkube.types import PatchType
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_fixed

from kserve_participant.devstack.resources import InferenceService

pytestmark = pytest.mark.integration

SKLEARN = {
    "predictor": {"sklearn": {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model"}}
}
DEADLINE_SECONDS = 60.0
SOURCE_URI = "internal.serving.kserve.io/storage-initializer-sourceuri"


def _ready_for_generation(obj: Any, generation: int) -> bool:
    status = obj.status or {}
    ready = [c for c in status.get("conditions") or [] if c.get("type") == "Ready"]
    return (
        status.get("observedGeneration") == generation
        and bool(ready)
        and ready[0].get("status") == "True"
    )


def _too_many_requests(error: BaseException) -> bool:
    # Right after a restart the API server may answer a custom resource's watch with 429 while
    # it installs the CRDs' handlers.
    return isinstance(error, httpx2.HTTPStatusError) and error.response.status_code == 429


async def _wait_ready(client: AsyncClient, namespace: str, name: str, generation: int) -> Any:
    retrying = AsyncRetrying(
        retry=retry_if_exception(_too_many_requests),
        wait=wait_fixed(0.2),
        stop=stop_after_delay(DEADLINE_SECONDS),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            events = cast(
                "AsyncGenerator[tuple[str, Any], None]",
                client.watch(InferenceService, namespace=namespace, fields={"metadata.name": name}),
            )
            async with asyncio.timeout(DEADLINE_SECONDS), contextlib.aclosing(events):
                async for _, obj in events:
                    if _ready_for_generation(obj, generation):
                        return obj
    raise AssertionError("watch ended before Ready")


async def test_kserve_rolls_a_new_deployment_out_when_the_model_changes(kube_admin, namespace):
    await kube_admin.create(
        InferenceService(metadata=ObjectMeta(name="iris", namespace=namespace), spec=SKLEARN)
    )
    await _wait_ready(kube_admin, namespace, "iris", 1)

    await kube_admin.patch(
        InferenceService,
        "iris",
        {"spec": {"predictor": {"sklearn": {"storageUri": "gs://models/sklearn/2.0/model"}}}},
        namespace=namespace,
        patch_type=PatchType.MERGE,
    )

    # observedGeneration is the Deployment's: its second generation carries the new model.
    updated = await _wait_ready(kube_admin, namespace, "iris", 2)
    assert updated.metadata.generation == 2
    deployment = await kube_admin.get(Deployment, "iris-predictor", namespace=namespace)
    annotations = deployment.spec.template.metadata.annotations
    assert annotations[SOURCE_URI] == "gs://models/sklearn/2.0/model"


async def test_kserve_reconciles_new_objects_when_api_server_was_restarted(
    stack, kube_admin, namespace
):
    await asyncio.to_thread(stack.stop_apiserver)
    await asyncio.to_thread(stack.start_apiserver)

    await kube_admin.create(
        InferenceService(
            metadata=ObjectMeta(name="after-restart", namespace=namespace), spec=SKLEARN
        )
    )

    assert await _wait_ready(kube_admin, namespace, "after-restart", 1)


async def test_kafka_serves_same_topic_when_broker_was_restarted(stack, stack_info):
    topic = f"restart-{secrets.token_hex(4)}"
    producer = aiokafka.AIOKafkaProducer(bootstrap_servers=stack_info.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"before")
    finally:
        await producer.stop()

    await asyncio.to_thread(stack.stop_kafka)
    await asyncio.to_thread(stack.start_kafka)

    consumer = aiokafka.AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack_info.kafka_bootstrap,
        group_id=f"group-{topic}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=int(DEADLINE_SECONDS * 1000), max_records=1)
    finally:
        await consumer.stop()
    assert [r.value for batch in batches.values() for r in batch] == [b"before"]
