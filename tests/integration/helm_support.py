"""Runs the real helm binary (built into the cache) on the chart in deploy/helm/, against the dev
stack's kube-apiserver, and renders the chart for the manifest tests."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from lightkube import AsyncClient
from lightkube.resources.apps_v1 import Deployment, ReplicaSet
from lightkube.resources.core_v1 import ConfigMap, Pod, Secret, Service, ServiceAccount
from lightkube.resources.networking_v1 import NetworkPolicy
from lightkube.resources.rbac_authorization_v1 import (
    ClusterRole,
    ClusterRoleBinding,
    Role,
    RoleBinding,
)

from tests.integration.ops_support import eventually
from tests.integration.rbac_support import INFERENCE_GROUP, allowed

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CHART = DEPLOY / "helm" / "kserve-participant"
OOM_VALUES = DEPLOY / "helm" / "oom-values.yaml"
MANIFEST_VALUES = DEPLOY / "helm" / "manifests"


@dataclass(frozen=True)
class Helm:
    binary: Path
    kubeconfig: Path | None = None

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [str(self.binary), *args]
        if self.kubeconfig is not None:
            argv += ["--kubeconfig", str(self.kubeconfig)]
        completed = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
        if check and completed.returncode != 0:
            raise AssertionError(
                f"helm {' '.join(args[:2])} failed ({completed.returncode}):\n"
                f"{completed.stdout}{completed.stderr}"
            )
        return completed

    def template(
        self,
        release: str,
        namespace: str,
        *,
        values: Sequence[Path] = (),
        settings: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The documents ``helm template`` renders (no API server involved)."""
        completed = self.run(
            "template",
            release,
            str(CHART),
            "--namespace",
            namespace,
            *value_args(values, settings),
        )
        return [doc for doc in yaml.safe_load_all(completed.stdout) if doc]


def value_args(values: Sequence[Path], settings: Mapping[str, Any] | None) -> list[str]:
    """``--values`` per file, then ``--set-json`` per setting (exact JSON, no string coercion)."""
    args: list[str] = []
    for path in values:
        args += ["--values", str(path)]
    for key, value in (settings or {}).items():
        args += ["--set-json", f"{key}={json.dumps(value)}"]
    return args


def manifest_values(variant: str) -> Path:
    return MANIFEST_VALUES / f"{variant}.yaml"


async def deployment_available(
    client: AsyncClient, name: str, namespace: str, *, replicas: int, within: float = 120
) -> dict[str, Any]:
    """The Deployment (as a dict) once its current generation has ``replicas`` available pods
    and no pod of an older one is left (the rollout is complete)."""

    async def available() -> dict[str, Any] | None:
        deployment = await client.get(Deployment, name, namespace=namespace)
        status = deployment.status
        if status is None or deployment.metadata is None:
            return None
        conditions = {c.type: c.status for c in status.conditions or []}
        current = status.observedGeneration == deployment.metadata.generation
        if (
            current
            and conditions.get("Available") == "True"
            and (status.availableReplicas == replicas == status.updatedReplicas == status.replicas)
        ):
            return deployment.to_dict()
        return None

    return await eventually(available, within=within, what=f"Deployment {name} available")


async def secret_value(client: AsyncClient, name: str, namespace: str, key: str) -> str:
    secret = await client.get(Secret, name, namespace=namespace)
    return base64.b64decode((secret.data or {})[key]).decode()


async def service_account_may(
    client: AsyncClient, home: str, account: str, verb: str, namespace: str | None
) -> bool:
    """Whether the release's ServiceAccount may ``verb`` InferenceServices (None: everywhere)."""
    return await allowed(
        client,
        home,
        verb=verb,
        group=INFERENCE_GROUP,
        resource="inferenceservices",
        namespace=namespace,
        account=account,
    )


RELEASE_KINDS: tuple[type[Any], ...] = (
    Deployment,
    ReplicaSet,
    Pod,
    Service,
    ServiceAccount,
    ConfigMap,
    Secret,
    NetworkPolicy,
    Role,
    RoleBinding,
)


async def nothing_left(
    client: AsyncClient, release: str, namespaces: Sequence[str], *, within: float = 60
) -> None:
    """Waits until no object labelled with ``release`` is left in ``namespaces`` or cluster-wide
    (pods and ReplicaSets go with the garbage collector, a moment after helm returns)."""
    selector: dict[str, Any] = {"app.kubernetes.io/instance": release}
    cluster_kinds: tuple[type[Any], ...] = (ClusterRole, ClusterRoleBinding)

    async def left() -> list[str]:
        found = []
        for namespace in namespaces:
            for kind in RELEASE_KINDS:
                async for obj in client.list(kind, namespace=namespace, labels=selector):
                    found.append(f"{kind.__name__} {namespace}/{obj.metadata.name}")
        for cluster_kind in cluster_kinds:
            async for obj in client.list(cluster_kind, labels=selector):
                found.append(f"{cluster_kind.__name__} {obj.metadata.name}")
        return found

    async def empty() -> bool | None:
        return True if not await left() else None

    try:
        await eventually(empty, within=within, what=f"release {release} gone")
    except AssertionError as error:
        raise AssertionError(f"{error}; left: {await left()}") from None
