"""The kube-apiserver of the dev stack: TLS on 127.0.0.1, client-certificate and static-token
authentication, RBAC authorization, etcd for storage. No controller manager, scheduler or kubelet:
namespaces never finish terminating and nothing is garbage-collected (see docs/development.md).
Requests of the participant's user are audited (``devstack.audit``) into ``audit.log``.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import httpx

from kserve_participant.devstack.audit import write_audit_policy
from kserve_participant.devstack.pki import Pki
from kserve_participant.devstack.processes import (
    ManagedProcess,
    free_ports,
    retry_on_port_clash,
    spawn,
    wait_until,
)

__all__ = ["ApiServer"]


@dataclass
class ApiServer:
    directory: Path
    binary: Path
    pki: Pki
    etcd_url: str
    port: int = 0
    process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def audit_log(self) -> Path:
        return self.directory / "audit.log"

    def start(self, *, timeout: float = 60.0) -> None:
        """Fresh start on a new free port."""

        def on_a_free_port() -> None:
            (self.port,) = free_ports(1)
            self._launch(timeout=timeout)

        retry_on_port_clash(on_a_free_port, self._log_path)

    def restart(self, *, timeout: float = 60.0) -> None:
        """Start again after ``stop``, on the same port (etcd keeps the data)."""
        self._launch(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def _launch(self, *, timeout: float) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        pki = self.pki
        policy = write_audit_policy(self.directory / "audit-policy.yaml")
        self.process = spawn(
            "kube-apiserver",
            [
                str(self.binary),
                f"--etcd-servers={self.etcd_url}",
                "--bind-address=127.0.0.1",
                f"--secure-port={self.port}",
                "--advertise-address=127.0.0.1",
                f"--tls-cert-file={pki.apiserver_cert}",
                f"--tls-private-key-file={pki.apiserver_key}",
                f"--client-ca-file={pki.ca_cert}",
                f"--token-auth-file={pki.token_file}",
                "--authorization-mode=RBAC",
                f"--service-account-issuer={self.url}",
                f"--service-account-key-file={pki.service_account_public_key}",
                f"--service-account-signing-key-file={pki.service_account_key}",
                # Room for a Service per InferenceService: KServe makes one each, and a /24 ran out
                # ("failed to allocate a serviceIP: range is full") at about 250.
                "--service-cluster-ip-range=10.96.0.0/16",
                "--disable-admission-plugins=ServiceAccount",
                "--endpoint-reconciler-type=none",
                "--enable-priority-and-fairness=false",
                "--profiling=false",
                f"--audit-policy-file={policy}",
                f"--audit-log-path={self.audit_log}",
                "--audit-log-format=json",
                f"--cert-dir={self.directory / 'certs'}",
                "--v=1",
            ],
            run_dir=self.directory,
            log_path=self._log_path,
            marker=f"--token-auth-file={pki.token_file}",
        )
        wait_until(self._ready, process=self.process, what="/readyz", timeout=timeout)

    def _ready(self) -> bool:
        try:
            tls = ssl.create_default_context(cafile=self.pki.ca_cert)
            response = httpx.get(f"{self.url}/readyz", verify=tls, timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    @property
    def _log_path(self) -> Path:
        return self.directory / "apiserver.log"
