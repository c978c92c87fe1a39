"""The watch caches keep a view of each object: every reader's verdict on the view is the verdict
on the whole object, and the view is a fraction of its size."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from kserve_participant.kserve.ownership import ANNOTATION_TEMPLATE_HASH
from kserve_participant.kserve.readiness import WriteMark, assess
from kserve_participant.kserve.rollout import fatal_rollout, owned_by, rollout_pending
from kserve_participant.kserve.status import entity_status
from kserve_participant.kserve.views import (
    ISVC_LABEL,
    deployment_view,
    inference_service_view,
)
from kserve_participant.kserve.waiting import describe_conditions

_MANAGED = [{"manager": "kube-controller-manager", "fieldsV1": {"f:status": {"f:x": {}}}}] * 4


def kserve_deployment(**status: Any) -> dict[str, Any]:
    """A Deployment as KServe's controller builds it for a predictor (pod template included)."""
    container = {
        "name": "kserve-container",
        "image": "kserve/sklearnserver:v0.20.0",
        "args": ["--model_name=iris", "--model_dir=/mnt/models", "--http_port=8080"],
        "env": [{"name": f"VAR_{i}", "value": "x" * 40} for i in range(8)],
        "resources": {"limits": {"cpu": "1", "memory": "2Gi"}},
        "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 10},
        "volumeMounts": [{"name": "kserve-provision-location", "mountPath": "/mnt/models"}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "iris-predictor",
            "namespace": "ns",
            "uid": "dep-uid",
            "resourceVersion": "812",
            "generation": 2,
            "labels": {ISVC_LABEL: "iris", "app": "isvc.iris-predictor", "component": "predictor"},
            "annotations": {
                ANNOTATION_TEMPLATE_HASH: "new",
                "deployment.kubernetes.io/revision": "2",
                "serving.kserve.io/deploymentMode": "RawDeployment",
            },
            "ownerReferences": [
                {
                    "apiVersion": "serving.kserve.io/v1beta1",
                    "kind": "InferenceService",
                    "name": "iris",
                    "uid": "isvc-uid",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": _MANAGED,
        },
        "spec": {
            "replicas": status.pop("wanted", 1),
            "selector": {"matchLabels": {"app": "isvc.iris-predictor"}},
            "template": {
                "metadata": {"labels": {"app": "isvc.iris-predictor", ISVC_LABEL: "iris"}},
                "spec": {
                    "containers": [container],
                    "initContainers": [{**container, "name": "storage-initializer"}],
                    "volumes": [{"name": "kserve-provision-location", "emptyDir": {}}],
                },
            },
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
        },
        "status": {
            "observedGeneration": 2,
            "replicas": 1,
            "updatedReplicas": 1,
            "readyReplicas": 1,
            "availableReplicas": 1,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True",
                    "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                    "lastUpdateTime": "2026-12-04T01:00:00Z",
                    "lastTransitionTime": "2026-12-04T01:00:00Z",
                }
            ],
            **status,
        },
    }


DEPLOYMENT_STATES = [
    {},
    {"observedGeneration": 1},
    {"wanted": 2},
    {"replicas": 2},
    {"availableReplicas": 0},
    {
        "conditions": [
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "iris-predictor-5d" has timed out progressing.',
            }
        ]
    },
]


@pytest.mark.parametrize("state", DEPLOYMENT_STATES)
@pytest.mark.parametrize("template_hash", ["new", "old", None])
def test_rollout_verdict_on_the_deployment_view_is_the_verdict_on_the_whole_object(
    state: dict[str, Any], template_hash: str | None
) -> None:
    whole = kserve_deployment(**copy.deepcopy(state))
    view = deployment_view(whole)

    assert rollout_pending(view, template_hash) == rollout_pending(whole, template_hash)
    assert fatal_rollout(view) == fatal_rollout(whole)
    assert owned_by([view], "isvc-uid") == [view]
    assert owned_by([view], "another") == []
    assert view["metadata"]["labels"] == {ISVC_LABEL: "iris"}  # whose waiters it wakes


def test_deployment_view_keeps_what_the_watch_needs_and_a_fraction_of_the_size() -> None:
    whole = kserve_deployment()
    view = deployment_view(whole)

    meta = view["metadata"]
    assert (meta["namespace"], meta["name"], meta["uid"], meta["resourceVersion"]) == (
        "ns",
        "iris-predictor",
        "dep-uid",
        "812",
    )
    assert len(json.dumps(view)) * 4 < len(json.dumps(whole))


def kserve_isvc(**status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": "iris",
            "namespace": "ns",
            "uid": "isvc-uid",
            "resourceVersion": "900",
            "generation": 1,
            "annotations": {ANNOTATION_TEMPLATE_HASH: "new", "serving.kserve.io/stop": "false"},
            "finalizers": ["inferenceservice.finalizers"],
            "managedFields": _MANAGED,
        },
        "spec": {
            "predictor": {
                "model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://bucket/iris"}
            },
            "transformer": {"containers": [{"name": "t", "image": "example/transformer:1"}]},
        },
        "status": {
            "url": "http://iris-ns.example.com",
            "address": {"url": "http://iris.ns.svc.cluster.local"},
            "deploymentMode": "RawDeployment",
            "observedGeneration": 1,
            "components": {
                "predictor": {
                    "url": "http://iris-predictor-ns.example.com",
                    "latestCreatedRevision": "r1",
                }
            },
            "conditions": [
                {
                    "type": "PredictorReady",
                    "status": "True",
                    "lastTransitionTime": "2026-12-04T01:00:00Z",
                },
                {"type": "Ready", "status": "True", "lastTransitionTime": "2026-12-04T01:00:00Z"},
                {"type": "TransformerReady", "status": "True", "severity": "Info"},
            ],
            "modelStatus": {
                "states": {"activeModelState": "Loaded", "targetModelState": "Loaded"},
                "transitionStatus": "UpToDate",
                "copies": {"failedCopies": 0, "totalCopies": 1},
            },
            **status,
        },
    }


@pytest.mark.parametrize(
    "status",
    [
        {},
        {"modelStatus": {"transitionStatus": "InvalidSpec"}},
        {
            "modelStatus": {
                "states": {"targetModelState": "FailedToLoad"},
                "transitionStatus": "BlockedByFailedLoad",
                "lastFailureInfo": {"reason": "ModelLoadFailed", "message": "no model at uri"},
            },
            "conditions": [
                {"type": "Ready", "status": "False", "reason": "ModelLoadFailed"},
                {"type": "PredictorReady", "status": "False", "reason": "ProgressDeadlineExceeded"},
            ],
        },
        {"conditions": [{"type": "Ready", "status": "False", "reason": "Waiting", "message": "m"}]},
        {"deploymentMode": "Serverless", "url": None},
    ],
)
def test_readiness_on_the_inference_service_view_is_the_readiness_of_the_whole_object(
    status: dict[str, Any],
) -> None:
    whole = kserve_isvc(**status)
    view = inference_service_view(whole)
    mark = WriteMark(1, "900")

    assert assess(view) == assess(whole)
    assert assess(view, mark) == assess(whole, mark)
    assert assess(view, WriteMark(2, "900")) == assess(whole, WriteMark(2, "900"))
    assert describe_conditions(view) == describe_conditions(whole)
    readiness = assess(whole)
    assert entity_status("ns", "iris", "e", view, readiness) == entity_status(
        "ns", "iris", "e", whole, readiness
    )
    assert set(view["spec"]) == {"predictor", "transformer"}  # which Deployments it waits on
    assert "managedFields" not in view["metadata"]
    assert view["metadata"]["finalizers"] == ["inferenceservice.finalizers"]
