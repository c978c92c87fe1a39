"""How the participant marks the InferenceServices it creates, and recognises them again.

Labels (selectable, values are UUIDs): who created the object and for which instance element,
so undeploy, delete and restart find every object of an element by a label selector, including
what a failed deploy or an update left. Annotations: the entity id (free text) and a hash of the
body we sent without its autoscaling bounds. KServe copies an InferenceService's annotations onto
the Deployments and pod templates it builds, so that hash tells which of our specs a Deployment
was built from (``rollout``); leaving the replica bounds out keeps a change of only those bounds
from rolling every pod, as it would not for KServe either (it only updates the HPA).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

__all__ = [
    "ANNOTATION_ENTITY_ID",
    "ANNOTATION_TEMPLATE_HASH",
    "LABEL_ELEMENT_ID",
    "LABEL_INSTANCE_ID",
    "LABEL_MANAGED_BY",
    "LABEL_PARTICIPANT_ID",
    "MANAGED_BY",
    "Owner",
    "is_owned_by",
    "stamp",
    "stamped_template_hash",
    "template_hash",
]

PREFIX = "kserve-participant.onap.org/"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY = "kserve-participant"
LABEL_PARTICIPANT_ID = PREFIX + "participant-id"
LABEL_INSTANCE_ID = PREFIX + "instance-id"
LABEL_ELEMENT_ID = PREFIX + "element-id"
ANNOTATION_ENTITY_ID = PREFIX + "entity-id"
ANNOTATION_TEMPLATE_HASH = PREFIX + "template-hash"
# KServe's component fields that reach only the HPA (or Deployment replicas), not the pod template.
AUTOSCALING_FIELDS = frozenset(
    {"minReplicas", "maxReplicas", "scaleTarget", "scaleMetric", "scaleMetricType", "autoScaling"}
)
_COMPONENTS = ("predictor", "transformer", "explainer")


@dataclass(frozen=True, slots=True)
class Owner:
    """The participant and instance element an InferenceService belongs to."""

    participant_id: UUID
    instance_id: UUID
    element_id: UUID

    def selector(self) -> dict[str, str | None]:
        """Every object of this element, whichever participant replica created it."""
        return {
            LABEL_MANAGED_BY: MANAGED_BY,
            LABEL_INSTANCE_ID: str(self.instance_id),
            LABEL_ELEMENT_ID: str(self.element_id),
        }


def template_hash(body: Mapping[str, Any]) -> str:
    """A stable digest of what we send, autoscaling bounds left out, before our own stamps."""
    trimmed = copy.deepcopy(dict(body))
    spec = trimmed.get("spec")
    if isinstance(spec, dict):
        for component in _COMPONENTS:
            fields = spec.get(component)
            if isinstance(fields, dict):
                for name in AUTOSCALING_FIELDS:
                    fields.pop(name, None)
    canonical = json.dumps(trimmed, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def stamp(body: Mapping[str, Any], owner: Owner, entity_id: str) -> dict[str, Any]:
    """A copy of ``body`` carrying the ownership labels and annotations."""
    stamped = copy.deepcopy(dict(body))
    metadata = stamped.setdefault("metadata", {})
    labels = metadata.setdefault("labels", {})
    labels.update(
        {
            LABEL_MANAGED_BY: MANAGED_BY,
            LABEL_PARTICIPANT_ID: str(owner.participant_id),
            LABEL_INSTANCE_ID: str(owner.instance_id),
            LABEL_ELEMENT_ID: str(owner.element_id),
        }
    )
    annotations = metadata.setdefault("annotations", {})
    annotations[ANNOTATION_ENTITY_ID] = entity_id
    annotations[ANNOTATION_TEMPLATE_HASH] = template_hash(body)
    return stamped


def _metadata(obj: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    value = obj.get("metadata", {}).get(field)
    return value if isinstance(value, Mapping) else {}


def is_owned_by(obj: Mapping[str, Any], owner: Owner) -> bool:
    labels = _metadata(obj, "labels")
    return labels.get(LABEL_INSTANCE_ID) == str(owner.instance_id) and labels.get(
        LABEL_ELEMENT_ID
    ) == str(owner.element_id)


def stamped_template_hash(obj: Mapping[str, Any]) -> str | None:
    value = _metadata(obj, "annotations").get(ANNOTATION_TEMPLATE_HASH)
    return str(value) if value is not None else None
