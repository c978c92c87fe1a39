"""When KServe's Deployment serves our spec: ``kubectl rollout status``'s rules, plus our hash."""

from __future__ import annotations

from typing import Any

from kserve_participant.kserve.ownership import ANNOTATION_TEMPLATE_HASH
from kserve_participant.kserve.rollout import fatal_rollout, owned_by, rollout_pending


def deployment(
    *,
    template_hash: str | None = "new",
    generation: int = 2,
    observed: int = 2,
    replicas: int = 1,
    updated: int = 1,
    total: int = 1,
    available: int = 1,
    conditions: list[dict[str, Any]] | None = None,
    owner: str = "isvc-uid",
) -> dict[str, Any]:
    annotations = {ANNOTATION_TEMPLATE_HASH: template_hash} if template_hash else {}
    return {
        "metadata": {
            "name": "iris-predictor",
            "generation": generation,
            "annotations": annotations,
            "ownerReferences": [{"kind": "InferenceService", "uid": owner}],
        },
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": observed,
            "replicas": total,
            "updatedReplicas": updated,
            "availableReplicas": available,
            "conditions": conditions or [],
        },
    }


def test_rolled_out_when_every_replica_runs_our_template_and_is_available():
    assert rollout_pending(deployment(), "new") is None


def test_pending_while_kserve_has_not_rebuilt_the_deployment_from_our_spec():
    reason = rollout_pending(deployment(template_hash="old"), "new")
    assert reason == "Deployment iris-predictor not yet updated by KServe"


def test_pending_while_the_deployment_controller_has_not_observed_the_new_generation():
    reason = rollout_pending(deployment(generation=3, observed=2), "new")
    assert reason == "Deployment iris-predictor: new generation not yet observed"


def test_pending_while_new_replicas_are_not_all_updated_or_old_ones_remain():
    assert rollout_pending(deployment(replicas=2, updated=1, total=2), "new") == (
        "Deployment iris-predictor: 1 of 2 replicas updated"
    )
    assert rollout_pending(deployment(updated=1, total=2), "new") == (
        "Deployment iris-predictor: 1 old replica(s) pending termination"
    )


def test_pending_while_the_new_pod_is_not_available_yet():
    assert rollout_pending(deployment(available=0), "new") == (
        "Deployment iris-predictor: 0 of 1 updated replicas available"
    )


def test_fatal_when_the_progress_deadline_has_passed():
    stuck = deployment(
        conditions=[
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "iris-predictor-5d" has timed out progressing.',
            }
        ]
    )
    assert fatal_rollout(stuck) == (
        'Deployment iris-predictor: ReplicaSet "iris-predictor-5d" has timed out progressing.'
    )
    assert fatal_rollout(deployment()) is None


def test_owned_by_selects_the_deployments_of_one_inference_service():
    mine, other = deployment(owner="a"), deployment(owner="b")
    assert owned_by([mine, other], "a") == [mine]
