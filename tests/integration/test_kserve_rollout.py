"""Deploy, update and undeploy decided from what KServe's own controller writes (Standard mode).

KServe keeps ``Ready`` True through a rolling update and copies ``observedGeneration`` from its
Deployment, so an update is done only once the Deployment built from our spec has rolled out;
a change of replica bounds only reaches the HPA; a format no runtime serves leaves ``Ready`` True.
"""

from __future__ import annotations

from typing import Any

import pytest
from lightkube import AsyncClient, KubeConfig
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.autoscaling_v2 import HorizontalPodAutoscaler
from lightkube.resources.core_v1 import Pod

from acm_participant import ElementFailure
from acm_participant.testing import element_context
from kserve_participant.devstack.faults import UNSERVED_FORMAT
from tests.integration.kserve_support import (
    element,
    entity,
    harness,
    kserve_children,
    load_sample,
    with_entities,
)

pytestmark = pytest.mark.integration


def sklearn(**predictor: Any) -> dict[str, Any]:
    body = load_sample("docs__samples__istio-dex__sklearn.yaml")
    body["spec"]["predictor"].update(predictor)
    return body


async def pods_of(info: Any, namespace: str, isvc: str) -> list[Any]:
    async with AsyncClient(KubeConfig.from_file(info.kubeconfig)) as admin:
        labels: dict[str, Any] = {"serving.kserve.io/inferenceservice": isvc}
        return [p async for p in admin.list(Pod, namespace=namespace, labels=labels)]


def ready(pod: Any) -> bool:
    conditions = (pod.status.conditions if pod.status else None) or []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)


def source_uri(pod: Any) -> str:
    (init,) = [c for c in pod.spec.initContainers if c.name == "storage-initializer"]
    return str(init.args[0])


async def test_deploy_acks_with_kserve_objects_in_place_and_undeploy_leaves_none(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("iris", namespace))
        outcome = await h.handler.deploy(element_context(composition, instance))
        assert outcome is not None
        assert await kserve_children(stack.info, namespace, "iris") == {
            "Deployment": ["iris-predictor"],
            "Service": ["iris-predictor"],
            "HorizontalPodAutoscaler": ["iris-predictor"],
        }
        (pod,) = await pods_of(stack.info, namespace, "iris")
        assert ready(pod)

        await h.handler.undeploy(element_context(composition, instance))
        assert await h.names(namespace) == []
        # Deleted in the foreground: the ack comes once the garbage collector removed them too.
        assert await kserve_children(stack.info, namespace, "iris") == {}
        assert await pods_of(stack.info, namespace, "iris") == []


async def test_update_of_replica_bounds_only_acks_deployed_without_rolling_a_pod(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("scaled", namespace), timeout=180)
        await h.handler.deploy(element_context(composition, instance))
        (before,) = await pods_of(stack.info, namespace, "scaled")
        async with AsyncClient(KubeConfig.from_file(stack.info.kubeconfig)) as admin:
            deployment = await admin.get(Deployment, "scaled-predictor", namespace=namespace)
        assert deployment.metadata is not None

        bounds = entity("scaled", namespace, sklearn(minReplicas=1, maxReplicas=3))
        outcome = await h.handler.update(
            element_context(composition, instance, updated=with_entities(instance, bounds))
        )

        assert outcome is not None
        assert "updated" in (outcome.message or "")
        async with AsyncClient(KubeConfig.from_file(stack.info.kubeconfig)) as admin:
            same = await admin.get(Deployment, "scaled-predictor", namespace=namespace)
            hpa = await admin.get(HorizontalPodAutoscaler, "scaled-predictor", namespace=namespace)
        assert same.metadata is not None
        assert same.metadata.generation == deployment.metadata.generation
        (after,) = await pods_of(stack.info, namespace, "scaled")
        assert after.metadata.uid == before.metadata.uid
        assert hpa.spec.maxReplicas in (1, 3)  # KServe updates it on its own time


async def test_storage_uri_update_acks_only_once_the_new_pod_is_ready(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("evolving", namespace), timeout=180)
        await h.handler.deploy(element_context(composition, instance))

        changed = sklearn()
        changed["spec"]["predictor"]["model"]["storageUri"] = "gs://models/sklearn/2.0/model"
        slow = entity("evolving", namespace, changed, ready_delay="3s")
        outcome = await h.handler.update(
            element_context(composition, instance, updated=with_entities(instance, slow))
        )

        assert outcome is not None
        pods = await pods_of(stack.info, namespace, "evolving")
        serving = [p for p in pods if not p.metadata.deletionTimestamp]
        assert [source_uri(p) for p in serving] == ["gs://models/sklearn/2.0/model"]
        assert all(ready(p) for p in serving)


async def test_update_to_a_format_no_runtime_serves_fails_fast_quoting_kserve(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("reformatted", namespace), timeout=120)
        await h.handler.deploy(element_context(composition, instance))

        unserved = sklearn()
        unserved["spec"]["predictor"]["model"]["modelFormat"]["name"] = UNSERVED_FORMAT
        updated = with_entities(instance, entity("reformatted", namespace, unserved))
        with pytest.raises(ElementFailure) as failed:
            await h.handler.update(element_context(composition, instance, updated=updated))

        text = str(failed.value)
        assert "InvalidSpec" in text
        assert "NoSupportingRuntime" in text
        assert "not Ready within" not in text
        still = await h.client.get(namespace, "reformatted")
        ready_condition = [c for c in still["status"]["conditions"] if c["type"] == "Ready"]
        assert ready_condition[0]["status"] == "True"  # KServe keeps the old spec's Ready
