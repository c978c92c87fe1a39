"""The InferenceService statuses the stand-in KServe controller writes, and the knobs picking them.

Pure functions, no I/O. The shapes follow what KServe's controller writes in Standard
(RawDeployment) mode for a predictor-only InferenceService (see kserve-facts.md (b)): knative-style
conditions sorted alphabetically by type, ``Stopped`` with severity ``Info``, ``url``,
``address.url``, ``components.predictor``, ``modelStatus``, ``observedGeneration`` and
``deploymentMode: Standard``. While not ready, ``Ready`` is False with KServe's start-up reasons.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "ANNOTATION_PREFIX",
    "DELETE_DELAY_ANNOTATION",
    "FAIL_ANNOTATION",
    "FAIL_MESSAGE_ANNOTATION",
    "NEVER_READY_ANNOTATION",
    "READY_AFTER_ANNOTATION",
    "READY_MESSAGE",
    "STOP_ANNOTATION",
    "Knobs",
    "Phase",
    "build_status",
    "plan",
]

ANNOTATION_PREFIX = "standin.kserve-participant.dev/"
READY_AFTER_ANNOTATION = ANNOTATION_PREFIX + "ready-after-ms"
NEVER_READY_ANNOTATION = ANNOTATION_PREFIX + "never-ready"
FAIL_ANNOTATION = ANNOTATION_PREFIX + "fail"
FAIL_MESSAGE_ANNOTATION = ANNOTATION_PREFIX + "fail-message"
DELETE_DELAY_ANNOTATION = ANNOTATION_PREFIX + "delete-delay-ms"
STOP_ANNOTATION = "serving.kserve.io/stop"

DEFAULT_READY_AFTER_MS = 100

READY_MESSAGE = "stand-in controller watching InferenceServices"
"""Logged once the initial list is done and the watch is about to start (a readiness marker)."""

FailMode = Literal["FailedToLoad", "InvalidSpec"]

_INGRESS_NOT_CREATED = "Predictor ingress not created"
_MIN_REPLICAS = "MinimumReplicasUnavailable"
_MIN_REPLICAS_MESSAGE = "Deployment does not have minimum availability."
_DEFAULT_FAIL_MESSAGES: dict[str, tuple[str, str]] = {
    "FailedToLoad": (
        "ModelLoadFailed",
        "failed to download model: storage-initializer exited with code 1",
    ),
    "InvalidSpec": (
        "NoSupportingRuntime",
        "No runtime found to support specified framework/version",
    ),
}


class Phase(enum.Enum):
    """What the stand-in reports; one status shape each."""

    UNKNOWN = "Unknown"  # no component reconciled yet: the three conditions Unknown
    PROGRESSING = "Progressing"  # Deployment not yet available: Ready False, start-up reasons
    READY = "Ready"
    FAILED_TO_LOAD = "FailedToLoad"  # model load fails: pods crash, BlockedByFailedLoad
    INVALID_SPEC = "InvalidSpec"  # no runtime for the spec: conditions stay Unknown
    STOPPED = "Stopped"  # serving.kserve.io/stop: "true"


@dataclass(frozen=True)
class Knobs:
    """Per-object behaviour, read from the InferenceService's annotations."""

    ready_after_ms: int = DEFAULT_READY_AFTER_MS
    never_ready: bool = False
    fail: FailMode | None = None
    fail_message: str | None = None
    delete_delay_ms: int = 0
    stopped: bool = False

    @classmethod
    def from_annotations(cls, annotations: Mapping[str, str] | None) -> Knobs:
        """Unparseable values fall back to the defaults rather than stalling the object."""
        values = annotations or {}
        fail = values.get(FAIL_ANNOTATION)
        return cls(
            ready_after_ms=_milliseconds(
                values.get(READY_AFTER_ANNOTATION), DEFAULT_READY_AFTER_MS
            ),
            never_ready=values.get(NEVER_READY_ANNOTATION, "").lower() == "true",
            fail="FailedToLoad"
            if fail == "FailedToLoad"
            else "InvalidSpec"
            if fail == "InvalidSpec"
            else None,
            fail_message=values.get(FAIL_MESSAGE_ANNOTATION),
            delete_delay_ms=_milliseconds(values.get(DELETE_DELAY_ANNOTATION), 0),
            stopped=values.get(STOP_ANNOTATION, "").lower() == "true",
        )


def plan(knobs: Knobs) -> list[tuple[int, Phase]]:
    """The phases to report after a new generation (or knob change): (delay in ms, phase) pairs."""
    if knobs.stopped:
        return [(0, Phase.STOPPED)]
    if knobs.never_ready:
        return [(0, Phase.UNKNOWN)]
    if knobs.fail == "InvalidSpec":
        return [(0, Phase.UNKNOWN), (knobs.ready_after_ms, Phase.INVALID_SPEC)]
    if knobs.fail == "FailedToLoad":
        return [(0, Phase.PROGRESSING), (knobs.ready_after_ms, Phase.FAILED_TO_LOAD)]
    return [(0, Phase.PROGRESSING), (knobs.ready_after_ms, Phase.READY)]


def build_status(
    phase: Phase,
    *,
    name: str,
    namespace: str,
    generation: int,
    knobs: Knobs,
    previous: Mapping[str, Any] | None,
    now: datetime,
) -> dict[str, Any]:
    """The ``status`` to merge-patch for ``phase``.

    ``previous`` (the current status) keeps the transition times of unchanged conditions."""
    previous = previous or {}
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    status: dict[str, Any] = {
        "conditions": _with_transition_times(_conditions(phase), previous.get("conditions"), stamp),
        "deploymentMode": "Standard",
    }
    if phase is not Phase.UNKNOWN:
        status["observedGeneration"] = generation
    active = ((previous.get("modelStatus") or {}).get("states") or {}).get("activeModelState", "")
    if phase is Phase.READY:
        status.update(_addresses(name, namespace))
        status["modelStatus"] = _model_status("UpToDate", "Loaded", "Loaded", total_copies=1)
    elif phase is Phase.PROGRESSING:
        status["modelStatus"] = _model_status("InProgress", "Pending", active, total_copies=0)
    elif phase in (Phase.FAILED_TO_LOAD, Phase.INVALID_SPEC):
        mode: FailMode = "FailedToLoad" if phase is Phase.FAILED_TO_LOAD else "InvalidSpec"
        transition = "BlockedByFailedLoad" if mode == "FailedToLoad" else "InvalidSpec"
        status["modelStatus"] = _model_status(transition, "FailedToLoad", active, total_copies=0)
        reason, message = _DEFAULT_FAIL_MESSAGES[mode]
        failure: dict[str, Any] = {
            "reason": reason,
            "message": knobs.fail_message or message,
            "time": stamp,
        }
        if mode == "FailedToLoad":
            failure.update(location="storage-initializer", exitCode=1)
        status["modelStatus"]["lastFailureInfo"] = failure
    elif phase is Phase.STOPPED:
        status.update(url=None, address=None, components=None)
    return status


def _conditions(phase: Phase) -> list[dict[str, Any]]:
    if phase in (Phase.UNKNOWN, Phase.INVALID_SPEC):
        return [_condition(kind, "Unknown") for kind in ("IngressReady", "PredictorReady", "Ready")]
    if phase is Phase.READY:
        conditions = [
            _condition(kind, "True") for kind in ("IngressReady", "PredictorReady", "Ready")
        ]
        return [*conditions, _condition("Stopped", "False", severity="Info")]
    if phase is Phase.STOPPED:
        stopped = [
            _condition(kind, "False", reason="Stopped", message="The inference service is stopped")
            for kind in ("IngressReady", "PredictorReady", "Ready")
        ]
        return [*stopped, _condition("Stopped", "True", severity="Info")]
    # PROGRESSING and FAILED_TO_LOAD: the predictor Deployment never becomes available.
    return [
        _condition("IngressReady", "False", reason=_INGRESS_NOT_CREATED),
        _condition("PredictorReady", "False", reason=_MIN_REPLICAS, message=_MIN_REPLICAS_MESSAGE),
        _condition("Ready", "False", reason=_INGRESS_NOT_CREATED),
        _condition("Stopped", "False", severity="Info"),
    ]


def _condition(
    kind: str, status: str, *, reason: str = "", message: str = "", severity: str = ""
) -> dict[str, Any]:
    condition: dict[str, Any] = {"type": kind, "status": status}
    if severity:
        condition["severity"] = severity
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def _with_transition_times(
    conditions: list[dict[str, Any]], previous: Sequence[Mapping[str, Any]] | None, stamp: str
) -> list[dict[str, Any]]:
    """Keep a condition's lastTransitionTime while its status is unchanged (as knative does)."""
    before = {c.get("type"): c for c in previous or []}
    for condition in conditions:
        old = before.get(condition["type"])
        unchanged = old is not None and old.get("status") == condition["status"]
        condition["lastTransitionTime"] = (
            old.get("lastTransitionTime", stamp) if unchanged and old else stamp
        )
    return sorted(conditions, key=lambda c: str(c["type"]))


def _addresses(name: str, namespace: str) -> dict[str, Any]:
    internal = f"http://{name}-predictor.{namespace}.svc.cluster.local"
    return {
        "url": f"http://{name}-{namespace}.example.com",
        "address": {"url": internal},
        "components": {
            "predictor": {
                "url": f"http://{name}-predictor-{namespace}.example.com",
                "address": {"url": internal},
            }
        },
    }


def _model_status(
    transition: str, target: str, active: str, *, total_copies: int
) -> dict[str, Any]:
    return {
        "transitionStatus": transition,
        "states": {"targetModelState": target, "activeModelState": active},
        "copies": {"failedCopies": 0, "totalCopies": total_copies},
    }


def _milliseconds(text: str | None, default: int) -> int:
    try:
        value = int(text) if text is not None else default
    except ValueError:
        return default
    return max(value, 0)
