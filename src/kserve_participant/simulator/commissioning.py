"""The checks ONAP's ACM runtime makes when a TOSCA service template is commissioned.

They follow what the runtime does on ``POST /onap/policy/clamp/acm/v2/compositions``
(policy-clamp ``AcDefinitionProvider`` and ``ToscaServiceTemplateValidation``): every type is
keyed ``name:version``, a missing ``version``/``type_version`` counts as ``0.0.0``, references
are matched on both, and the answer is 400 listing what was "not found". Messages quote the
runtime's wording so that a user can match them with what a real ONAP answers. Checks of what
the participant needs are elsewhere.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kserve_participant.simulator.marked_yaml import Path
from kserve_participant.simulator.problems import ProblemLog
from kserve_participant.simulator.tosca import (
    COMPOSITION_TYPE,
    ELEMENT_BASE_TYPE,
    NODE_TEMPLATES,
    NULL_VERSION,
    ServiceTemplate,
)

__all__ = ["check_commissioning"]

# ToscaUtils.getPredefinedDataTypes(): never looked up among the template's data types.
PREDEFINED_DATA_TYPES = frozenset(
    {
        "string",
        "integer",
        "float",
        "boolean",
        "timestamp",
        "null",
        "list",
        "map",
        "object",
        "scalar-unit.size",
        "scalar-unit.time",
        "scalar-unit.frequency",
        "tosca.datatypes.TimeInterval",
    }
)
# PfKey's version pattern.
VERSION_PATTERN = re.compile(r"^(\d+.){2}\d+$")


@dataclass(frozen=True)
class _Reference:
    name: str
    version: str
    path: Path


def _key(name: str, version: str | None) -> tuple[str, str]:
    """ONAP's DocUtil.createDocConceptKey: ``name:version`` may be written in the name itself."""
    if version:
        return name, version
    if name.count(":") == 1:
        bare, _, implied = name.partition(":")
        return bare, implied
    return name, NULL_VERSION


def _version_of(body: Mapping[str, Any]) -> str:
    value = body.get("version")
    return str(value) if value is not None and str(value) else NULL_VERSION


def check_commissioning(template: ServiceTemplate, log: ProblemLog) -> None:
    """Adds to ``log`` everything the runtime's commissioning would refuse in ``template``."""
    root = template.document.data
    if not isinstance(root, Mapping):
        log.error(
            (),
            "not a TOSCA service template (expected a mapping)",
            "start from a copy of examples/onap-kserve/tosca-kserve-participant.yml",
        )
        return
    if not str(root.get("tosca_definitions_version") or "").strip():
        log.error(
            ("tosca_definitions_version",),
            '"toscaDefinitionsVersion" INVALID, is blank',
            "add `tosca_definitions_version: tosca_simple_yaml_1_3` at the top",
        )
    _check_versions(template, log)
    _check_node_template_types(template, log)
    _check_element_and_composition_templates(template, log)
    _check_ancestors(template, log)
    _check_data_type_references(template, log)
    _check_node_template_type_references(template, log)
    _check_composition_element_list(template, log)


def _type_sections(template: ServiceTemplate) -> tuple[tuple[str, dict[str, dict[str, Any]]], ...]:
    """The sections that define types, named as in the template."""
    return (("data_types", template.data_types), ("node_types", template.node_types))


def _check_versions(template: ServiceTemplate, log: ProblemLog) -> None:
    for section, entries in _type_sections(template):
        for name, body in entries.items():
            version = body.get("version")
            if version is not None and not VERSION_PATTERN.match(str(version)):
                log.error(
                    (section, name, "version"),
                    f'version "{version}" of {name} INVALID, does not match '
                    f"{VERSION_PATTERN.pattern}",
                    "write the version as three numbers, e.g. 1.0.0",
                )
    for node in template.node_templates.values():
        for field_name in ("version", "type_version"):
            version = node.raw.get(field_name)
            if version is not None and not VERSION_PATTERN.match(str(version)):
                log.error(
                    (*node.path, field_name),
                    f'{field_name} "{version}" of node template {node.name} INVALID, '
                    f"does not match {VERSION_PATTERN.pattern}",
                    "write the version as three numbers, e.g. 1.2.3",
                )


def _check_node_template_types(template: ServiceTemplate, log: ProblemLog) -> None:
    for node in template.node_templates.values():
        if node.type is None:
            log.error(
                node.path,
                f"node template {node.name}: Type not specified, the type of this TOSCA entity "
                "must be specified in the type field",
                "add `type:` naming one of the node_types",
            )
        elif node.type_version is None and ":" not in node.type:
            known = _defined_versions(template.node_types, node.type)
            hint = f"`type_version: {known[0]}`" if len(known) == 1 else "`type_version:`"
            log.error(
                node.path,
                f"node template {node.name}: Version not specified, the version of this TOSCA "
                "entity must be specified in the type_version field",
                f"add {hint} (the version of node type {node.type})",
            )


def _check_element_and_composition_templates(template: ServiceTemplate, log: ProblemLog) -> None:
    if not template.element_templates():
        log.error(
            NODE_TEMPLATES,
            f"NodeTemplate with element type {ELEMENT_BASE_TYPE} must exist!",
            f"add a node template whose type derives from {ELEMENT_BASE_TYPE}, "
            "e.g. org.onap.policy.clamp.acm.KserveAutomationCompositionElement",
        )
    compositions = template.composition_templates()
    if not compositions:
        log.error(
            NODE_TEMPLATES,
            f"NodeTemplate with type {COMPOSITION_TYPE} must exist!",
            f"add one node template of type {COMPOSITION_TYPE} listing the elements",
        )
    elif len(compositions) > 1:
        log.error(
            compositions[1].path,
            f"NodeTemplate with type {COMPOSITION_TYPE} not allowed to be more than one!",
            "keep a single composition node template; list every element in its `elements`",
        )


def _defined_versions(entries: Mapping[str, Mapping[str, Any]], name: str) -> list[str]:
    return [_version_of(body) for key, body in entries.items() if key == name]


def _check_ancestors(template: ServiceTemplate, log: ProblemLog) -> None:
    for section, entries in _type_sections(template):
        for name, body in entries.items():
            parent = body.get("derived_from")
            if parent is None or str(parent).endswith(".Root"):
                continue
            if str(parent) == name:
                log.error(
                    (section, name, "derived_from"),
                    f'item "entity type" value "{name}:{_version_of(body)}" INVALID, '
                    "ancestor of itself",
                    "derive from another type",
                )
            elif str(parent) not in entries:
                log.error(
                    (section, name, "derived_from"),
                    f'item "parent" value "{parent}" INVALID, not found',
                    _suggest(str(parent), entries.keys(), section),
                )


def _references(entries: Mapping[str, Mapping[str, Any]], section: str) -> Iterator[_Reference]:
    for type_name, body in entries.items():
        properties = body.get("properties")
        if not isinstance(properties, Mapping):
            continue
        for prop_name, prop in properties.items():
            if not isinstance(prop, Mapping) or prop.get("type") is None:
                continue
            path: Path = (section, type_name, "properties", str(prop_name))
            name, version = _key(str(prop["type"]), _opt(prop.get("type_version")))
            yield _Reference(name, version, path)
            schema = prop.get("entry_schema")
            if isinstance(schema, Mapping) and schema.get("type") is not None:
                name, version = _key(str(schema["type"]), _opt(schema.get("type_version")))
                yield _Reference(name, version, (*path, "entry_schema"))


def _opt(value: Any) -> str | None:
    return str(value) if value is not None and str(value) else None


def _check_data_type_references(template: ServiceTemplate, log: ProblemLog) -> None:
    defined = {(name, _version_of(body)) for name, body in template.data_types.items()}
    for section, entries in _type_sections(template):
        for ref in _references(entries, section):
            if ref.name in PREDEFINED_DATA_TYPES and ref.version == NULL_VERSION:
                continue
            if (ref.name, ref.version) in defined:
                continue
            log.error(
                ref.path,
                f'item "data type" value "{ref.name}:{ref.version}" INVALID, not found',
                _data_type_fix(template, ref),
            )


def _data_type_fix(template: ServiceTemplate, ref: _Reference) -> str:
    versions = _defined_versions(template.data_types, ref.name)
    if versions:
        defined = versions[0]
        if defined == NULL_VERSION:
            return (
                f"data type {ref.name} has no `version` (so it is {NULL_VERSION}): add "
                f"`version: {ref.version}` to it and `type_version: {ref.version}` to every "
                "property and entry_schema that refers to it"
            )
        if ref.version == NULL_VERSION:
            return (
                f"add `type_version: {defined}` here (without it the runtime looks for "
                f"{NULL_VERSION})"
            )
        return f"set `type_version: {defined}` here, the version data type {ref.name} is defined at"
    return _suggest(ref.name, template.data_types.keys(), "data_types", version=ref.version)


def _suggest(
    name: str, candidates: Iterable[str], section: str, *, version: str | None = None
) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.8)
    if close:
        return (
            f'refer to "{close[0]}", the name defined under {section} '
            f'(or rename that type to "{name}")'
        )
    at = f" version {version}" if version else ""
    return f"define {name}{at} under {section}, or refer to a type that is defined"


def _check_node_template_type_references(template: ServiceTemplate, log: ProblemLog) -> None:
    defined = {(name, _version_of(body)) for name, body in template.node_types.items()}
    for node in template.node_templates.values():
        if node.type is None or (node.type_version is None and ":" not in node.type):
            continue  # already reported: the runtime stops at the missing type/type_version
        name, version = _key(node.type, node.type_version)
        if (name, version) in defined:
            continue
        versions = _defined_versions(template.node_types, name)
        fix = (
            f"set `type_version: {versions[0]}`: node type {name} is only defined at version "
            f"{versions[0]}"
            if versions
            else _suggest(name, template.node_types.keys(), "node_types", version=version)
        )
        log.error(
            (*node.path, "type_version" if node.type_version is not None else "type"),
            f'item "node Template" value "{name}:{version}" INVALID, not found',
            fix,
        )


def _check_composition_element_list(template: ServiceTemplate, log: ProblemLog) -> None:
    for composition in template.composition_templates():
        elements = composition.properties.get("elements")
        path: Path = (*composition.path, "properties", "elements")
        if not isinstance(elements, list) or not elements:
            log.error(
                path,
                f"composition {composition.name} lists no elements: every instance will be "
                'refused with "Elements of the instance not matching with the elements of the '
                'composition"',
                "list each element node template as `- name: ...` / `version: ...`",
            )
            continue
        for index, entry in enumerate(elements):
            entry_map = entry if isinstance(entry, Mapping) else {}
            name, version = str(entry_map.get("name")), str(entry_map.get("version"))
            if template.find_template(name, version) is None:
                known = template.node_templates.get(name)
                fix = (
                    f"set `version: {known.version}`, the version of node template {name}"
                    if known is not None
                    else _suggest(name, template.node_templates.keys(), "node_templates")
                )
                log.error(
                    (*path, index),
                    f'composition element "{name} {version}" names no node template: the runtime '
                    "cannot instantiate this composition",
                    fix,
                )
