"""What the shared watches keep of each object: only the fields their readers read.

Why: the caches hold every object the participant tracks, and their size is the participant's
memory growth per InferenceService. A Deployment is mostly its pod template, which no reader
looks at; an InferenceService's spec is read only for which components it has. Readers of the
InferenceService cache: ``readiness`` (metadata; status conditions, model status, deployment
mode), ``waiting`` (spec's component names, conditions), ``status`` and ``live`` (metadata, URL),
``writes`` and ``ownership`` (metadata). Readers of
the Deployment cache: ``rollout`` (the fields kept by :func:`deployment_view`) and the handler
(the owner label). A reader that needs another field adds it here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kserve_participant.k8s.client import Obj
from kserve_participant.kserve.ownership import ANNOTATION_TEMPLATE_HASH

__all__ = ["COMPONENTS", "ISVC_LABEL", "deployment_view", "inference_service_view"]

ISVC_LABEL = "serving.kserve.io/inferenceservice"  # KServe labels what it builds with it
COMPONENTS = ("predictor", "transformer", "explainer")

_DEPLOYMENT_METADATA = (
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "deletionTimestamp",
)
_DEPLOYMENT_STATUS = ("observedGeneration", "replicas", "updatedReplicas", "availableReplicas")
_CONDITION_FIELDS = ("type", "status", "reason", "message")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _pick(source: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: source[key] for key in keys if key in source}


def _isvc_status(status: Mapping[str, Any]) -> dict[str, Any]:
    kept = _pick(status, ("url", "deploymentMode"))
    address = _mapping(status.get("address"))
    if "url" in address:
        kept["address"] = {"url": address["url"]}
    conditions = status.get("conditions")
    if isinstance(conditions, list):
        kept["conditions"] = [_pick(_mapping(c), _CONDITION_FIELDS) for c in conditions]
    model = _mapping(status.get("modelStatus"))
    if model:
        kept_model = _pick(model, ("transitionStatus",))
        states = _mapping(model.get("states"))
        if states:
            kept_model["states"] = _pick(states, ("targetModelState", "activeModelState"))
        failure = _mapping(model.get("lastFailureInfo"))
        if failure:
            kept_model["lastFailureInfo"] = _pick(failure, ("reason", "message"))
        kept["modelStatus"] = kept_model
    return kept


def inference_service_view(obj: Obj) -> Obj:
    """Metadata (without ``managedFields``), which components the spec has, and the status
    fields the readiness rules and the live status read (conditions, model status, mode, URL)."""
    meta = _mapping(obj.get("metadata"))
    spec = _mapping(obj.get("spec"))
    view: Obj = {
        "metadata": {k: v for k, v in meta.items() if k != "managedFields"},
        "spec": {component: {} for component in COMPONENTS if component in spec},
    }
    status = obj.get("status")
    if isinstance(status, Mapping):
        view["status"] = _isvc_status(status)
    return view


def deployment_view(obj: Obj) -> Obj:
    """What decides a rollout: generations, replica counts, conditions, the owner and our hash."""
    meta = _mapping(obj.get("metadata"))
    kept_meta = _pick(meta, _DEPLOYMENT_METADATA)
    labels = _mapping(meta.get("labels"))
    if ISVC_LABEL in labels:
        kept_meta["labels"] = {ISVC_LABEL: labels[ISVC_LABEL]}
    annotations = _mapping(meta.get("annotations"))
    if ANNOTATION_TEMPLATE_HASH in annotations:
        kept_meta["annotations"] = {ANNOTATION_TEMPLATE_HASH: annotations[ANNOTATION_TEMPLATE_HASH]}
    owners = [
        _pick(_mapping(ref), ("uid", "controller")) for ref in meta.get("ownerReferences") or []
    ]
    if owners:
        kept_meta["ownerReferences"] = owners
    view: Obj = {"metadata": kept_meta}
    spec = _mapping(obj.get("spec"))
    if "replicas" in spec:
        view["spec"] = {"replicas": spec["replicas"]}
    status = _mapping(obj.get("status"))
    if status:
        kept_status = _pick(status, _DEPLOYMENT_STATUS)
        conditions = status.get("conditions")
        if isinstance(conditions, list):
            kept_status["conditions"] = [_pick(_mapping(c), _CONDITION_FIELDS) for c in conditions]
        view["status"] = kept_status
    return view
