"""The lightkube resource class the dev stack uses for KServe's InferenceService.

lightkube returns the same class to every caller that declares the same group/version/kind/plural,
so this stays compatible with any other module of the project that declares it too.
"""

from __future__ import annotations

from lightkube.generic_resource import create_namespaced_resource

__all__ = ["FINALIZER", "InferenceService"]

InferenceService = create_namespaced_resource(
    "serving.kserve.io", "v1beta1", "InferenceService", "inferenceservices"
)

FINALIZER = "inferenceservice.finalizers"
"""The finalizer KServe's controller adds on first reconcile and removes when it has cleaned up."""
