"""Fields of an InferenceService payload that KServe's schema does not declare, found offline.

Why: a typo (``minReplica`` for ``minReplicas``) is refused by the API server only where the
installed CRD declares every field; KServe also ships a CRD whose pod specs are free-form, where a
typo is silently dropped. The dev stack ships KServe's full CRD (every field declared), so
``validate`` checks payloads against it before anything reaches a cluster. The 2 MB file is read
once, and only when a payload is checked.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

__all__ = ["UnknownField", "unknown_fields"]

_CRD_FILE = ("devstack", "data", "inferenceservices-crd.yaml")
_VERSION = "v1beta1"

UnknownField = tuple[tuple[str | int, ...], str | None]  # (path, closest declared name)


@functools.cache
def _schema() -> Mapping[str, Any]:
    text = resources.files("kserve_participant").joinpath(*_CRD_FILE).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    crd = yaml.load(text, Loader=loader)
    for version in crd["spec"]["versions"]:
        if version["name"] == _VERSION:
            return dict(version["schema"]["openAPIV3Schema"])
    raise LookupError(f"no {_VERSION} schema in the shipped InferenceService CRD")


def unknown_fields(body: Mapping[str, Any]) -> list[UnknownField]:
    """Each undeclared field's path and the declared name closest to it (None when none is)."""
    found: list[UnknownField] = []
    _walk(body, _schema(), (), found)
    return found


def _walk(value: Any, schema: Any, path: tuple[str | int, ...], found: list[UnknownField]) -> None:
    if not isinstance(schema, Mapping) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, Mapping):
        declared = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if isinstance(declared, Mapping) and key in declared:
                _walk(item, declared[key], (*path, key), found)
            elif isinstance(extra, Mapping):
                _walk(item, extra, (*path, key), found)
            elif isinstance(declared, Mapping):
                close = difflib.get_close_matches(str(key), list(declared), n=1)
                found.append(((*path, key), close[0] if close else None))
            # an object schema without properties (e.g. metadata) takes any field
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            _walk(item, schema["items"], (*path, index), found)
