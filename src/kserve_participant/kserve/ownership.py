"""How the participant marks the InferenceServices it creates, and recognises them again.

Labels (selectable, values are UUIDs): who created the object and for which instance element,
so undeploy, delete and restart find every object of an element by a label selector, including
what a failed deploy or an update left. Annotations: the entity id (free text) and a hash of
the body we sent, so an adopted object is updated only when the payload really changed; KServe's
webhook rewrites the stored spec, so diffing spec against payload would always differ.
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
    "ANNOTATION_PAYLOAD_HASH",
    "LABEL_ELEMENT_ID",
    "LABEL_INSTANCE_ID",
    "LABEL_MANAGED_BY",
    "LABEL_PARTICIPANT_ID",
    "MANAGED_BY",
    "Owner",
    "is_owned_by",
    "payload_hash",
    "stamp",
    "stamped_hash",
]

PREFIX = "kserve-participant.onap.org/"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY = "kserve-participant"
LABEL_PARTICIPANT_ID = PREFIX + "participant-id"
LABEL_INSTANCE_ID = PREFIX + "instance-id"
LABEL_ELEMENT_ID = PREFIX + "element-id"
ANNOTATION_ENTITY_ID = PREFIX + "entity-id"
ANNOTATION_PAYLOAD_HASH = PREFIX + "payload-hash"


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


def payload_hash(body: Mapping[str, Any]) -> str:
    """A stable digest of what we send (before our own labels and annotations are added)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
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
    annotations[ANNOTATION_PAYLOAD_HASH] = payload_hash(body)
    return stamped


def _metadata(obj: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    value = obj.get("metadata", {}).get(field)
    return value if isinstance(value, Mapping) else {}


def is_owned_by(obj: Mapping[str, Any], owner: Owner) -> bool:
    labels = _metadata(obj, "labels")
    return labels.get(LABEL_INSTANCE_ID) == str(owner.instance_id) and labels.get(
        LABEL_ELEMENT_ID
    ) == str(owner.element_id)


def stamped_hash(obj: Mapping[str, Any]) -> str | None:
    value = _metadata(obj, "annotations").get(ANNOTATION_PAYLOAD_HASH)
    return str(value) if value is not None else None
