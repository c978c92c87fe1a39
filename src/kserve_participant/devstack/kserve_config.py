"""What KServe's manager needs installed, read from KServe's own ``config/`` folder.

The folder comes with KServe's Go module (see ``build``), so nothing is taken from a release page:
every CRD the manager watches, the ``inferenceservice-config`` ConfigMap and the serving runtimes.
The ConfigMap is adjusted for this cluster the way an operator installing KServe without Knative or
Istio would: Standard (raw Deployment) mode and a plain networking.k8s.io Ingress. The runtimes'
image placeholders get the names their kustomization gives them (nothing is ever pulled here).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "KSERVE_NAMESPACE",
    "cluster_serving_runtimes",
    "crds",
    "inferenceservice_config",
    "webhook_configurations",
]

KSERVE_NAMESPACE = "kserve"
# CRD folders the manager discovers and watches; llmisvc needs conversion webhooks and is not used.
_CRD_FOLDERS = ("crd/full", "crd/full/clusterstoragecontainer", "crd/full/localmodel")


def _documents(path: Path) -> Iterator[dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open() as handle:
        for document in yaml.load_all(handle, Loader=loader):
            if isinstance(document, dict):
                yield document


def _manifests(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")


def crds(config: Path) -> list[dict[str, Any]]:
    """Every CustomResourceDefinition of ``serving.kserve.io`` the manager needs."""
    found: list[dict[str, Any]] = []
    for folder in _CRD_FOLDERS:
        for path in _manifests(config / folder):
            found.extend(d for d in _documents(path) if d.get("kind") == "CustomResourceDefinition")
    return found


def inferenceservice_config(config: Path) -> dict[str, Any]:
    """The manager's ConfigMap: Standard mode, plain Ingress, no Istio virtual host."""
    (configmap,) = _documents(config / "configmap" / "inferenceservice.yaml")
    data: dict[str, str] = dict(configmap["data"])
    data.pop("_example", None)  # documentation only, 28 KB
    deploy = json.loads(data["deploy"])
    deploy["defaultDeploymentMode"] = "Standard"
    data["deploy"] = json.dumps(deploy)
    ingress = json.loads(data["ingress"])
    ingress.update(ingressClassName="nginx", disableIstioVirtualHost=True)
    data["ingress"] = json.dumps(ingress)
    metadata = {"name": configmap["metadata"]["name"], "namespace": KSERVE_NAMESPACE}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def cluster_serving_runtimes(config: Path) -> list[dict[str, Any]]:
    """Every ClusterServingRuntime of ``config/runtimes``, with real image names."""
    folder = config / "runtimes"
    (kustomization,) = _documents(folder / "kustomization.yaml")
    images = {
        entry["name"]: f"{entry.get('newName', entry['name'])}:{entry.get('newTag', 'latest')}"
        for entry in kustomization.get("images", [])
    }
    runtimes: list[dict[str, Any]] = []
    for path in _manifests(folder):
        for runtime in _documents(path):
            if runtime.get("kind") != "ClusterServingRuntime":
                continue
            for container in runtime.get("spec", {}).get("containers", []):
                name = str(container.get("image", "")).split(":", 1)[0]
                container["image"] = images.get(name, container.get("image"))
            runtimes.append(runtime)
    return runtimes


def webhook_configurations(config: Path, *, url: str, ca_bundle: str) -> list[dict[str, Any]]:
    """KServe's webhook registrations, pointed at ``url`` (the manager on loopback) by URL.

    In a cluster they name a Service; here the manager runs as a local process, so each webhook
    gets ``clientConfig.url`` with its own path and the stack's CA as ``caBundle``.
    """
    registrations: list[dict[str, Any]] = []
    for document in _documents(config / "webhook" / "manifests.yaml"):
        if document.get("kind") not in (
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ):
            continue
        document["metadata"] = {"name": document["metadata"]["name"]}
        for webhook in document.get("webhooks", []):
            path = webhook["clientConfig"]["service"]["path"]
            webhook["clientConfig"] = {"url": f"{url}{path}", "caBundle": ca_bundle}
        registrations.append(document)
    return registrations
