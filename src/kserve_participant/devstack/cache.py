"""Where the dev stack's built artefacts live, keyed by version.

Artefacts go to the user's cache directory, never into the clone, so that every clone (and CI on the
same machine) reuses them. A version bump changes the path, which is what triggers a rebuild.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ETCD_VERSION",
    "KAFKA_VERSION",
    "KSERVE_VERSION",
    "KUBE_APISERVER_VERSION",
    "KWOK_VERSION",
    "Cache",
    "ToolsDir",
    "default_cache_root",
]

KAFKA_VERSION = "4.1.2"
ETCD_VERSION = "v3.6.16"
KUBE_APISERVER_VERSION = "v1.34.4"  # also kube-controller-manager and kube-scheduler
KWOK_VERSION = "v0.7.0"
KSERVE_VERSION = "v0.20.0"


def default_cache_root() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/kserve-participant``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kserve-participant"


@dataclass(frozen=True)
class Cache:
    """Paths inside one cache root; nothing here touches the disk."""

    root: Path

    @classmethod
    def default(cls) -> Cache:
        return cls(default_cache_root())

    @property
    def kafka_lib(self) -> Path:
        return self.root / f"kafka-{KAFKA_VERSION}" / "lib"

    @property
    def maven_repo(self) -> Path:
        return self.root / "m2"

    @property
    def etcd_binary(self) -> Path:
        return self.root / "bin" / f"etcd-{ETCD_VERSION}"

    @property
    def kube_apiserver_binary(self) -> Path:
        return self.root / "bin" / f"kube-apiserver-{KUBE_APISERVER_VERSION}"

    @property
    def kube_controller_manager_binary(self) -> Path:
        return self.root / "bin" / f"kube-controller-manager-{KUBE_APISERVER_VERSION}"

    @property
    def kube_scheduler_binary(self) -> Path:
        return self.root / "bin" / f"kube-scheduler-{KUBE_APISERVER_VERSION}"

    @property
    def kwok_binary(self) -> Path:
        return self.root / "bin" / f"kwok-{KWOK_VERSION}"

    @property
    def kserve_manager_binary(self) -> Path:
        return self.root / "bin" / f"kserve-manager-{KSERVE_VERSION}"

    @property
    def kserve_source(self) -> Path:
        """A writable copy of KServe's module: the manager is built here, ``config/`` read here."""
        return self.root / "src" / f"kserve-{KSERVE_VERSION}"

    @property
    def kserve_config(self) -> Path:
        return self.kserve_source / "config"

    @property
    def binaries(self) -> tuple[Path, ...]:
        """Every binary the stack runs."""
        return (
            self.etcd_binary,
            self.kube_apiserver_binary,
            self.kube_controller_manager_binary,
            self.kube_scheduler_binary,
            self.kwok_binary,
            self.kserve_manager_binary,
        )

    @property
    def go_mod_cache(self) -> Path:
        return self.root / "go" / "mod"

    @property
    def go_build_cache(self) -> Path:
        return self.root / "go" / "build"

    @property
    def kafka_classpath(self) -> str:
        """Class path for ``java -cp``; java itself expands the trailing wildcard."""
        return str(self.kafka_lib / "*")


@dataclass(frozen=True)
class ToolsDir:
    """The committed build inputs: ``tools/`` of the checkout this package is installed from."""

    root: Path

    @classmethod
    def locate(cls) -> ToolsDir:
        """Walk up from this module to the checkout holding ``tools/kafka/pom.xml``."""
        for parent in Path(__file__).resolve().parents:
            candidate = parent / "tools"
            if (candidate / "kafka" / "pom.xml").is_file():
                return cls(candidate)
        raise FileNotFoundError(
            "tools/kafka/pom.xml not found above the installed package: the dev stack needs an "
            "editable install from a checkout (pip install -e .)"
        )

    @property
    def kafka_pom(self) -> Path:
        return self.root / "kafka" / "pom.xml"

    @property
    def kafka_log4j(self) -> Path:
        return self.root / "kafka" / "log4j2.properties"

    @property
    def kafka_server_properties(self) -> Path:
        return self.root / "kafka" / "server.properties.in"

    @property
    def etcd_module(self) -> Path:
        return self.root / "etcd"

    @property
    def kube_apiserver_module(self) -> Path:
        return self.root / "kube-apiserver"

    @property
    def kube_controllers_module(self) -> Path:
        """Wrapper module for kube-controller-manager and kube-scheduler (``tool`` lines)."""
        return self.root / "kube-controllers"

    @property
    def kwok_stages(self) -> Path:
        return self.root / "kwok" / "stages.yaml"
