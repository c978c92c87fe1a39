"""Pure decision: an InferenceService object -> Ready | Progressing | Failed | Stopped | Gone.

Why here and pure: these rules (docs/kserve.md, from KServe's own status model) decide when a
deploy is acked and when it fails fast; they must be testable without a cluster. Conditions are
found by ``type``, never by position (KServe sorts them alphabetically). A state that cannot heal
without a spec change (model FailedToLoad, InvalidSpec, BlockedByFailedLoad, a component that
failed for good) is Failed, quoting KServe's reason, so the deploy does not wait for its timeout;
a spec no runtime can serve fails even while ``Ready`` stays True, as KServe leaves it after an
update to an unserved format. Right after an update the object still carries the status of the
previous spec: the caller passes the resourceVersion it wrote (a :class:`WriteMark`), and failures
are judged only on a status written after it. Whether an update really serves is decided from
KServe's Deployments (``rollout``), since ``Ready`` stays True through a rolling update.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Phase", "Readiness", "WriteMark", "assess", "condition"]

_COMPONENT_CONDITIONS = ("PredictorReady", "TransformerReady", "ExplainerReady")
# Not fatal: KServe's ReconcileFailed also reports errors its next reconcile heals (seen on real
# KServe: its HPA "already exists" after an API server restart, from a stale informer cache).
_FATAL_COMPONENT_REASONS = frozenset(
    {
        "ProgressDeadlineExceeded",
        "InvalidGPUAllocation",
        "InvalidWorkerSpecNotSet",
        "FailedCreate",
        "RevisionFailed",
        "RevisionMissing",
        "ContainerMissing",
    }
)
_FATAL_TRANSITIONS = frozenset({"InvalidSpec", "BlockedByFailedLoad"})
# A spec KServe cannot serve at all: fatal even though Ready keeps the previous spec's True.
_UNSERVABLE_TRANSITIONS = frozenset({"InvalidSpec"})


class Phase(StrEnum):
    READY = "Ready"
    PROGRESSING = "Progressing"
    FAILED = "Failed"
    STOPPED = "Stopped"
    GONE = "Gone"


@dataclass(frozen=True, slots=True)
class Readiness:
    phase: Phase
    reason: str = ""
    # A failure KServe read off the pods (a model that fails to load): right after failing pods
    # were replaced it may still be theirs (see ``waiting.rolled_out``).
    from_pods: bool = False

    @property
    def settled(self) -> bool:
        """True when waiting longer will not change the verdict (all but Progressing)."""
        return self.phase is not Phase.PROGRESSING


@dataclass(frozen=True, slots=True)
class WriteMark:
    """Our last write: its generation and the resourceVersion the API server gave it, and
    whether the object's pods were failing before it (then a pod failure may be theirs)."""

    generation: int
    resource_version: str | None = None
    pods_failing_before: bool = False

    def predates(self, obj: Mapping[str, Any]) -> bool:
        """True when ``obj`` is still the object as we wrote it (its status is the old one)."""
        version = (obj.get("metadata") or {}).get("resourceVersion")
        return self.resource_version is not None and version == self.resource_version


def condition(obj: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    status = obj.get("status")
    conditions = status.get("conditions") if isinstance(status, Mapping) else None
    if not isinstance(conditions, list):
        return None
    for item in conditions:
        if isinstance(item, Mapping) and item.get("type") == type_:
            return item
    return None


def _describe(cond: Mapping[str, Any]) -> str:
    text = f"{cond.get('type')}={cond.get('status')}"
    reason, message = cond.get("reason") or "", cond.get("message") or ""
    detail = ": ".join(part for part in (reason, message) if part)
    return f"{text} ({detail})" if detail else text


def _model_failure(status: Mapping[str, Any], *, ready: bool) -> str | None:
    model = status.get("modelStatus")
    if not isinstance(model, Mapping):
        return None
    raw_states = model.get("states")
    states: Mapping[str, Any] = raw_states if isinstance(raw_states, Mapping) else {}
    transition = model.get("transitionStatus")
    failed_states = [
        f"{key}=FailedToLoad"
        for key in ("targetModelState", "activeModelState")
        if states.get(key) == "FailedToLoad"
    ]
    if ready:  # the previous spec still serves: only a spec KServe cannot serve at all is fatal
        failing = transition in _UNSERVABLE_TRANSITIONS
    else:
        failing = transition in _FATAL_TRANSITIONS or bool(failed_states)
    if not failing:
        return None
    what = ", ".join([*([f"transitionStatus={transition}"] if transition else []), *failed_states])
    info = model.get("lastFailureInfo")
    if isinstance(info, Mapping):
        detail = ": ".join(str(info[k]) for k in ("reason", "message") if info.get(k))
        if detail:
            return f"model {what} ({detail})"
    return f"model {what}"


def assess(obj: Mapping[str, Any] | None, mark: WriteMark | None = None) -> Readiness:
    """Classify an InferenceService; with ``mark``, a status older than our write fails nothing."""
    if obj is None:
        return Readiness(Phase.GONE, "not found")
    metadata = obj.get("metadata") or {}
    if metadata.get("deletionTimestamp"):
        return Readiness(Phase.GONE, "being deleted")
    status = obj.get("status")
    if not isinstance(status, Mapping) or not status.get("conditions"):
        return Readiness(Phase.PROGRESSING, "KServe has not reconciled it yet (no conditions)")
    stale = mark is not None and mark.generation > 1 and mark.predates(obj)
    if mark is not None and stale and status.get("deploymentMode") == "Serverless":
        # Standard mode is gated on the Deployments (``rollout``); Knative mode is not.
        return Readiness(
            Phase.PROGRESSING, f"waiting for KServe to reconcile generation {mark.generation}"
        )
    stopped = condition(obj, "Stopped")
    if stopped and stopped.get("status") == "True":
        return Readiness(Phase.STOPPED, "stopped (annotation serving.kserve.io/stop)")
    ready = condition(obj, "Ready")
    ready_true = bool(ready and ready.get("status") == "True")
    failure = None if stale else _model_failure(status, ready=ready_true)
    if failure:
        unservable = (status.get("modelStatus") or {}).get("transitionStatus") == "InvalidSpec"
        return Readiness(Phase.FAILED, failure, from_pods=not unservable)
    for type_ in _COMPONENT_CONDITIONS:
        cond = condition(obj, type_)
        if (
            not stale
            and cond
            and cond.get("status") == "False"
            and cond.get("reason") in _FATAL_COMPONENT_REASONS
        ):
            return Readiness(Phase.FAILED, _describe(cond))
    if ready is None:
        return Readiness(Phase.PROGRESSING, "no Ready condition yet")
    if not ready_true:
        return Readiness(Phase.PROGRESSING, _describe(ready))
    for type_ in _COMPONENT_CONDITIONS[1:]:
        cond = condition(obj, type_)
        if cond and cond.get("status") != "True":
            return Readiness(Phase.PROGRESSING, _describe(cond))
    return Readiness(Phase.READY)
