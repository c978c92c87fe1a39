"""Reads ONAP's TOSCA service templates and instance files into small typed views.

Reading never judges: a malformed field becomes ``None`` here and a problem in ``commissioning.py``
or ``instantiation.py``. The raw parsed data stays available because the simulator sends node
templates and instance properties to the participant exactly as the user wrote them, as ONAP's
runtime does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from kserve_participant.simulator.marked_yaml import MarkedDocument, Path, load_marked

__all__ = [
    "COMPOSITION_ID_PLACEHOLDER",
    "COMPOSITION_TYPE",
    "ELEMENT_BASE_TYPE",
    "KSERVE_ELEMENT_TYPE",
    "KSERVE_ELEMENT_TYPE_VERSION",
    "NULL_VERSION",
    "InstanceElementSpec",
    "InstanceSpec",
    "NodeTemplate",
    "ServiceTemplate",
    "read_instance",
    "read_service_template",
]

# ONAP ACM-R's defaults (runtime-acm application.yaml: toscaElementName, toscaCompositionName).
ELEMENT_BASE_TYPE = "org.onap.policy.clamp.acm.AutomationCompositionElement"
COMPOSITION_TYPE = "org.onap.policy.clamp.acm.AutomationComposition"
KSERVE_ELEMENT_TYPE = "org.onap.policy.clamp.acm.KserveAutomationCompositionElement"
KSERVE_ELEMENT_TYPE_VERSION = "1.0.1"
# What ONAP's models call a missing version (PfKey.NULL_KEY_VERSION).
NULL_VERSION = "0.0.0"
COMPOSITION_ID_PLACEHOLDER = "{{compositionId}}"

NODE_TEMPLATES: Path = ("topology_template", "node_templates")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    return str(value)


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class NodeTemplate:
    """One node template of ``topology_template.node_templates`` (its map key is its name)."""

    name: str
    version: str
    type: str | None
    type_version: str | None
    properties: dict[str, Any]
    raw: dict[str, Any]
    path: Path

    @property
    def start_phase(self) -> int:
        """The element's start phase as ONAP reads it: absent = 0, numeric strings accepted."""
        value = self.properties.get("startPhase")
        if isinstance(value, bool):
            return 0
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        return 0


@dataclass(frozen=True)
class ServiceTemplate:
    document: MarkedDocument
    data_types: dict[str, dict[str, Any]]
    node_types: dict[str, dict[str, Any]]
    node_templates: dict[str, NodeTemplate]

    @property
    def raw(self) -> dict[str, Any]:
        return _mapping(self.document.data)

    @property
    def metadata(self) -> dict[str, Any]:
        return _mapping(self.raw.get("metadata"))

    def is_element(self, template: NodeTemplate) -> bool:
        """ONAP's test: the type names the element base type, or its node type derives from it."""
        if template.type is None:
            return False
        if ELEMENT_BASE_TYPE in template.type:
            return True
        derived_from = _text(self.node_types.get(template.type, {}).get("derived_from"))
        return derived_from is not None and ELEMENT_BASE_TYPE in derived_from

    def element_templates(self) -> list[NodeTemplate]:
        return [t for t in self.node_templates.values() if self.is_element(t)]

    def composition_templates(self) -> list[NodeTemplate]:
        return [t for t in self.node_templates.values() if t.type == COMPOSITION_TYPE]

    def find_template(self, name: str, version: str) -> NodeTemplate | None:
        template = self.node_templates.get(name)
        return template if template is not None and template.version == version else None


def read_service_template(text: str, *, file: str) -> ServiceTemplate:
    """Parse a TOSCA service template; raises YamlLoadError when it is not YAML at all."""
    document = load_marked(text, file=file)
    root = _mapping(document.data)
    topology = _mapping(root.get("topology_template"))
    templates: dict[str, NodeTemplate] = {}
    for name, body in _mapping(topology.get("node_templates")).items():
        raw = _mapping(body)
        templates[str(name)] = NodeTemplate(
            name=str(name),
            version=_text(raw.get("version")) or NULL_VERSION,
            type=_text(raw.get("type")),
            type_version=_text(raw.get("type_version")),
            properties=_mapping(raw.get("properties")),
            raw=raw,
            path=(*NODE_TEMPLATES, str(name)),
        )
    return ServiceTemplate(
        document=document,
        data_types={str(k): _mapping(v) for k, v in _mapping(root.get("data_types")).items()},
        node_types={str(k): _mapping(v) for k, v in _mapping(root.get("node_types")).items()},
        node_templates=templates,
    )


@dataclass(frozen=True)
class InstanceElementSpec:
    """One entry of the instance's ``elements`` map."""

    key: str
    id: UUID | None
    definition_name: str | None
    definition_version: str | None
    properties: dict[str, Any]
    path: Path


@dataclass(frozen=True)
class InstanceSpec:
    """An instance file in the shape of ONAP's REST API (POST .../compositions/{id}/instances)."""

    document: MarkedDocument
    name: str | None
    version: str | None
    composition_id: str | None
    composition_id_was_placeholder: bool
    description: str | None
    elements: list[InstanceElementSpec] = field(default_factory=list)

    @property
    def raw(self) -> dict[str, Any]:
        return _mapping(self.document.data)


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def read_instance(text: str, *, file: str, composition_id: UUID | None = None) -> InstanceSpec:
    """Parse an instance file, filling ``{{compositionId}}`` as ONAP's docs ask the user to.

    Without a ``composition_id`` (offline validation) the placeholder is filled with a nil UUID and
    remembered, so that no compositionId mismatch is reported for it.
    """
    placeholder = COMPOSITION_ID_PLACEHOLDER in text
    filled = str(composition_id) if composition_id is not None else str(UUID(int=0))
    document = load_marked(text.replace(COMPOSITION_ID_PLACEHOLDER, filled), file=file)
    root = _mapping(document.data)
    elements: list[InstanceElementSpec] = []
    for key, body in _mapping(root.get("elements")).items():
        raw = _mapping(body)
        definition = _mapping(raw.get("definition"))
        elements.append(
            InstanceElementSpec(
                key=str(key),
                id=_uuid(raw.get("id", key)),
                definition_name=_text(definition.get("name")),
                definition_version=_text(definition.get("version")),
                properties=_mapping(raw.get("properties")),
                path=("elements", str(key)),
            )
        )
    return InstanceSpec(
        document=document,
        name=_text(root.get("name")),
        version=_text(root.get("version")),
        composition_id=_text(root.get("compositionId")),
        composition_id_was_placeholder=placeholder and composition_id is None,
        description=_text(root.get("description")),
        elements=elements,
    )
