"""KServe's own controller (its ``manager``) as a local process, with its webhooks registered.

The manager reconciles InferenceServices into Deployments, Services, HPAs and Ingresses and writes
their status, exactly as in a cluster. Its webhook server (defaulting, validation, the pod mutator
that injects the storage-initializer) listens on loopback under a certificate of the stack's PKI;
the webhook configurations from KServe's ``config/webhook`` are registered by URL, since no
Service fronts the process. ``pause``/``resume`` (SIGSTOP/SIGCONT) hold every reconcile, which is
how a test makes a delete slow: KServe's finalizer stays until the manager runs again.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import httpx
from lightkube import Client, codecs

from kserve_participant.devstack import kserve_config
from kserve_participant.devstack.pki import Pki
from kserve_participant.devstack.processes import (
    ManagedProcess,
    free_ports,
    retry_on_port_clash,
    spawn,
    wait_until,
)

__all__ = ["KServeManager"]

_FIELD_MANAGER = "kserve-participant-dev"


@dataclass
class KServeManager:
    binary: Path
    directory: Path
    kubeconfig: Path
    config: Path  # KServe's config/ folder
    pki: Pki
    health_port: int = 0
    webhook_port: int = 0
    process: ManagedProcess | None = None

    @property
    def webhook_url(self) -> str:
        return f"https://127.0.0.1:{self.webhook_port}"

    def start(self, *, timeout: float = 60.0) -> None:
        """Start on free ports and wait for ``/readyz``; webhooks are registered separately."""

        def on_free_ports() -> None:
            self.health_port, self.webhook_port = free_ports(2)
            self._launch(timeout=timeout)

        retry_on_port_clash(on_free_ports, self._log_path)

    def register_webhooks(self, client: Client) -> None:
        ca_bundle = base64.b64encode(self.pki.ca_cert.read_bytes()).decode()
        for registration in kserve_config.webhook_configurations(
            self.config, url=self.webhook_url, ca_bundle=ca_bundle
        ):
            client.apply(codecs.from_dict(registration), field_manager=_FIELD_MANAGER, force=True)

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            self.resume()  # a stopped process cannot handle SIGTERM
            self.process.stop()
            self.process = None

    def _signal(self, signum: signal.Signals) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signum)

    def _launch(self, *, timeout: float) -> None:
        certs = self.directory / "tmp" / "k8s-webhook-server" / "serving-certs"
        certs.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.pki.webhook_cert, certs / "tls.crt")
        shutil.copyfile(self.pki.webhook_key, certs / "tls.key")
        (certs / "tls.key").chmod(0o600)
        env = {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "POD_NAMESPACE": kserve_config.KSERVE_NAMESPACE,
            "TMPDIR": str(self.directory / "tmp"),
        }
        self.process = spawn(
            "kserve-manager",
            [
                str(self.binary),
                "--metrics-addr=0",
                f"--health-probe-addr=127.0.0.1:{self.health_port}",
                f"--webhook-port={self.webhook_port}",
            ],
            run_dir=self.directory,
            log_path=self._log_path,
            marker=f"--health-probe-addr=127.0.0.1:{self.health_port}",
            env=env,
        )
        wait_until(self._ready, process=self.process, what="/readyz", timeout=timeout)

    def _ready(self) -> bool:
        try:
            response = httpx.get(f"http://127.0.0.1:{self.health_port}/readyz", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    @property
    def _log_path(self) -> Path:
        return self.directory / "kserve-manager.log"
