"""Pure decision: an InferenceService object -> Ready | Progressing | Failed | Stopped | Gone.

Why here and pure: these rules (docs/kserve.md, from KServe's own status model) decide when a
deploy is acked and when it fails fast; they must be testable without a cluster. Conditions are
found by ``type``, never by position (KServe sorts them alphabetically). A state that cannot heal
without a spec change (model FailedToLoad, InvalidSpec, BlockedByFailedLoad, a component that
failed for good) is Failed, quoting KServe's reason, so the deploy does not wait for its timeout.
After an update, the old ``Ready=True`` stays visible until KServe reconciles the new spec, so a
caller passes the generation it wrote and its write time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["Phase", "Readiness", "WriteMark", "assess", "condition", "parse_time"]

_COMPONENT_CONDITIONS = ("PredictorReady", "TransformerReady", "ExplainerReady")
_FATAL_COMPONENT_REASONS = frozenset(
    {
        "ProgressDeadlineExceeded",
        "ReconcileFailed",
        "InvalidGPUAllocation",
        "InvalidWorkerSpecNotSet",
        "FailedCreate",
        "RevisionFailed",
        "RevisionMissing",
        "ContainerMissing",
    }
)
_FATAL_TRANSITIONS = frozenset({"InvalidSpec", "BlockedByFailedLoad"})


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

    @property
    def settled(self) -> bool:
        """True when waiting longer will not change the verdict (all but Progressing)."""
        return self.phase is not Phase.PROGRESSING


@dataclass(frozen=True, slots=True)
class WriteMark:
    """What we wrote last: its generation and the API server's time of the write."""

    generation: int
    written_at: datetime | None = None


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


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


def _reconciled(obj: Mapping[str, Any], mark: WriteMark) -> bool:
    status = obj.get("status")
    if not isinstance(status, Mapping):
        return False
    observed = status.get("observedGeneration")
    if isinstance(observed, int) and observed >= mark.generation:
        return True
    ready = condition(obj, "Ready")
    changed_at = parse_time(ready.get("lastTransitionTime")) if ready else None
    # Strictly later: both clocks have one-second resolution, an equal time may be the old one.
    return bool(mark.written_at and changed_at and changed_at > mark.written_at)


def _model_failure(status: Mapping[str, Any]) -> str | None:
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
    if transition not in _FATAL_TRANSITIONS and not failed_states:
        return None
    what = ", ".join([*([f"transitionStatus={transition}"] if transition else []), *failed_states])
    info = model.get("lastFailureInfo")
    if isinstance(info, Mapping):
        detail = ": ".join(str(info[k]) for k in ("reason", "message") if info.get(k))
        if detail:
            return f"model {what} ({detail})"
    return f"model {what}"


def assess(obj: Mapping[str, Any] | None, mark: WriteMark | None = None) -> Readiness:
    """Classify an InferenceService; ``mark`` makes a status older than our write Progressing."""
    if obj is None:
        return Readiness(Phase.GONE, "not found")
    metadata = obj.get("metadata") or {}
    if metadata.get("deletionTimestamp"):
        return Readiness(Phase.GONE, "being deleted")
    status = obj.get("status")
    if not isinstance(status, Mapping) or not status.get("conditions"):
        return Readiness(Phase.PROGRESSING, "KServe has not reconciled it yet (no conditions)")
    if mark is not None and mark.generation > 1 and not _reconciled(obj, mark):
        return Readiness(
            Phase.PROGRESSING, f"waiting for KServe to reconcile generation {mark.generation}"
        )
    stopped = condition(obj, "Stopped")
    if stopped and stopped.get("status") == "True":
        return Readiness(Phase.STOPPED, "stopped (annotation serving.kserve.io/stop)")
    ready = condition(obj, "Ready")
    ready_true = bool(ready and ready.get("status") == "True")
    if not ready_true:
        failure = _model_failure(status)
        if failure:
            return Readiness(Phase.FAILED, failure)
    for type_ in _COMPONENT_CONDITIONS:
        cond = condition(obj, type_)
        if (
            cond
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
