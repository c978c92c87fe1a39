"""Reads the Kubernetes manifests and container file under deploy/ (shared by unit and
integration tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
VARIANTS = ("namespaced", "cluster")
DOCKERFILE = DEPLOY / "Dockerfile"


def documents(variant: str) -> list[dict[str, Any]]:
    """Every document of every manifest file of one variant, in file order."""
    docs: list[dict[str, Any]] = []
    for path in sorted((DEPLOY / "kubernetes" / variant).glob("*.yaml")):
        docs.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return docs


def of_kind(variant: str, kind: str) -> list[dict[str, Any]]:
    return [doc for doc in documents(variant) if doc["kind"] == kind]
