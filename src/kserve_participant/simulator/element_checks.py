"""Checks of a composition's KServe elements: what the runtime accepts but the participant minds.

The node template and the instance element are read together, as the participant reads them: the
instance's properties are laid over the node template's (instance keys win), so the entity list is
checked where it finally comes from.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any

from kserve_participant.simulator.entity_checks import (
    ENTITIES_PROPERTY,
    ID_ALIAS,
    ID_FIELD,
    check_entities,
)
from kserve_participant.simulator.marked_yaml import Path
from kserve_participant.simulator.problems import Origin, ProblemLog
from kserve_participant.simulator.tosca import (
    KSERVE_ELEMENT_TYPE,
    KSERVE_ELEMENT_TYPE_VERSION,
    InstanceSpec,
    NodeTemplate,
    ServiceTemplate,
)

__all__ = ["check_kserve_elements", "check_namespaces"]

TIMING_PROPERTIES = ("uninitializedToPassiveTimeout", "statusCheckInterval")


def check_kserve_elements(template: ServiceTemplate, log: ProblemLog) -> None:
    """Template-only checks: element types, phases, timing properties, the entity data type."""
    for node in template.element_templates():
        if node.type != KSERVE_ELEMENT_TYPE:
            log.warning(
                (*node.path, "type"),
                f"element {node.name} has type {node.type}: the KServe participant does not handle "
                "it; prime fails unless another participant supports that type",
                f"use type {KSERVE_ELEMENT_TYPE} {KSERVE_ELEMENT_TYPE_VERSION} for KServe elements",
            )
            continue
        if node.type_version is not None and node.type_version != KSERVE_ELEMENT_TYPE_VERSION:
            log.error(
                (*node.path, "type_version"),
                f"Element Type {KSERVE_ELEMENT_TYPE} {node.type_version} not supported: the KServe "
                f"participant registers version {KSERVE_ELEMENT_TYPE_VERSION} (the runtime "
                "refuses to prime)",
                f"set `type_version: {KSERVE_ELEMENT_TYPE_VERSION}`",
            )
        _check_start_phase(node, log)
        _check_timing(template, node, log)
    _check_entity_data_type(template, log)


def _check_start_phase(node: NodeTemplate, log: ProblemLog) -> None:
    value = node.properties.get("startPhase")
    if value is None:
        return
    valid = (isinstance(value, int) and not isinstance(value, bool) and value >= 0) or (
        isinstance(value, str) and value.strip().isdigit()
    )
    if not valid:
        log.warning(
            (*node.path, "properties", "startPhase"),
            f'startPhase "{value}" is not a whole number >= 0: the element is started in phase 0',
            "set `startPhase:` to 0, 1, 2...",
        )


def _declared_properties(template: ServiceTemplate, type_name: str | None) -> set[str]:
    declared: set[str] = set()
    seen: set[str] = set()
    while type_name is not None and type_name in template.node_types and type_name not in seen:
        seen.add(type_name)
        body = template.node_types[type_name]
        properties = body.get("properties")
        if isinstance(properties, Mapping):
            declared.update(str(k) for k in properties)
        parent = body.get("derived_from")
        type_name = str(parent) if parent is not None else None
    return declared


def _positive_seconds(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(seconds) and seconds > 0


def _check_timing(template: ServiceTemplate, node: NodeTemplate, log: ProblemLog) -> None:
    declared = _declared_properties(template, node.type)
    for name in TIMING_PROPERTIES:
        if name not in node.properties:
            continue
        path = (*node.path, "properties", name)
        if not _positive_seconds(node.properties[name]):
            log.error(
                path,
                f"{name} is {node.properties[name]!r}, not a positive number of seconds: the "
                "participant fails every deploy of this element",
                f"set `{name}:` to a number of seconds",
                origin=Origin.PARTICIPANT,
            )
        elif name not in declared:
            log.warning(
                path,
                f"{name} is declared in no node type: ONAP passes it through, the participant "
                "reads it as seconds (ONAP's Java participant ignores it)",
                f"declare `{name}: {{type: integer, required: false}}` in node type {node.type}",
            )


def _check_entity_data_type(template: ServiceTemplate, log: ProblemLog) -> None:
    node_type = template.node_types.get(KSERVE_ELEMENT_TYPE, {})
    properties = node_type.get("properties")
    prop = properties.get(ENTITIES_PROPERTY) if isinstance(properties, Mapping) else None
    schema = prop.get("entry_schema") if isinstance(prop, Mapping) else None
    type_name = schema.get("type") if isinstance(schema, Mapping) else None
    if type_name is None:
        return
    # A misspelt entry_schema type is a commissioning error reported elsewhere; the fields of the
    # type it most likely meant are still worth checking.
    close = difflib.get_close_matches(str(type_name), list(template.data_types), n=1, cutoff=0.8)
    if not close:
        return
    type_name = close[0]
    data_type = template.data_types[type_name]
    fields = data_type.get("properties")
    fields = fields if isinstance(fields, Mapping) else {}
    path: Path = ("data_types", str(type_name), "properties")
    if ID_FIELD not in fields:
        at: Path = (*path, ID_ALIAS) if ID_ALIAS in fields else path
        log.warning(
            at,
            f"the entity data type declares no {ID_FIELD}: the participant and every ONAP sample "
            f"use that name" + (f", not {ID_ALIAS}" if ID_ALIAS in fields else ""),
            f"name the property {ID_FIELD}",
        )
    if "namespace" not in fields:
        log.warning(
            path,
            "the entity data type declares no namespace, yet the participant requires one "
            "per entity",
            "declare `namespace: {type: string, required: true}`",
        )


def _merged_entities(
    node: NodeTemplate, instance_properties: Mapping[str, Any] | None, instance_path: Path | None
) -> tuple[Any, Path, bool]:
    """The entity list the participant will see, its path and whether it comes from the instance."""
    if (
        instance_properties is not None
        and instance_path is not None
        and ENTITIES_PROPERTY in instance_properties
    ):
        return instance_properties[ENTITIES_PROPERTY], (*instance_path, ENTITIES_PROPERTY), True
    return (
        node.properties.get(ENTITIES_PROPERTY),
        (*node.path, "properties", ENTITIES_PROPERTY),
        False,
    )


def check_namespaces(
    template: ServiceTemplate | None,
    instance: InstanceSpec | None,
    template_log: ProblemLog | None,
    instance_log: ProblemLog | None,
) -> None:
    """Checks each KServe element's entities where they come from, after the participant's merge."""
    namespace_logged: set[str] = set()

    def check(value: Any, path: Path, log: ProblemLog) -> None:
        for namespace in sorted(check_entities(value, path, log) - namespace_logged):
            namespace_logged.add(namespace)
            log.warning(
                path,
                f'namespace "{namespace}" must exist before deploy: neither ONAP nor the '
                "participant creates it",
                f"kubectl create namespace {namespace}",
            )

    if instance is None:
        if template is not None and template_log is not None:
            for template_node in template.element_templates():
                if (
                    template_node.type == KSERVE_ELEMENT_TYPE
                    and ENTITIES_PROPERTY in template_node.properties
                ):
                    value, path, _ = _merged_entities(template_node, None, None)
                    check(value, path, template_log)
        return
    if instance_log is None:
        return
    for element in instance.elements:
        properties_path: Path = (*element.path, "properties")
        if template is None:
            # Without the template only what the instance itself holds can be checked.
            if ENTITIES_PROPERTY in element.properties:
                check(
                    element.properties[ENTITIES_PROPERTY],
                    (*properties_path, ENTITIES_PROPERTY),
                    instance_log,
                )
            continue
        # A wrong definition version is reported by the instantiation checks; the entities are
        # still checked against the node template of that name, so every problem shows at once.
        node = template.node_templates.get(element.definition_name or "")
        if node is None:
            if ENTITIES_PROPERTY in element.properties:
                check(
                    element.properties[ENTITIES_PROPERTY],
                    (*properties_path, ENTITIES_PROPERTY),
                    instance_log,
                )
            continue
        if node.type != KSERVE_ELEMENT_TYPE:
            continue
        value, path, from_instance = _merged_entities(node, element.properties, properties_path)
        check(value, path, instance_log if from_instance or template_log is None else template_log)
