"""Live status of an element's InferenceServices, as ACM outProperties and operational state.

Why: ONAP's docs promise the participant "holds the deployment information including the current
status", which the Java participant never reports. Each entity's URL, readiness and the reason
of a non-ready state are published after deploy and whenever they change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kserve_participant.kserve.readiness import Phase, Readiness

__all__ = [
    "OPERATIONAL_NOT_READY",
    "OPERATIONAL_READY",
    "EntityStatus",
    "entity_status",
    "operational_state",
    "out_properties",
]

OPERATIONAL_READY = "READY"
OPERATIONAL_NOT_READY = "NOT_READY"


@dataclass(frozen=True, slots=True)
class EntityStatus:
    namespace: str
    name: str
    entity_id: str
    readiness: Readiness
    url: str | None = None
    generation: int | None = None

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
    generation = obj.get("metadata", {}).get("generation") if obj else None
    return EntityStatus(
        namespace=namespace,
        name=name,
        entity_id=entity_id,
        readiness=readiness,
        url=_url(obj) if obj else None,
        generation=generation if isinstance(generation, int) else None,
    )


def out_properties(statuses: Iterable[EntityStatus]) -> dict[str, Any]:
    ordered = sorted(statuses, key=lambda s: (s.namespace, s.name))
    return {"inferenceServices": [s.as_json() for s in ordered]}


def operational_state(statuses: Iterable[EntityStatus]) -> str:
    ready = all(s.readiness.phase is Phase.READY for s in statuses)
    return OPERATIONAL_READY if ready else OPERATIONAL_NOT_READY
