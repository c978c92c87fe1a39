"""Which custom resource the participant manages, and how it is addressed on the API server.

The Java participant reads group, version and plural from its ``customresourcedefinition``
settings; the config layer fills :class:`InferenceServiceResource` from the same yaml section.
The lightkube resource class is built per settings value, never at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lightkube.generic_resource import GenericNamespacedResource, create_namespaced_resource

__all__ = ["DEPLOYMENTS", "InferenceServiceResource", "lightkube_resource"]


@dataclass(frozen=True, slots=True)
class InferenceServiceResource:
    """Group, version, kind and plural of KServe's InferenceService (Java defaults)."""

    group: str = "serving.kserve.io"
    version: str = "v1beta1"
    kind: str = "InferenceService"
    plural: str = "inferenceservices"

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


# KServe's Deployments (Standard mode), read to tell when an update has rolled out.
DEPLOYMENTS = InferenceServiceResource(
    group="apps", version="v1", kind="Deployment", plural="deployments"
)


def lightkube_resource(resource: InferenceServiceResource) -> type[GenericNamespacedResource]:
    """The lightkube generic resource class for these settings (cached by lightkube per kind)."""
    cls: Any = create_namespaced_resource(
        resource.group, resource.version, resource.kind, resource.plural
    )
    return cls  # type: ignore[no-any-return]
