"""The checks ONAP's ACM runtime makes when an instance is created from a composition.

They follow ``POST /onap/policy/clamp/acm/v2/compositions/{compositionId}/instances``
(policy-clamp ``AutomationCompositionInstantiationProvider`` and ``AcmUtils``): the compositionId in
the body must be the one in the URL, every element names a node template listed by the composition
with the same version, and there are as many elements as the composition lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from kserve_participant.simulator.problems import ProblemLog
from kserve_participant.simulator.tosca import InstanceSpec, ServiceTemplate

__all__ = ["check_instantiation"]


def check_instantiation(
    instance: InstanceSpec,
    template: ServiceTemplate | None,
    log: ProblemLog,
    *,
    composition_id: UUID | None = None,
) -> None:
    """Adds to ``log`` what the runtime would refuse in ``instance``.

    ``composition_id`` is the composition the instance is posted to; without it only the form of the
    file's compositionId is checked. Without ``template`` the element definitions are not checked.
    """
    if not isinstance(instance.document.data, Mapping):
        log.error(
            (),
            "not an instance (expected a mapping with name, version, compositionId and elements)",
            "start from a copy of examples/onap-kserve/automation-composition-kserve.yml",
        )
        return
    for field_name, value in (("name", instance.name), ("version", instance.version)):
        if not value:
            log.error(
                (field_name,),
                f"{field_name} is missing: the runtime identifies instances by name and version",
                f"add `{field_name}:`",
            )
    _check_composition_id(instance, log, composition_id)
    _check_element_ids(instance, log)
    if template is not None:
        _check_definitions(instance, template, log)


def _check_composition_id(
    instance: InstanceSpec, log: ProblemLog, composition_id: UUID | None
) -> None:
    given = instance.composition_id
    if composition_id is not None:
        if given is None or given.lower() != str(composition_id):
            log.error(
                ("compositionId",),
                f"{given} do not match with {composition_id}",
                f"set `compositionId: {composition_id}` or keep the "
                "`{{compositionId}}` placeholder",
            )
        return
    if given is None:
        log.error(
            ("compositionId",),
            "compositionId is missing",
            "add `compositionId: {{compositionId}}` (filled in when the instance is posted)",
        )
    elif not instance.composition_id_was_placeholder:
        try:
            UUID(given)
        except ValueError:
            log.error(
                ("compositionId",),
                f'compositionId "{given}" is not a UUID',
                "use the id the runtime returned at commissioning, or `{{compositionId}}`",
            )


def _check_element_ids(instance: InstanceSpec, log: ProblemLog) -> None:
    if not instance.elements:
        log.error(
            ("elements",),
            "the instance has no elements",
            "add one element per element node template listed by the composition",
        )
    for element in instance.elements:
        try:
            key = UUID(element.key)
        except ValueError:
            log.error(
                element.path,
                f'element key "{element.key}" is not a UUID: the runtime cannot read the request',
                "use a fresh UUID as key and as `id`",
            )
            continue
        if element.id is None:
            log.error(
                (*element.path, "id"),
                "element id is not a UUID",
                f"set `id: {key}`",
            )
        elif element.id != key:
            log.warning(
                (*element.path, "id"),
                f"element id {element.id} differs from its key {key}: the runtime uses the id",
                f"set `id: {key}`",
            )


def _check_definitions(instance: InstanceSpec, template: ServiceTemplate, log: ProblemLog) -> None:
    compositions = template.composition_templates()
    if not compositions:
        log.error(
            ("elements",),
            '"ToscaServiceTemplate" INVALID, Commissioned automation composition definition '
            "not consistent",
            "fix the TOSCA template first (it has no composition node template)",
        )
        return
    listed = compositions[0].properties.get("elements")
    definitions: dict[str, str] = {}
    for entry in listed if isinstance(listed, list) else []:
        if isinstance(entry, Mapping) and entry.get("name") is not None:
            definitions[str(entry["name"])] = str(entry.get("version"))
    if len(definitions) != len(instance.elements):
        log.error(
            ("elements",),
            '"AutomationComposition" INVALID, Elements of the instance not matching with the '
            f"elements of the composition ({len(instance.elements)} in the instance, "
            f"{len(definitions)} in the composition)",
            "give the instance exactly one element per element of the composition: "
            + ", ".join(f"{n} {v}" for n, v in definitions.items()),
        )
    for element in instance.elements:
        name, version = element.definition_name, element.definition_version
        path = (*element.path, "definition")
        if name is None or name not in definitions:
            log.error(
                (*path, "name"),
                f'"entry {name}" INVALID, Not found',
                "name one of the composition's elements: " + ", ".join(definitions)
                if definitions
                else "list the element in the composition node template",
            )
        elif version != definitions[name]:
            log.error(
                (*path, "version"),
                f'"entry {name}" INVALID, Version not matching ({version} here, '
                f"{definitions[name]} in the composition)",
                f"set `version: {definitions[name]}`",
            )
