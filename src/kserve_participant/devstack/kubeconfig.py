"""The admin kubeconfig of a dev stack: client certificate (O=system:masters), absolute paths."""

from __future__ import annotations

from pathlib import Path

import yaml

from kserve_participant.devstack.pki import Pki

__all__ = ["write_admin_kubeconfig"]


def write_admin_kubeconfig(path: Path, *, server: str, pki: Pki) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "ksp-dev",
                "cluster": {"server": server, "certificate-authority": str(pki.ca_cert.resolve())},
            }
        ],
        "users": [
            {
                "name": "admin",
                "user": {
                    "client-certificate": str(pki.admin_cert.resolve()),
                    "client-key": str(pki.admin_key.resolve()),
                },
            }
        ],
        "contexts": [
            {
                "name": "ksp-dev",
                "context": {"cluster": "ksp-dev", "user": "admin", "namespace": "default"},
            }
        ],
        "current-context": "ksp-dev",
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path.resolve()
