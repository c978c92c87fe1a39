"""KServe's own controller on the dev stack, seen through the real API server: what it writes.

These are the facts the participant's readiness rules rest on (docs/kserve.md), checked on the
KServe version the stack runs: the status of a Ready object, the objects KServe builds, the
failures KWOK's stages inject through pod labels, replica-bound updates, stop, and delete.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from typing import Any, cast

import pytest
from lightkube import ApiError, AsyncClient
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.autoscaling_v2 import HorizontalPodAutoscaler
from lightkube.resources.core_v1 import Pod
from lightkube.types import PatchType

from kserve_participant.devstack.controllers import FAKE_NODE
from kserve_participant.devstack.faults import PodFault, with_pod_fault
from kserve_participant.devstack.resources import FINALIZER, InferenceService
from tests.integration.kserve_support import KSERVE_CHILDREN, kserve_children

pytestmark = pytest.mark.integration

SKLEARN = {
    "predictor": {"sklearn": {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model"}}
}
WATCH_DEADLINE_SECONDS = 30.0
KINDS = {kind.__name__: kind for kind in KSERVE_CHILDREN}


def _condition(obj: Any, kind: str) -> dict[str, Any] | None:
    for condition in (obj.status or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return dict(condition)
    return None


async def _watch_until(
    client: AsyncClient,
    namespace: str,
    name: str,
    predicate: Callable[[str, Any], bool],
    *,
    since: str,
) -> Any:
    """The first watch event on ``name`` for which ``predicate(kind, obj)`` holds."""
    # lightkube types the watch as an iterable; it is an async generator, which aclosing needs.
    events = cast(
        "AsyncGenerator[tuple[str, Any], None]",
        client.watch(
            InferenceService,
            namespace=namespace,
            fields={"metadata.name": name},
            resource_version=since,
        ),
    )
    async with asyncio.timeout(WATCH_DEADLINE_SECONDS), contextlib.aclosing(events):
        async for kind, obj in events:
            if predicate(kind, obj):
                return obj
    raise AssertionError("watch ended without the expected event")


async def _create(
    client: AsyncClient,
    namespace: str,
    name: str,
    *,
    fault: PodFault | None = None,
    ready_delay: str | None = None,
) -> Any:
    body = with_pod_fault({"spec": SKLEARN}, fault=fault, ready_delay=ready_delay)
    return await client.create(
        InferenceService(metadata=ObjectMeta(name=name, namespace=namespace), spec=body["spec"])
    )


def _ready(_: str, obj: Any) -> bool:
    return (_condition(obj, "Ready") or {}).get("status") == "True"


async def test_kserve_marks_inference_service_ready_with_what_it_built_when_created(
    kube_admin, stack_info, namespace
):
    created = await _create(kube_admin, namespace, "iris")

    ready = await _watch_until(
        kube_admin, namespace, "iris", _ready, since=created.metadata.resourceVersion
    )

    status = ready.status
    assert {c["type"] for c in status["conditions"]} >= {
        "IngressReady",
        "PredictorReady",
        "Ready",
        "Stopped",
    }
    assert _condition(ready, "PredictorReady")["reason"] == "NewReplicaSetAvailable"  # type: ignore[index]
    assert _condition(ready, "Stopped")["status"] == "False"  # type: ignore[index]
    assert status["deploymentMode"] == "Standard"
    assert status["clusterServingRuntimeName"] == "kserve-sklearnserver"
    assert status["address"]["url"].startswith(f"http://iris-predictor.{namespace}.svc")
    assert status["modelStatus"]["copies"]["totalCopies"] == 1
    assert FINALIZER in ready.metadata.finalizers
    # The defaulting webhook folded `sklearn:` into `model:` and stamped the mode.
    assert ready.spec["predictor"]["model"]["modelFormat"]["name"] == "sklearn"
    children = await kserve_children(stack_info, namespace, "iris")
    assert children["Deployment"] == ["iris-predictor"]
    assert children["Service"] == ["iris-predictor"]
    assert children["HorizontalPodAutoscaler"] == ["iris-predictor"]
    # The pod mutator injected the storage-initializer, and KWOK ran the pod on the fake node.
    pods = [p async for p in kube_admin.list(Pod, namespace=namespace)]
    (pod,) = pods
    assert [c.name for c in pod.spec.initContainers] == ["storage-initializer"]
    assert pod.spec.nodeName == FAKE_NODE
    assert pod.status.phase == "Running"


async def test_kserve_reports_progress_until_a_delayed_pod_is_ready(kube_admin, namespace):
    created = await _create(kube_admin, namespace, "slow", ready_delay="3s")

    progressing = await _watch_until(
        kube_admin,
        namespace,
        "slow",
        lambda _, obj: _condition(obj, "PredictorReady") is not None,
        since=created.metadata.resourceVersion,
    )
    assert _condition(progressing, "Ready")["status"] != "True"  # type: ignore[index]

    ready = await _watch_until(
        kube_admin, namespace, "slow", _ready, since=progressing.metadata.resourceVersion
    )
    assert _condition(ready, "PredictorReady")["status"] == "True"  # type: ignore[index]


async def test_kserve_reports_failed_load_when_storage_initializer_keeps_failing(
    kube_admin, namespace
):
    created = await _create(kube_admin, namespace, "broken", fault=PodFault.LOAD_FAILURE)

    failed = await _watch_until(
        kube_admin,
        namespace,
        "broken",
        lambda _, obj: (
            ((obj.status or {}).get("modelStatus") or {}).get("transitionStatus")
            == "BlockedByFailedLoad"
        ),
        since=created.metadata.resourceVersion,
    )

    model = failed.status["modelStatus"]
    assert model["states"]["targetModelState"] == "FailedToLoad"
    assert model["lastFailureInfo"]["reason"] == "ModelLoadFailed"
    assert "model download failed" in model["lastFailureInfo"]["message"]
    assert model["lastFailureInfo"]["exitCode"] == 1
    assert _condition(failed, "Ready")["status"] == "False"  # type: ignore[index]


async def test_kserve_keeps_ready_false_while_pods_never_pass_readiness(kube_admin, namespace):
    created = await _create(kube_admin, namespace, "stuck", fault=PodFault.NEVER_READY)

    stuck = await _watch_until(
        kube_admin,
        namespace,
        "stuck",
        lambda _, obj: _condition(obj, "PredictorReady") is not None,
        since=created.metadata.resourceVersion,
    )

    assert _condition(stuck, "Ready")["status"] == "False"  # type: ignore[index]
    assert _condition(stuck, "PredictorReady")["status"] == "False"  # type: ignore[index]
    assert (stuck.status.get("modelStatus") or {}).get("transitionStatus") != "UpToDate"


async def test_kserve_writes_no_status_when_only_replica_bounds_change(kube_admin, namespace):
    created = await _create(kube_admin, namespace, "bounded")
    ready = await _watch_until(
        kube_admin, namespace, "bounded", _ready, since=created.metadata.resourceVersion
    )
    deployment = await kube_admin.get(Deployment, "bounded-predictor", namespace=namespace)

    patched = await kube_admin.patch(
        InferenceService,
        "bounded",
        {"spec": {"predictor": {"minReplicas": 2, "maxReplicas": 4}}},
        namespace=namespace,
        patch_type=PatchType.MERGE,
    )

    # KServe updates the HPA only: the Deployment and the InferenceService status stay.
    hpa = await _hpa_with_bounds(kube_admin, namespace, "bounded-predictor", 2, 4)
    assert hpa is not None
    again = await kube_admin.get(InferenceService, "bounded", namespace=namespace)
    assert patched.metadata.generation == ready.metadata.generation + 1
    assert again.status["observedGeneration"] == ready.status["observedGeneration"]
    assert again.status["observedGeneration"] < again.metadata.generation
    same = await kube_admin.get(Deployment, "bounded-predictor", namespace=namespace)
    assert same.metadata.generation == deployment.metadata.generation


async def test_kserve_marks_every_condition_stopped_when_stop_annotation_is_set(
    kube_admin, namespace
):
    created = await _create(kube_admin, namespace, "paused")
    await _watch_until(
        kube_admin, namespace, "paused", _ready, since=created.metadata.resourceVersion
    )

    patched = await kube_admin.patch(
        InferenceService,
        "paused",
        {"metadata": {"annotations": {"serving.kserve.io/stop": "true"}}},
        namespace=namespace,
        patch_type=PatchType.MERGE,
    )
    stopped = await _watch_until(
        kube_admin,
        namespace,
        "paused",
        lambda _, obj: (_condition(obj, "Stopped") or {}).get("status") == "True",
        since=patched.metadata.resourceVersion,
    )

    assert _condition(stopped, "Ready")["status"] == "False"  # type: ignore[index]
    assert _condition(stopped, "Ready")["reason"] == "Stopped"  # type: ignore[index]


async def test_delete_waits_for_kserve_to_remove_finalizer_and_children_are_collected(
    stack, stack_info, kube_admin, namespace
):
    created = await _create(kube_admin, namespace, "goodbye")
    ready = await _watch_until(
        kube_admin, namespace, "goodbye", _ready, since=created.metadata.resourceVersion
    )
    assert FINALIZER in ready.metadata.finalizers
    built = await kserve_children(stack_info, namespace, "goodbye")
    assert "Deployment" in built

    stack.pause_kserve()
    try:
        await kube_admin.delete(InferenceService, "goodbye", namespace=namespace)
        terminating = await kube_admin.get(InferenceService, "goodbye", namespace=namespace)
        assert terminating.metadata.deletionTimestamp is not None
        assert FINALIZER in terminating.metadata.finalizers
    finally:
        stack.resume_kserve()

    await _watch_until(
        kube_admin,
        namespace,
        "goodbye",
        lambda kind, _: kind == "DELETED",
        since=ready.metadata.resourceVersion,
    )
    with pytest.raises(ApiError) as gone:
        await kube_admin.get(InferenceService, "goodbye", namespace=namespace)
    assert gone.value.status.code == 404
    # The garbage collector removes what KServe built once its owner is gone.
    for kind, names in built.items():
        for name in names:
            await _until_gone(kube_admin, KINDS[kind], namespace, name)
    assert await kserve_children(stack_info, namespace, "goodbye") == {}


async def test_kserve_webhook_refuses_min_replicas_above_max(kube_admin, namespace):
    bad = {**SKLEARN, "predictor": {**SKLEARN["predictor"], "minReplicas": 5, "maxReplicas": 2}}
    with pytest.raises(ApiError) as refused:
        await kube_admin.create(
            InferenceService(metadata=ObjectMeta(name="inverted", namespace=namespace), spec=bad)
        )
    assert "MinReplicas" in (refused.value.status.message or "")


async def _hpa_with_bounds(
    client: AsyncClient, namespace: str, name: str, low: int, high: int
) -> Any:
    events = cast(
        "AsyncGenerator[tuple[str, Any], None]",
        client.watch(HorizontalPodAutoscaler, namespace=namespace, fields={"metadata.name": name}),
    )
    async with asyncio.timeout(WATCH_DEADLINE_SECONDS), contextlib.aclosing(events):
        async for _, hpa in events:
            if hpa.spec.minReplicas == low and hpa.spec.maxReplicas == high:
                return hpa
    return None


async def _until_gone(client: AsyncClient, kind: Any, namespace: str, name: str) -> None:
    """Return once the object is deleted (a watch from the list that still holds it)."""
    listing = client.list(kind, namespace=namespace, fields={"metadata.name": name})
    if not [item async for item in listing]:
        return
    events = cast(
        "AsyncGenerator[tuple[str, Any], None]",
        client.watch(
            kind,
            namespace=namespace,
            fields={"metadata.name": name},
            resource_version=listing.resourceVersion,
        ),
    )
    async with asyncio.timeout(WATCH_DEADLINE_SECONDS), contextlib.aclosing(events):
        async for event, _ in events:
            if event == "DELETED":
                return
