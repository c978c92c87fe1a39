"""Failures injected the way a cluster fails: through the pods KServe creates.

KWOK plays the pod lifecycle with the stages in ``tools/kwok/stages.yaml``. A label or an
annotation set in an InferenceService's component spec (``spec.predictor.labels`` /
``.annotations``) is copied by KServe onto its pods, where those stages read it. So a test asks
for a slow start, a model server that never becomes ready or a storage-initializer that keeps
failing, and KServe itself turns what the pods show into its status, as in a cluster.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

__all__ = ["FAULT_LABEL", "READY_DELAY_ANNOTATION", "UNSERVED_FORMAT", "PodFault", "with_pod_fault"]

FAULT_LABEL = "fault.kserve-participant.dev/mode"
READY_DELAY_ANNOTATION = "pod-ready.stage.kwok.x-k8s.io/delay"  # a Go duration, e.g. "3s"
UNSERVED_FORMAT = "no-runtime-serves-this"  # a model format no ClusterServingRuntime supports


class PodFault(StrEnum):
    NEVER_READY = "never-ready"  # containers run but never pass readiness
    LOAD_FAILURE = "load-failure"  # the storage-initializer exits 1: KServe's ModelLoadFailed


def with_pod_fault(
    body: Mapping[str, Any],
    *,
    fault: PodFault | None = None,
    ready_delay: str | None = None,
    component: str = "predictor",
) -> dict[str, Any]:
    """A copy of an InferenceService body whose ``component`` pods show ``fault`` and become
    ready after ``ready_delay``."""
    changed = copy.deepcopy(dict(body))
    spec = changed.setdefault("spec", {}).setdefault(component, {})
    if fault is not None:
        spec.setdefault("labels", {})[FAULT_LABEL] = fault.value
    if ready_delay is not None:
        spec.setdefault("annotations", {})[READY_DELAY_ANNOTATION] = ready_delay
    return changed
