"""The cluster around the API server: kube-controller-manager, kube-scheduler and KWOK.

Why each: KServe creates Deployments, so the deployment and replicaset controllers must turn them
into pods, and the garbage collector must remove what KServe owned once an InferenceService is
gone. KWOK does not bind pods, so the scheduler must. No kubelet or container runtime runs here:
KWOK plays one fake node and the pod lifecycle (``tools/kwok/stages.yaml``), which is also where
failures are injected (docs/development.md). Each runs with the admin kubeconfig, no leader
election and no serving port, so stacks started side by side never collide.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lightkube import ApiError, Client
from lightkube.models.core_v1 import NodeStatus
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Node as NodeResource
from lightkube.resources.core_v1 import ServiceAccount
from lightkube.types import PatchType

from kserve_participant.devstack.processes import DaemonDied, ManagedProcess, spawn, wait_until

__all__ = ["FAKE_NODE", "ControllerManager", "Kwok", "Scheduler"]

FAKE_NODE = "kwok-node-0"
_KWOK_ANNOTATION = "kwok.x-k8s.io/node"
_NOT_READY_TAINT = "node.kubernetes.io/not-ready"
# Room for every pod the tests and benchmarks create: runtimes request 1 CPU and 2 GiB each.
_NODE_CAPACITY = {"cpu": "4000", "memory": "16Ti", "pods": "5000"}
_CONTROLLERS = (
    "deployment-controller",
    "replicaset-controller",
    "garbage-collector-controller",
    "endpointslice-controller",
    "serviceaccount-controller",
)
_POLL_SECONDS = 0.1


@dataclass
class _Daemon:
    """A process started with the admin kubeconfig; ``marker`` is its run directory."""

    name: str
    binary: Path
    directory: Path
    kubeconfig: Path
    process: ManagedProcess | None = None

    def _spawn(self, *flags: str) -> ManagedProcess:
        self.directory.mkdir(parents=True, exist_ok=True)
        marker = f"--kubeconfig={self.kubeconfig}"
        self.process = spawn(
            self.name,
            [str(self.binary), marker, *flags],
            run_dir=self.directory,
            log_path=self.directory / f"{self.name}.log",
            marker=marker,
        )
        return self.process

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def check_alive(self) -> None:
        if self.process is not None and not self.process.alive():
            raise DaemonDied(f"{self.name} exited; see {self.process.log_path}")


class ControllerManager(_Daemon):
    def start(self) -> None:
        self._spawn(
            "--controllers=" + ",".join(_CONTROLLERS),
            "--leader-elect=false",
            "--secure-port=0",
            "--use-service-account-credentials=false",
            "--v=1",
        )

    def wait_ready(self, client: Client, *, timeout: float = 60.0) -> None:
        """Its informers run once the service-account controller has made ``default/default``."""
        assert self.process is not None

        def made() -> bool:
            try:
                client.get(ServiceAccount, "default", namespace="default")
            except ApiError:
                return False
            return True

        wait_until(made, process=self.process, what="its controllers running", timeout=timeout)


class Scheduler(_Daemon):
    def start(self) -> None:
        self._spawn("--leader-elect=false", "--secure-port=0", "--v=1")


@dataclass
class Kwok(_Daemon):
    stages: Path | None = None

    def start(self) -> None:
        self._spawn(
            "--manage-all-nodes=false",
            f"--manage-nodes-with-annotation-selector={_KWOK_ANNOTATION}=fake",
            "--manage-nodes-with-label-selector=",
            "--cidr=10.244.0.1/16",
            "--node-ip=10.244.0.1",
            *([f"--config={self.stages}"] if self.stages else []),
        )

    def add_node(self, client: Client, *, timeout: float = 60.0) -> None:
        """Register the fake node, wait until KWOK reports it Ready, then lift the not-ready taint.

        The API server's admission taints a new node ``not-ready``; in a real cluster the node
        lifecycle controller lifts it, which does not run here, so pods would stay Pending.
        """
        assert self.process is not None
        node = NodeResource(
            metadata=ObjectMeta(
                name=FAKE_NODE,
                annotations={_KWOK_ANNOTATION: "fake"},
                labels={
                    "kubernetes.io/hostname": FAKE_NODE,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "type": "kwok",
                },
            ),
            status=NodeStatus(capacity=_NODE_CAPACITY, allocatable=_NODE_CAPACITY),
        )
        client.create(node)

        def ready() -> bool:
            got = client.get(NodeResource, FAKE_NODE)
            conditions = (got.status.conditions if got.status else None) or []
            return any(c.type == "Ready" and c.status == "True" for c in conditions)

        wait_until(ready, process=self.process, what="its node Ready", timeout=timeout)
        deadline = time.monotonic() + timeout
        while True:
            got = client.get(NodeResource, FAKE_NODE)
            taints = (got.spec.taints if got.spec else None) or []
            kept = [t.to_dict() for t in taints if t.key != _NOT_READY_TAINT]
            if len(kept) == len(taints):
                return
            version = got.metadata.resourceVersion if got.metadata else None
            patch: dict[str, Any] = {
                "metadata": {"resourceVersion": version},
                "spec": {"taints": kept or None},
            }
            try:
                client.patch(NodeResource, FAKE_NODE, patch, patch_type=PatchType.MERGE)
            except ApiError as error:
                if error.status.code != 409 or time.monotonic() >= deadline:
                    raise  # 409: KWOK wrote the node meanwhile; read it again
            time.sleep(_POLL_SECONDS)
