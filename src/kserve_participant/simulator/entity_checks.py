"""What the KServe participant needs in ``kserveInferenceEntities``: the runtime never looks inside.

ONAP's runtime accepts any properties, so a payload that is not an InferenceService only fails at
deploy time, inside the participant. These checks bring that failure forward to ``validate`` (errors
of origin PARTICIPANT), and point at what works but surprises (warnings). The rules mirror the
participant's entity policy (``kserve_participant.kserve.entities``): the payload is an
InferenceService of ``serving.kserve.io/v1beta1``, given as a JSON string (a YAML mapping is
tolerated), whose ``metadata.namespace`` is absent or equal to the entity's ``namespace``. A payload
``metadata.name`` unlike the entity's ``name`` is replaced by it (the participant's default policy),
so that is a warning: ONAP's Java participant would create one object and watch another.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from kserve_participant.simulator.marked_yaml import Path
from kserve_participant.simulator.payload_schema import unknown_fields
from kserve_participant.simulator.problems import Origin, ProblemLog

__all__ = ["ENTITIES_PROPERTY", "check_entities"]

ENTITIES_PROPERTY = "kserveInferenceEntities"
ID_FIELD = "kserveInferenceEntityId"
ID_ALIAS = "kserveEntityId"  # the spelling of ONAP's data type; the Java participant ignores it
API_VERSION = "serving.kserve.io/v1beta1"
KIND = "InferenceService"
# KServe's admission webhook: an InferenceService name starts with a letter, no dots.
ISVC_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# "<name>-predictor" must stay a 63-character DNS label.
MAX_NAME = 63 - len("-predictor")
LEGACY_GROUPS = ("serving.kubeflow.org/", "serving.kserve.io/v1alpha")


def check_entities(value: Any, path: Path, log: ProblemLog) -> set[str]:
    """Checks one element's entity list at ``path``; returns the namespaces it deploys into."""
    if value is None:
        log.error(
            path,
            f"{ENTITIES_PROPERTY} is missing: the participant fails every deploy of this element",
            f"add `{ENTITIES_PROPERTY}:` (in the node template or the instance element properties)",
            origin=Origin.PARTICIPANT,
        )
        return set()
    if not isinstance(value, list):
        log.error(
            path,
            f"{ENTITIES_PROPERTY} is a {type(value).__name__}, not a list of entities",
            "write it as a YAML list: `- kserveInferenceEntityId: ...`",
            origin=Origin.PARTICIPANT,
        )
        return set()
    if not value:
        log.warning(
            path,
            f"{ENTITIES_PROPERTY} is empty: deploy succeeds without creating anything",
            "add an entity with name, namespace and payload",
        )
    namespaces: set[str] = set()
    seen: dict[tuple[str, str], int] = {}
    for index, entity in enumerate(value):
        entity_path = (*path, index)
        if not isinstance(entity, Mapping):
            log.error(
                entity_path,
                "entity is not a mapping",
                "give each entity kserveInferenceEntityId, name, namespace and payload",
                origin=Origin.PARTICIPANT,
            )
            continue
        _check_id(entity, entity_path, log)
        name = _check_name(entity, entity_path, log)
        namespace = _check_namespace(entity, entity_path, log)
        _check_payload(entity, entity_path, log, name=name, namespace=namespace)
        if name and namespace:
            namespaces.add(namespace)
            if (namespace, name) in seen:
                log.error(
                    (*entity_path, "name"),
                    f"InferenceService {namespace}/{name} is already entity "
                    f"{seen[namespace, name]} of this element: both would write the same object",
                    "give each entity its own name (or namespace)",
                    origin=Origin.PARTICIPANT,
                )
            seen.setdefault((namespace, name), index)
    return namespaces


def _check_id(entity: Mapping[str, Any], path: Path, log: ProblemLog) -> None:
    if entity.get(ID_FIELD) is not None:
        return
    if entity.get(ID_ALIAS) is not None:
        log.warning(
            (*path, ID_ALIAS),
            f"{ID_ALIAS} is the data type's spelling: this participant accepts it, ONAP's Java "
            f'participant ignores it and fails with "id is null"',
            f"rename it to {ID_FIELD}",
        )
        return
    log.error(
        path,
        f"{ID_FIELD} is missing (the entity record requires it)",
        f"add `{ID_FIELD}: {{name: <entity name>, version: 1.0.0}}`",
        origin=Origin.PARTICIPANT,
    )


def _check_name(entity: Mapping[str, Any], path: Path, log: ProblemLog) -> str | None:
    name = entity.get("name")
    if not isinstance(name, str) or not name:
        log.error(
            path if name is None else (*path, "name"),
            "name (the InferenceService name) is missing or empty",
            "add `name: <lower-case name>`, the same as the payload's metadata.name",
            origin=Origin.PARTICIPANT,
        )
        return None
    if not ISVC_NAME.match(name):
        log.error(
            (*path, "name"),
            f'name "{name}" is not a valid InferenceService name (lower-case letters, digits '
            'and "-", starting with a letter)',
            f'use e.g. "{_suggest_name(name)}"',
            origin=Origin.PARTICIPANT,
        )
    elif len(name) > MAX_NAME:
        log.warning(
            (*path, "name"),
            f'name "{name}" is longer than {MAX_NAME} characters: KServe\'s generated Service '
            "names would exceed 63",
            f"shorten it to at most {MAX_NAME} characters",
        )
    return name


def _suggest_name(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return cleaned if cleaned and cleaned[0].isalpha() else f"isvc-{cleaned}".rstrip("-")


def _check_namespace(entity: Mapping[str, Any], path: Path, log: ProblemLog) -> str | None:
    namespace = entity.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        log.error(
            path if namespace is None else (*path, "namespace"),
            "namespace is missing or empty: the participant does not know where to create the "
            "InferenceService",
            "add `namespace: <existing namespace>`",
            origin=Origin.PARTICIPANT,
        )
        return None
    if not DNS_LABEL.match(namespace) or len(namespace) > 63:
        log.error(
            (*path, "namespace"),
            f'namespace "{namespace}" is not a valid Kubernetes namespace name',
            "use lower-case letters, digits and '-' (at most 63 characters)",
            origin=Origin.PARTICIPANT,
        )
        return None
    return namespace


def _check_payload(
    entity: Mapping[str, Any],
    path: Path,
    log: ProblemLog,
    *,
    name: str | None,
    namespace: str | None,
) -> None:
    payload_path = (*path, "payload")
    raw = entity.get("payload")
    if raw is None:
        log.error(
            path,
            "payload is missing",
            "add `payload:` holding the InferenceService as a JSON string",
            origin=Origin.PARTICIPANT,
        )
        return
    if isinstance(raw, Mapping):
        log.warning(
            payload_path,
            "payload is a YAML mapping: this participant accepts it, ONAP's Java participant needs "
            "a JSON string",
            "write the InferenceService as a JSON string in single quotes",
        )
        body: Any = raw
    elif isinstance(raw, str):
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as exc:
            log.error(
                payload_path,
                f"payload is not JSON: {exc.msg} at character {exc.pos + 1}",
                "the payload must be the InferenceService as one JSON document "
                "(YAML text is refused)",
                origin=Origin.PARTICIPANT,
            )
            return
    else:
        log.error(
            payload_path,
            f"payload is a {type(raw).__name__}, not a JSON string",
            "write the InferenceService as a JSON string",
            origin=Origin.PARTICIPANT,
        )
        return
    if not isinstance(body, Mapping):
        log.error(
            payload_path,
            "payload is JSON but not an object: it is not an InferenceService",
            'write the payload as {"apiVersion": ..., "kind": "InferenceService", ...}',
            origin=Origin.PARTICIPANT,
        )
        return
    _check_identity(body, payload_path, log)
    _check_metadata(body, payload_path, log, name=name, namespace=namespace)
    if body.get("apiVersion") == API_VERSION:
        _check_fields(body, payload_path, log)
    spec = body.get("spec")
    if not isinstance(spec, Mapping) or not isinstance(spec.get("predictor"), Mapping):
        log.error(
            (*payload_path, "spec", "predictor"),
            "payload has no spec.predictor: the InferenceService schema requires it",
            'add "spec": {"predictor": {"model": {"modelFormat": {"name": ...}, '
            '"storageUri": ...}}}',
            origin=Origin.PARTICIPANT,
        )


def _check_fields(body: Mapping[str, Any], path: Path, log: ProblemLog) -> None:
    for field_path, closest in unknown_fields(body):
        dotted = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in field_path
        ).lstrip(".")
        log.warning(
            (*path, *field_path),
            f'payload field "{dotted}" is not declared by KServe\'s InferenceService schema '
            f"({API_VERSION}): the API server refuses it where the CRD declares every field, "
            "and drops it silently where that part is free-form",
            f'did you mean "{closest}"?' if closest else "remove it (see KServe's API reference)",
        )


def _check_identity(body: Mapping[str, Any], path: Path, log: ProblemLog) -> None:
    api_version = body.get("apiVersion")
    if api_version != API_VERSION:
        legacy = isinstance(api_version, str) and api_version.startswith(LEGACY_GROUPS)
        reason = " (an API version KServe no longer serves)" if legacy else ""
        log.error(
            (*path, "apiVersion"),
            f'payload apiVersion is "{api_version}", not "{API_VERSION}"{reason}',
            f'set "apiVersion": "{API_VERSION}"',
            origin=Origin.PARTICIPANT,
        )
    kind = body.get("kind")
    if kind != KIND:
        log.error(
            (*path, "kind"),
            f'payload kind is "{kind}": the participant only deploys "{KIND}"',
            f'set "kind": "{KIND}"',
            origin=Origin.PARTICIPANT,
        )


def _check_metadata(
    body: Mapping[str, Any],
    path: Path,
    log: ProblemLog,
    *,
    name: str | None,
    namespace: str | None,
) -> None:
    metadata = body.get("metadata", {})
    if not isinstance(metadata, Mapping):
        log.error(
            (*path, "metadata"),
            "payload metadata is not an object",
            'write "metadata": {"name": ...} or leave metadata out',
            origin=Origin.PARTICIPANT,
        )
        return
    payload_name = metadata.get("name")
    if payload_name is not None and name is not None and payload_name != name:
        log.warning(
            (*path, "metadata", "name"),
            f'payload metadata.name "{payload_name}" differs from the entity name "{name}": this '
            f'participant creates "{name}"; ONAP\'s Java participant would create "{payload_name}" '
            f'but watch and delete "{name}"',
            f"use the same name in both places (e.g. name: {payload_name}), or drop metadata.name "
            "from the payload",
        )
    payload_namespace = metadata.get("namespace")
    if payload_namespace is not None and namespace is not None and payload_namespace != namespace:
        log.error(
            (*path, "metadata", "namespace"),
            f'payload metadata.namespace "{payload_namespace}" differs from the entity namespace '
            f'"{namespace}": the API server refuses the object',
            "drop metadata.namespace from the payload; the entity's namespace is used",
            origin=Origin.PARTICIPANT,
        )
