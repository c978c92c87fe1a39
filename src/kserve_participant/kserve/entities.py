"""Element properties -> validated InferenceService entities (the payload policy).

Why: every problem of the user's input must reach the FAILED ack, naming the entity and the
field, before anything is created. This module is pure: no I/O, no cluster.

Accepted spellings (ONAP's own documents disagree): ``kserveInferenceEntityId`` or its alias
``kserveEntityId``; the id as an object (``name``/``version``) or a ``"name version"`` string;
``payload`` as a JSON string or an already-parsed mapping. The entity's ``name`` is
authoritative: a payload ``metadata.name`` that disagrees (ONAP's sample: entity
``demo-inference-service``, payload ``sklearn-iris``) is replaced by it and a warning is kept
(policy ``name_mismatch="override"``), or refused (``"refuse"``), so the object created is
always the object later watched and deleted.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from acm_participant import ElementFailure
from kserve_participant.k8s.resources import InferenceServiceResource

__all__ = [
    "DEFAULT_CHECK_INTERVAL_S",
    "DEFAULT_TIMEOUT_S",
    "ElementSpec",
    "EntityPolicy",
    "InferenceEntity",
    "InvalidElement",
    "parse_element",
]

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_CHECK_INTERVAL_S = 30.0

# KServe's webhook rule for InferenceService names (stricter than a DNS-1123 subdomain: no dots,
# starts with a letter); 63 keeps the generated "<name>-predictor" Services valid DNS labels.
_ISVC_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_ISVC_NAME_MAX = 63
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class InvalidElement(ElementFailure):
    """The element's properties were refused; ``problems`` lists each one."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid element properties: " + "; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class EntityPolicy:
    resource: InferenceServiceResource = field(default_factory=InferenceServiceResource)
    namespaces: frozenset[str] = frozenset()  # empty: any namespace
    name_mismatch: Literal["override", "refuse"] = "override"


@dataclass(frozen=True, slots=True)
class InferenceEntity:
    entity_id: str  # "name version", as ACM identifies it
    name: str
    namespace: str
    body: Mapping[str, Any]  # the payload, metadata.name/namespace set to the entity's

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class ElementSpec:
    entities: tuple[InferenceEntity, ...]
    timeout_s: float = DEFAULT_TIMEOUT_S
    check_interval_s: float = DEFAULT_CHECK_INTERVAL_S
    warnings: tuple[str, ...] = ()


def _entity_id(raw: Mapping[str, Any], where: str, problems: list[str]) -> str | None:
    field_name = "kserveInferenceEntityId" if "kserveInferenceEntityId" in raw else "kserveEntityId"
    value = raw.get(field_name)
    if value is None:
        problems.append(f"{where}: kserveInferenceEntityId is missing")
        return None
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, Mapping):
        parts = [value.get("name"), value.get("version")]
        if not all(p is None or isinstance(p, str) for p in parts):
            problems.append(f"{where}: {field_name}.name and .version must be strings")
            return None
        text = " ".join(p for p in parts if p)
    else:
        problems.append(f"{where}: {field_name} must be an object or a string")
        return None
    if not text:
        problems.append(f"{where}: {field_name} is empty")
        return None
    return text


def _text(raw: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str | None:
    value = raw.get(key)
    if value is None:
        problems.append(f"{where}: {key} is missing")
    elif not isinstance(value, str) or not value:
        problems.append(f"{where}: {key} must be a non-empty string")
    else:
        return value
    return None


def _payload(raw: Mapping[str, Any], where: str, problems: list[str]) -> dict[str, Any] | None:
    value = raw.get("payload")
    if value is None:
        problems.append(f"{where}: payload is missing")
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: payload is not valid JSON ({exc})")
            return None
    if not isinstance(value, Mapping):
        problems.append(f"{where}: payload must be a JSON object, got {type(value).__name__}")
        return None
    return copy.deepcopy(dict(value))


class _EntityParser:
    def __init__(self, policy: EntityPolicy, problems: list[str], warnings: list[str]) -> None:
        self.policy = policy
        self.problems = problems
        self.warnings = warnings

    def parse(self, index: int, raw: object) -> InferenceEntity | None:
        where = f"entity #{index + 1}"
        if not isinstance(raw, Mapping):
            self.problems.append(f"{where}: must be an object")
            return None
        if isinstance(raw.get("name"), str) and raw["name"]:
            where = f'entity #{index + 1} "{raw["name"]}"'
        before = len(self.problems)
        entity_id = _entity_id(raw, where, self.problems)
        name = _text(raw, "name", where, self.problems)
        namespace = _text(raw, "namespace", where, self.problems)
        body = _payload(raw, where, self.problems)
        if name is not None and (len(name) > _ISVC_NAME_MAX or not _ISVC_NAME.match(name)):
            self.problems.append(
                f'{where}: name "{name}" is not a valid InferenceService name (lower-case '
                f"letters, digits and '-', starting with a letter, at most {_ISVC_NAME_MAX})"
            )
        if namespace is not None:
            self._check_namespace(where, namespace)
        if body is not None and name is not None and namespace is not None:
            self._check_body(where, body, name, namespace)
        if (
            len(self.problems) > before
            or entity_id is None
            or name is None
            or namespace is None
            or body is None
        ):
            return None
        return InferenceEntity(entity_id, name, namespace, body)

    def _check_namespace(self, where: str, namespace: str) -> None:
        if len(namespace) > 63 or not _DNS_LABEL.match(namespace):
            self.problems.append(f'{where}: namespace "{namespace}" is not a valid namespace name')
        elif self.policy.namespaces and namespace not in self.policy.namespaces:
            allowed = ", ".join(sorted(self.policy.namespaces))
            self.problems.append(
                f'{where}: namespace "{namespace}" is not allowed (allowed: {allowed})'
            )

    def _check_body(self, where: str, body: dict[str, Any], name: str, namespace: str) -> None:
        resource = self.policy.resource
        if body.get("kind") != resource.kind:
            self.problems.append(
                f"{where}: payload.kind is {body.get('kind')!r}, expected {resource.kind!r}"
            )
        api_version = body.get("apiVersion")
        if api_version != resource.api_version:
            self.problems.append(
                f"{where}: payload.apiVersion is {api_version!r}, expected {resource.api_version!r}"
            )
        metadata = body.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            self.problems.append(f"{where}: payload.metadata must be an object")
            return
        payload_name = metadata.get("name")
        if payload_name not in (None, name):
            if self.policy.name_mismatch == "refuse":
                self.problems.append(
                    f"{where}: payload.metadata.name {payload_name!r} differs from the entity "
                    f"name {name!r} (make them equal or drop metadata.name)"
                )
            else:
                self.warnings.append(
                    f"{where}: payload.metadata.name {payload_name!r} replaced by the entity "
                    f"name {name!r}"
                )
        payload_namespace = metadata.get("namespace")
        if payload_namespace not in (None, namespace):
            self.problems.append(
                f"{where}: payload.metadata.namespace {payload_namespace!r} differs from the "
                f"entity namespace {namespace!r}"
            )
        metadata["name"] = name
        metadata["namespace"] = namespace


def _seconds(properties: Mapping[str, Any], key: str, default: float, problems: list[str]) -> float:
    value = properties.get(key)
    if value is None:
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if isinstance(value, bool) or not math.isfinite(seconds) or seconds <= 0:
        problems.append(f"{key}: must be a positive number of seconds, got {value!r}")
        return default
    return seconds


def parse_element(properties: Mapping[str, Any], policy: EntityPolicy) -> ElementSpec:
    """Validate merged element properties; raise InvalidElement listing every problem."""
    problems: list[str] = []
    warnings: list[str] = []
    timeout = _seconds(properties, "uninitializedToPassiveTimeout", DEFAULT_TIMEOUT_S, problems)
    interval = _seconds(properties, "statusCheckInterval", DEFAULT_CHECK_INTERVAL_S, problems)
    raw_entities = properties.get("kserveInferenceEntities")
    entities: list[InferenceEntity] = []
    if raw_entities is None:
        problems.append("kserveInferenceEntities is missing")
    elif not isinstance(raw_entities, list):
        problems.append("kserveInferenceEntities must be a list")
    else:
        parser = _EntityParser(policy, problems, warnings)
        seen: dict[tuple[str, str], int] = {}
        for index, raw in enumerate(raw_entities):
            entity = parser.parse(index, raw)
            if entity is None:
                continue
            if entity.key in seen:
                problems.append(
                    f'entity #{index + 1} "{entity.name}": same name and namespace as '
                    f"entity #{seen[entity.key] + 1} ({entity.namespace}/{entity.name})"
                )
                continue
            seen[entity.key] = index
            entities.append(entity)
    if problems:
        raise InvalidElement(problems)
    return ElementSpec(tuple(entities), timeout, interval, tuple(warnings))


def inference_service_ids(properties: Mapping[str, Any]) -> str | None:
    """``ns/name`` of every entity of an element, comma-separated; None when there are none."""
    entities = properties.get("kserveInferenceEntities")
    if not isinstance(entities, list):
        return None
    ids = [
        f"{item.get('namespace', '?')}/{item.get('name', '?')}"
        for item in entities
        if isinstance(item, Mapping)
    ]
    return ",".join(ids) or None
