"""The etcd of the dev stack: the API server's storage, one member on 127.0.0.1, no fsync."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import httpx

from kserve_participant.devstack.processes import (
    ManagedProcess,
    free_ports,
    retry_on_port_clash,
    spawn,
    wait_until,
)

__all__ = ["Etcd"]


@dataclass
class Etcd:
    directory: Path
    binary: Path
    client_port: int = 0
    peer_port: int = 0
    process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    def start(self, *, seed: Path | None = None, timeout: float = 30.0) -> None:
        """Start on new free ports; ``seed`` (data of a stopped etcd) is copied in first."""
        if seed is not None and not self._data.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            shutil.copytree(seed, self._data)

        def on_free_ports() -> None:
            self.client_port, self.peer_port = free_ports(2)
            self._launch(timeout=timeout)

        retry_on_port_clash(on_free_ports, self._log_path)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    @property
    def _data(self) -> Path:
        return self.directory / "data"

    def _launch(self, *, timeout: float) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data = self._data
        peer = f"http://127.0.0.1:{self.peer_port}"
        self.process = spawn(
            "etcd",
            [
                str(self.binary),
                "--name=ksp-dev",
                f"--data-dir={data}",
                f"--listen-client-urls={self.url}",
                f"--advertise-client-urls={self.url}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=ksp-dev={peer}",
                "--unsafe-no-fsync",
                "--max-request-bytes=8388608",
                "--log-level=warn",
            ],
            run_dir=self.directory,
            log_path=self._log_path,
            marker=f"--data-dir={data}",
        )
        wait_until(self._healthy, process=self.process, what="/health", timeout=timeout)

    def _healthy(self) -> bool:
        try:
            response = httpx.get(f"{self.url}/health", timeout=1.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and '"health":"true"' in response.text

    @property
    def _log_path(self) -> Path:
        return self.directory / "etcd.log"
