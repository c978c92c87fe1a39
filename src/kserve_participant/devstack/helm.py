"""Helm for the chart in ``deploy/helm/``: built from the Go module proxy into the cache, and used
to render the plain manifests in ``deploy/kubernetes/`` from the chart, so that the chart is their
one source.

Helm is a Go module with its own go.mod, so ``go install module@version`` builds it as released.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from kserve_participant.devstack.build import BuildError, go_install
from kserve_participant.devstack.cache import Cache

__all__ = [
    "HELM_VERSION",
    "MANIFEST_RELEASE",
    "ManifestVariant",
    "build_helm",
    "differences",
    "helm_binary",
    "manifest_variants",
    "render_manifests",
    "split_by_template",
    "write_manifests",
]

HELM_VERSION = "v4.3.2"
HELM_MODULE = "helm.sh/helm/v4/cmd/helm"

# The plain manifests are the chart rendered as release "kserve-participant" in namespace "onap".
MANIFEST_RELEASE = "kserve-participant"
MANIFEST_NAMESPACE = "onap"
GENERATED_HEADER = (
    "# Generated from deploy/helm/kserve-participant with deploy/helm/manifests/{variant}.yaml\n"
    "# by `make manifests`; edit the chart, not this file.\n"
)

Say = Callable[[str], None]

_SOURCE_LINE = re.compile(r"^# Source: [^/]+/templates/(?P<file>[\w.-]+)$", re.MULTILINE)


def helm_binary(cache: Cache) -> Path:
    return cache.root / "bin" / f"helm-{HELM_VERSION}"


def build_helm(cache: Cache, *, say: Say) -> Path:
    """The cached helm binary; built with ``go install`` when missing."""
    target = helm_binary(cache)
    go_install(
        cache,
        package=f"{HELM_MODULE}@{HELM_VERSION}",
        name=f"helm {HELM_VERSION}",
        estimate="about 2-4 minutes",
        target=target,
        say=say,
    )
    return target


class ManifestVariant:
    """One directory of ``deploy/kubernetes/`` and the values file that renders it."""

    def __init__(self, deploy: Path, name: str) -> None:
        self.name = name
        self.values = deploy / "helm" / "manifests" / f"{name}.yaml"
        self.directory = deploy / "kubernetes" / name


def manifest_variants(deploy: Path) -> list[ManifestVariant]:
    return [
        ManifestVariant(deploy, values.stem)
        for values in sorted((deploy / "helm" / "manifests").glob("*.yaml"))
    ]


def render_manifests(helm: Path, deploy: Path, variant: ManifestVariant) -> dict[str, str]:
    """The chart rendered for ``variant``: file name -> text, as ``deploy/kubernetes`` holds it."""
    argv = [
        str(helm),
        "template",
        MANIFEST_RELEASE,
        str(deploy / "helm" / "kserve-participant"),
        "--namespace",
        MANIFEST_NAMESPACE,
        "--values",
        str(variant.values),
    ]
    completed = subprocess.run(argv, check=False, capture_output=True, text=True)
    if completed.returncode != 0:
        raise BuildError(f"helm template failed for {variant.values}:\n{completed.stderr}")
    header = GENERATED_HEADER.format(variant=variant.name)
    return {name: header + text for name, text in split_by_template(completed.stdout).items()}


def split_by_template(rendered: str) -> dict[str, str]:
    """``helm template`` output split by the template each document came from."""
    files: dict[str, list[str]] = {}
    for document in rendered.split("\n---\n"):
        match = _SOURCE_LINE.search(document)
        if match is None:
            continue
        body = document[match.end() :].strip("\n")
        files.setdefault(match["file"], []).append(body + "\n")
    return {name: "---\n".join(bodies) for name, bodies in files.items()}


def write_manifests(helm: Path, deploy: Path) -> list[Path]:
    """Regenerate every variant's directory; returns the files written."""
    written: list[Path] = []
    for variant in manifest_variants(deploy):
        rendered = render_manifests(helm, deploy, variant)
        variant.directory.mkdir(parents=True, exist_ok=True)
        for stale in variant.directory.glob("*.yaml"):
            if stale.name not in rendered:
                stale.unlink()
        for name, text in rendered.items():
            path = variant.directory / name
            path.write_text(text)
            written.append(path)
    return written


def differences(helm: Path, deploy: Path) -> Mapping[str, Sequence[str]]:
    """Per variant, the files of ``deploy/kubernetes`` that differ from the chart's rendering."""
    found: dict[str, list[str]] = {}
    for variant in manifest_variants(deploy):
        rendered = render_manifests(helm, deploy, variant)
        present = {path.name: path.read_text() for path in variant.directory.glob("*.yaml")}
        names = sorted(set(rendered) | set(present))
        stale = [name for name in names if rendered.get(name) != present.get(name)]
        if stale:
            found[variant.name] = stale
    return found
