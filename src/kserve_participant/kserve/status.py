"""Live status of an element's InferenceServices, as ACM outProperties, operational and use state.

Why: ONAP's docs promise the participant "holds the deployment information including the current
status", which the Java participant never reports. Each entity's URL, readiness and the reason
of a non-ready state are published after deploy and whenever they change; after undeploy or
delete the element says that none is left, so ACM never shows a removed model as READY.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kserve_participant.kserve.readiness import Phase, Readiness

__all__ = [
    "OPERATIONAL_NOT_READY",
    "OPERATIONAL_READY",
    "OPERATIONAL_REMOVED",
    "STOP_ANNOTATION",
    "USE_ACTIVE",
    "USE_NONE",
    "USE_PARTLY_STOPPED",
    "USE_STOPPED",
    "EntityStatus",
    "entity_status",
    "operational_state",
    "out_properties",
    "use_state",
]

OPERATIONAL_READY = "READY"  # every InferenceService of the element is Ready, none stopped
OPERATIONAL_NOT_READY = "NOT_READY"  # some are not (progressing, failed, stopped, gone)
OPERATIONAL_REMOVED = "REMOVED"  # none exists: undeployed, deleted, or a deploy wrote nothing

USE_ACTIVE = "ACTIVE"  # none of the element's InferenceServices is stopped (Ready or not)
USE_STOPPED = "STOPPED"  # every one is stopped (KServe's annotation below)
USE_PARTLY_STOPPED = "PARTLY_STOPPED"
USE_NONE = "NONE"  # none exists

STOP_ANNOTATION = "serving.kserve.io/stop"


@dataclass(frozen=True, slots=True)
class EntityStatus:
    namespace: str
    name: str
    entity_id: str
    readiness: Readiness
    url: str | None = None
    generation: int | None = None
    stopped: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "kserveInferenceEntityId": self.entity_id,
            "name": self.name,
            "namespace": self.namespace,
            "url": self.url,
            "ready": self.readiness.phase is Phase.READY,
            "state": self.readiness.phase.value,
            "reason": self.readiness.reason,
            "generation": self.generation,
            "stopped": self.stopped,
        }


def _url(obj: Mapping[str, Any]) -> str | None:
    status = obj.get("status")
    if not isinstance(status, Mapping):
        return None
    url = status.get("url")
    if not url and isinstance(status.get("address"), Mapping):
        url = status["address"].get("url")
    return str(url) if url else None


def entity_status(
    namespace: str,
    name: str,
    entity_id: str,
    obj: Mapping[str, Any] | None,
    readiness: Readiness,
) -> EntityStatus:
    metadata = obj.get("metadata", {}) if obj else {}
    generation = metadata.get("generation")
    stop = str((metadata.get("annotations") or {}).get(STOP_ANNOTATION, "")).lower() == "true"
    return EntityStatus(
        namespace=namespace,
        name=name,
        entity_id=entity_id,
        readiness=readiness,
        url=_url(obj) if obj else None,
        generation=generation if isinstance(generation, int) else None,
        stopped=stop or readiness.phase is Phase.STOPPED,
    )


def out_properties(statuses: Iterable[EntityStatus]) -> dict[str, Any]:
    ordered = sorted(statuses, key=lambda s: (s.namespace, s.name))
    return {"inferenceServices": [s.as_json() for s in ordered]}


def _existing(statuses: Iterable[EntityStatus]) -> list[EntityStatus]:
    return [s for s in statuses if s.readiness.phase is not Phase.GONE]


def operational_state(statuses: Iterable[EntityStatus]) -> str:
    statuses = list(statuses)
    if not _existing(statuses):
        return OPERATIONAL_REMOVED
    # A stop annotation means "not serving" at once, before KServe's conditions catch up.
    ready = all(s.readiness.phase is Phase.READY and not s.stopped for s in statuses)
    return OPERATIONAL_READY if ready else OPERATIONAL_NOT_READY


def use_state(statuses: Iterable[EntityStatus]) -> str:
    """Serving or stopped (``serving.kserve.io/stop``), over the InferenceServices that exist."""
    existing = _existing(statuses)
    stopped = sum(1 for s in existing if s.stopped)
    if not existing:
        return USE_NONE
    if stopped == 0:
        return USE_ACTIVE
    return USE_STOPPED if stopped == len(existing) else USE_PARTLY_STOPPED
