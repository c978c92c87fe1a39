"""Pure decision: has KServe rolled our spec out to its Deployments, and are the new pods ready?

Why: in Standard mode KServe's ``Ready`` stays True through a rolling update and its
``observedGeneration`` is copied from the Deployment, so neither tells when an update serves.
The Deployments KServe owns do: as ``kubectl rollout status`` decides it, a Deployment is rolled
out when its controller has observed its generation, every replica runs the new template, no old
replica is left and the new ones are available. Which template is "new" for our write is told by
our template-hash annotation, which KServe copies from the InferenceService onto each Deployment
it builds; a Deployment still carrying an older hash has not been regenerated from our spec yet.
A change of the replica bounds only leaves the hash (and the pod template) as it was: KServe then
only updates the HPA, and the Deployment already serves the spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kserve_participant.kserve.ownership import ANNOTATION_TEMPLATE_HASH

__all__ = ["fatal_rollout", "owned_by", "rollout_pending"]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) else default


def owned_by(deployments: Iterable[Mapping[str, Any]], uid: str) -> list[Mapping[str, Any]]:
    """The Deployments whose controller owner is the InferenceService ``uid``."""
    return [
        d
        for d in deployments
        if any(
            _mapping(ref).get("uid") == uid
            for ref in _mapping(d.get("metadata")).get("ownerReferences") or []
        )
    ]


def _hash_of(deployment: Mapping[str, Any]) -> str | None:
    meta = _mapping(deployment.get("metadata"))
    value = _mapping(meta.get("annotations")).get(ANNOTATION_TEMPLATE_HASH)
    return str(value) if value is not None else None


def _name(deployment: Mapping[str, Any]) -> str:
    return str(_mapping(deployment.get("metadata")).get("name", "?"))


def fatal_rollout(deployment: Mapping[str, Any]) -> str | None:
    """The reason a rollout will not finish without a spec change (progress deadline passed)."""
    for cond in _mapping(deployment.get("status")).get("conditions") or []:
        cond = _mapping(cond)
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            message = cond.get("message") or "progress deadline exceeded"
            return f"Deployment {_name(deployment)}: {message}"
    return None


def rollout_pending(deployment: Mapping[str, Any], template_hash: str | None) -> str | None:
    """Why ``deployment`` does not yet serve ``template_hash`` (None: it does)."""
    name = _name(deployment)
    if template_hash is not None and _hash_of(deployment) != template_hash:
        return f"Deployment {name} not yet updated by KServe"
    meta = _mapping(deployment.get("metadata"))
    spec = _mapping(deployment.get("spec"))
    status = _mapping(deployment.get("status"))
    if _int(meta.get("generation")) > _int(status.get("observedGeneration")):
        return f"Deployment {name}: new generation not yet observed"
    wanted = _int(spec.get("replicas"), 1)
    updated = _int(status.get("updatedReplicas"))
    if updated < wanted:
        return f"Deployment {name}: {updated} of {wanted} replicas updated"
    old = _int(status.get("replicas")) - updated
    if old > 0:
        return f"Deployment {name}: {old} old replica(s) pending termination"
    available = _int(status.get("availableReplicas"))
    if available < updated:
        return f"Deployment {name}: {available} of {updated} updated replicas available"
    return None
