"""From checked files to what the runtime-side driver sends, and what the user should see happen.

The node templates and instance properties go to the participant unchanged (as ONAP's runtime
sends them); the list of InferenceServices expected per element is only for the progress display
and the final "nothing left behind" check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from acm_participant.protocol import ToscaConceptIdentifier, ToscaNodeTemplate
from acm_participant.sim.model import ElementSpec
from kserve_participant.simulator.entity_checks import ENTITIES_PROPERTY
from kserve_participant.simulator.tosca import InstanceSpec, NodeTemplate, ServiceTemplate

__all__ = ["PlannedService", "element_specs", "node_templates", "planned_services"]


@dataclass(frozen=True)
class PlannedService:
    """An InferenceService an element is expected to create."""

    element_id: UUID
    element_name: str
    start_phase: int
    namespace: str
    name: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


def _node_template(node: NodeTemplate) -> ToscaNodeTemplate:
    raw = node.raw
    return ToscaNodeTemplate(
        name=node.name,
        version=node.version,
        description=str(raw["description"]) if raw.get("description") is not None else None,
        metadata=dict(raw["metadata"]) if isinstance(raw.get("metadata"), Mapping) else None,
        type=node.type,
        type_version=node.type_version,
        properties=dict(node.properties),
    )


def node_templates(template: ServiceTemplate) -> list[ToscaNodeTemplate]:
    """The element node templates, as PRIME carries them."""
    return [_node_template(node) for node in template.element_templates()]


def element_specs(instance: InstanceSpec) -> list[ElementSpec]:
    """The instance's elements for the driver (their ids are checked UUIDs by now)."""
    return [
        ElementSpec(
            definition=ToscaConceptIdentifier(
                name=element.definition_name or "", version=element.definition_version or ""
            ),
            properties=dict(element.properties),
            element_id=element.id or UUID(element.key),
        )
        for element in instance.elements
    ]


def _entities(properties: Mapping[str, Any]) -> list[tuple[str, str]]:
    entities = properties.get(ENTITIES_PROPERTY)
    found: list[tuple[str, str]] = []
    for entity in entities if isinstance(entities, list) else []:
        if not isinstance(entity, Mapping):
            continue
        name, namespace = entity.get("name"), entity.get("namespace")
        if isinstance(name, str) and name and isinstance(namespace, str) and namespace:
            found.append((namespace, name))
    return found


def planned_services(template: ServiceTemplate, instance: InstanceSpec) -> list[PlannedService]:
    """Every InferenceService the instance should create, element by element."""
    planned: list[PlannedService] = []
    for element in instance.elements:
        node = template.find_template(
            element.definition_name or "", element.definition_version or ""
        )
        if node is None or element.id is None:
            continue
        merged = {**node.properties, **element.properties}
        for namespace, name in _entities(merged):
            planned.append(PlannedService(element.id, node.name, node.start_phase, namespace, name))
    return planned
