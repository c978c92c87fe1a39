"""Install KServe's CRDs, config and runtimes (``kserve_config``) into the dev stack's API server.

The CRD (about 2 MB of YAML, a copy of KServe's ``config/crd/full`` file) goes in by server-side
apply: never by client-side apply, whose last-applied annotation would exceed the 256 KB
annotation limit. Right after creation ``status.conditions`` is null, so readers must treat a
missing list and a null list alike. The first InferenceService create after Established takes
about 2 s (the API server builds its schema machinery lazily); ``warm_up`` pays that once.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from lightkube import ApiError, Client, codecs
from lightkube.generic_resource import create_global_resource
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.resources.core_v1 import Namespace
from lightkube.types import PatchType

from kserve_participant.devstack import kserve_config
from kserve_participant.devstack.resources import InferenceService

__all__ = [
    "CRD_NAME",
    "CrdNotEstablished",
    "install_crd",
    "install_kserve",
    "load_crd",
    "packaged_crd_path",
    "wait_established",
    "warm_up",
]

CRD_NAME = "inferenceservices.serving.kserve.io"
FIELD_MANAGER = "kserve-participant-dev"
WARM_UP_NAMESPACE = "ksp-dev-warm-up"
_POLL_SECONDS = 0.1


class CrdNotEstablished(RuntimeError):
    """The CRD was stored but did not report Established in time."""


def packaged_crd_path() -> Path:
    return Path(
        str(resources.files("kserve_participant.devstack") / "data" / "inferenceservices-crd.yaml")
    )


def load_crd(path: Path | None = None) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (path or packaged_crd_path()).open() as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=loader)
    return document


def install_crd(client: Client, body: dict[str, Any], *, timeout: float = 60.0) -> None:
    """Server-side apply ``body`` (see ``load_crd``), then wait until it is Established."""
    client.patch(
        CustomResourceDefinition,
        body["metadata"]["name"],
        body,
        patch_type=PatchType.APPLY,
        field_manager=FIELD_MANAGER,
        force=True,
    )
    wait_established(client, body["metadata"]["name"], timeout=timeout)


def install_kserve(client: Client, config: Path, *, timeout: float = 60.0) -> None:
    """KServe's CRDs (Established), its namespace and ConfigMap, and its ClusterServingRuntimes."""
    definitions = kserve_config.crds(config)
    for body in definitions:
        _apply(client, body)
    for body in definitions:
        wait_established(client, body["metadata"]["name"], timeout=timeout)
    _apply(client, {"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": kserve_config.KSERVE_NAMESPACE}})  # fmt: skip
    _apply(client, kserve_config.inferenceservice_config(config))
    create_global_resource(
        "serving.kserve.io", "v1alpha1", "ClusterServingRuntime", "clusterservingruntimes"
    )
    for runtime in kserve_config.cluster_serving_runtimes(config):
        _apply(client, runtime)


def _apply(client: Client, body: dict[str, Any]) -> None:
    client.apply(codecs.from_dict(body), field_manager=FIELD_MANAGER, force=True)


def wait_established(client: Client, name: str = CRD_NAME, *, timeout: float = 60.0) -> None:
    """Return once the CRD reports Established; raise ``CrdNotEstablished`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        crd = client.get(CustomResourceDefinition, name)
        conditions = (crd.status.conditions if crd.status else None) or []
        if any(c.type == "Established" and c.status == "True" for c in conditions):
            return
        if time.monotonic() >= deadline:
            raise CrdNotEstablished(f"CRD {name} not Established after {timeout:.0f} s")
        time.sleep(_POLL_SECONDS)


def warm_up(client: Client) -> None:
    """Create and delete one throw-away InferenceService so later creates are fast."""
    try:
        client.create(Namespace(metadata=ObjectMeta(name=WARM_UP_NAMESPACE)))
    except ApiError as error:
        if error.status.code != 409:
            raise
    isvc = InferenceService(
        metadata=ObjectMeta(name="warm-up", namespace=WARM_UP_NAMESPACE),
        spec={"predictor": {"sklearn": {"storageUri": "gs://warm-up/model"}}},
    )
    client.create(isvc)
    client.delete(InferenceService, "warm-up", namespace=WARM_UP_NAMESPACE)
