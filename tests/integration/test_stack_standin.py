"""The stand-in KServe controller, seen through the real API server: readiness, knobs, finalizer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from typing import Any, cast

import pytest
from lightkube import ApiError, AsyncClient
from lightkube.models.meta_v1 import ObjectMeta

from kserve_participant.devstack.resources import FINALIZER, InferenceService

pytestmark = pytest.mark.integration

SKLEARN = {
    "predictor": {"sklearn": {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model"}}
}
KNOB = "standin.kserve-participant.dev/"
WATCH_DEADLINE_SECONDS = 30.0


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
    client: AsyncClient, namespace: str, name: str, annotations: dict[str, str] | None = None
) -> Any:
    return await client.create(
        InferenceService(
            metadata=ObjectMeta(name=name, namespace=namespace, annotations=annotations),
            spec=SKLEARN,
        )
    )


@pytest.mark.usefixtures("standin_controller")
async def test_standin_marks_inference_service_ready_when_created(kube_admin, namespace):
    created = await _create(kube_admin, namespace, "iris")

    ready = await _watch_until(
        kube_admin,
        namespace,
        "iris",
        lambda _, obj: (_condition(obj, "Ready") or {}).get("status") == "True",
        since=created.metadata.resourceVersion,
    )

    status = ready.status
    assert [c["type"] for c in status["conditions"]] == [
        "IngressReady",
        "PredictorReady",
        "Ready",
        "Stopped",
    ]
    assert _condition(ready, "Stopped") == {
        "type": "Stopped",
        "status": "False",
        "severity": "Info",
        "lastTransitionTime": _condition(ready, "Stopped")["lastTransitionTime"],  # type: ignore[index]
    }
    assert status["url"] == f"http://iris-{namespace}.example.com"
    assert status["address"]["url"] == f"http://iris-predictor.{namespace}.svc.cluster.local"
    assert status["modelStatus"]["transitionStatus"] == "UpToDate"
    assert status["modelStatus"]["states"]["activeModelState"] == "Loaded"
    assert status["observedGeneration"] == ready.metadata.generation
    assert status["deploymentMode"] == "Standard"
    assert FINALIZER in ready.metadata.finalizers


@pytest.mark.usefixtures("standin_controller")
async def test_standin_reports_progress_before_ready_when_ready_is_delayed(kube_admin, namespace):
    created = await _create(kube_admin, namespace, "slow", {KNOB + "ready-after-ms": "60000"})

    progressing = await _watch_until(
        kube_admin,
        namespace,
        "slow",
        lambda _, obj: _condition(obj, "Ready") is not None,
        since=created.metadata.resourceVersion,
    )

    assert _condition(progressing, "Ready")["status"] == "False"  # type: ignore[index]
    assert _condition(progressing, "PredictorReady")["reason"] == "MinimumReplicasUnavailable"  # type: ignore[index]
    assert progressing.status["modelStatus"]["transitionStatus"] == "InProgress"


@pytest.mark.usefixtures("standin_controller")
async def test_standin_reports_failed_load_when_fail_knob_is_set(kube_admin, namespace):
    created = await _create(
        kube_admin,
        namespace,
        "broken",
        {KNOB + "fail": "FailedToLoad", KNOB + "ready-after-ms": "0"},
    )

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
    assert _condition(failed, "Ready")["status"] == "False"  # type: ignore[index]


@pytest.mark.usefixtures("standin_controller")
async def test_standin_keeps_conditions_unknown_when_never_ready(kube_admin, namespace):
    created = await _create(kube_admin, namespace, "stuck", {KNOB + "never-ready": "true"})

    stuck = await _watch_until(
        kube_admin,
        namespace,
        "stuck",
        lambda _, obj: _condition(obj, "Ready") is not None,
        since=created.metadata.resourceVersion,
    )

    assert {c["type"]: c["status"] for c in stuck.status["conditions"]} == {
        "IngressReady": "Unknown",
        "PredictorReady": "Unknown",
        "Ready": "Unknown",
    }


@pytest.mark.usefixtures("standin_controller")
async def test_delete_waits_for_standin_to_remove_finalizer_when_delete_is_slow(
    kube_admin, namespace
):
    await _create(kube_admin, namespace, "goodbye", {KNOB + "delete-delay-ms": "1500"})
    with_finalizer = await _watch_until(
        kube_admin,
        namespace,
        "goodbye",
        lambda _, obj: FINALIZER in (obj.metadata.finalizers or []),
        since="0",
    )

    await kube_admin.delete(InferenceService, "goodbye", namespace=namespace)
    terminating = await kube_admin.get(InferenceService, "goodbye", namespace=namespace)
    assert terminating.metadata.deletionTimestamp is not None
    assert FINALIZER in terminating.metadata.finalizers

    await _watch_until(
        kube_admin,
        namespace,
        "goodbye",
        lambda kind, _: kind == "DELETED",
        since=with_finalizer.metadata.resourceVersion,
    )
    with pytest.raises(ApiError) as gone:
        await kube_admin.get(InferenceService, "goodbye", namespace=namespace)
    assert gone.value.status.code == 404
