"""Provision the dev stack's artefacts into the cache: Kafka jars; etcd, kube-apiserver,
kube-controller-manager, kube-scheduler, KWOK and KServe's manager binaries; KServe's ``config/``.

Each artefact is built into a ``.tmp`` path and renamed when complete, so an interrupted build never
leaves something that looks cached. A present artefact is reused as is. Cold builds say what they do
and roughly how long it takes, because kube-apiserver alone compiles for minutes. Everything Go
comes from the Go module proxy: Kubernetes through committed wrapper modules (``tools/``), KWOK by
``go install``, KServe from a writable copy of its module (its go.mod has replace lines, so
``go install`` refuses it), whose ``config/`` folder also gives the CRDs, the ConfigMap and the
serving runtimes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kserve_participant.devstack.cache import (
    ETCD_VERSION,
    KAFKA_VERSION,
    KSERVE_VERSION,
    KUBE_APISERVER_VERSION,
    KWOK_VERSION,
    Cache,
    ToolsDir,
)

__all__ = [
    "BuildError",
    "build_all",
    "build_etcd",
    "build_kafka",
    "build_kserve",
    "build_kube_apiserver",
    "build_kube_controllers",
    "build_kwok",
    "go_install",
]

Say = Callable[[str], None]

_KUBE_VERSION_LDFLAGS = (
    f"-X k8s.io/component-base/version.gitVersion={KUBE_APISERVER_VERSION}",
    "-X k8s.io/component-base/version.gitMajor=1",
    "-X k8s.io/component-base/version.gitMinor=" + KUBE_APISERVER_VERSION.split(".")[1],
)


class BuildError(RuntimeError):
    """A build tool is missing or a build command failed."""


def build_all(cache: Cache, tools: ToolsDir, *, say: Say) -> None:
    """Make sure every artefact is in the cache; build what is missing."""
    build_kafka(cache, tools, say=say)
    build_etcd(cache, tools, say=say)
    build_kube_apiserver(cache, tools, say=say)
    build_kube_controllers(cache, tools, say=say)
    build_kwok(cache, say=say)
    build_kserve(cache, say=say)


def build_kafka(cache: Cache, tools: ToolsDir, *, say: Say) -> None:
    target = cache.kafka_lib
    if _has_jars(target):
        say(f"kafka {KAFKA_VERSION}: cached at {target}")
        return
    _require("mvn", "Maven 3.8+")
    _require("java", "a Java 17+ runtime")
    say(f"fetching Kafka {KAFKA_VERSION} jars from Maven Central, about 10-20 seconds...")
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.monotonic()
    _run(
        [
            "mvn",
            "-B",
            "-q",
            "-f",
            str(tools.kafka_pom),
            f"-Dmaven.repo.local={cache.maven_repo}",
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={tmp}",
        ],
        env=os.environ.copy(),
    )
    if not _has_jars(tmp):
        raise BuildError(f"maven finished but left no jars in {tmp}")
    tmp.rename(target)
    say(f"kafka {KAFKA_VERSION}: ready in {time.monotonic() - started:.1f} s at {target}")


def build_etcd(cache: Cache, tools: ToolsDir, *, say: Say) -> None:
    _go_build(
        cache,
        name=f"etcd {ETCD_VERSION}",
        estimate="about 1 minute",
        module=tools.etcd_module,
        target=cache.etcd_binary,
        ldflags=("-s", "-w"),
        package=".",
        say=say,
    )


def build_kube_apiserver(cache: Cache, tools: ToolsDir, *, say: Say) -> None:
    _go_build(
        cache,
        name=f"kube-apiserver {KUBE_APISERVER_VERSION}",
        estimate="about 3-4 minutes and 2 GB of memory",
        module=tools.kube_apiserver_module,
        target=cache.kube_apiserver_binary,
        ldflags=("-s", "-w", *_KUBE_VERSION_LDFLAGS),
        package="k8s.io/kubernetes/cmd/kube-apiserver",
        say=say,
    )


def build_kube_controllers(cache: Cache, tools: ToolsDir, *, say: Say) -> None:
    """kube-controller-manager (Deployments, ReplicaSets, garbage collection) and kube-scheduler."""
    for name, target, estimate in (
        (
            "kube-controller-manager",
            cache.kube_controller_manager_binary,
            "about 2-3 minutes (it shares most of kube-apiserver's build cache)",
        ),
        ("kube-scheduler", cache.kube_scheduler_binary, "about 10-60 seconds"),
    ):
        _go_build(
            cache,
            name=f"{name} {KUBE_APISERVER_VERSION}",
            estimate=estimate,
            module=tools.kube_controllers_module,
            target=target,
            ldflags=("-s", "-w", *_KUBE_VERSION_LDFLAGS),
            package=f"k8s.io/kubernetes/cmd/{name}",
            say=say,
        )


def build_kwok(cache: Cache, *, say: Say) -> None:
    """KWOK: fake nodes and pod lifecycle, since no kubelet or container runtime runs here."""
    go_install(
        cache,
        package=f"sigs.k8s.io/kwok/cmd/kwok@{KWOK_VERSION}",
        name=f"kwok {KWOK_VERSION}",
        estimate="about 1-2 minutes",
        target=cache.kwok_binary,
        say=say,
    )


def go_install(
    cache: Cache, *, package: str, name: str, estimate: str, target: Path, say: Say
) -> None:
    """``go install package@version`` into ``target`` (the binary is named after the package's
    last path element), unless it is cached already."""
    if target.is_file():
        say(f"{name}: cached at {target}")
        return
    _require("go", "Go 1.26+")
    say(f"building {name} from the Go module proxy, {estimate}...")
    started = time.monotonic()
    gobin = target.with_name(target.name + ".gobin")
    shutil.rmtree(gobin, ignore_errors=True)
    env = _go_env(cache)
    env["GOBIN"] = str(gobin)
    _run(["go", "install", "-trimpath", "-ldflags", "-s -w", package], env=env)
    (gobin / package.split("@")[0].rsplit("/", 1)[-1]).rename(target)
    shutil.rmtree(gobin, ignore_errors=True)
    say(f"{name}: built in {time.monotonic() - started:.0f} s at {target}")


def build_kserve(cache: Cache, *, say: Say) -> None:
    """KServe's manager, built from a writable copy of its module, which also holds config/."""
    _copy_kserve_module(cache, say=say)
    _go_build(
        cache,
        name=f"kserve manager {KSERVE_VERSION}",
        estimate="about 2-4 minutes and 1.6 GB of memory",
        module=cache.kserve_source,
        target=cache.kserve_manager_binary,
        ldflags=("-s", "-w"),
        package="./cmd/manager",
        say=say,
    )


def _copy_kserve_module(cache: Cache, *, say: Say) -> None:
    target = cache.kserve_source
    if (target / "go.mod").is_file():
        return
    _require("go", "Go 1.26+")
    say(f"downloading KServe {KSERVE_VERSION} from the Go module proxy, about 30 seconds...")
    module = f"github.com/kserve/kserve@{KSERVE_VERSION}"
    completed = subprocess.run(
        ["go", "mod", "download", "-json", module],
        env=_go_env(cache),
        check=False,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise BuildError(f"go mod download {module} failed:\n{completed.stdout}{completed.stderr}")
    source = Path(json.loads(completed.stdout)["Dir"])
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp)
    for path in (tmp, *tmp.rglob("*")):  # the module cache is read-only; the copy must build
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    tmp.rename(target)


def _go_env(cache: Cache) -> dict[str, str]:
    env = os.environ.copy()
    env.update(
        GOMODCACHE=str(cache.go_mod_cache),
        GOCACHE=str(cache.go_build_cache),
        GOTOOLCHAIN="local",
        CGO_ENABLED="0",
        GOFLAGS="-buildvcs=false",
    )
    return env


def _go_build(
    cache: Cache,
    *,
    name: str,
    estimate: str,
    module: Path,
    target: Path,
    ldflags: Sequence[str],
    package: str,
    say: Say,
) -> None:
    if target.is_file():
        say(f"{name}: cached at {target}")
        return
    _require("go", "Go 1.26+")
    say(f"building {name} from the Go module proxy, {estimate}...")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    env = _go_env(cache)
    started = time.monotonic()
    _run(
        [
            "go",
            "build",
            "-C",
            str(module),
            "-trimpath",
            "-ldflags",
            " ".join(ldflags),
            "-o",
            str(tmp),
            package,
        ],
        env=env,
    )
    tmp.rename(target)
    say(f"{name}: built in {time.monotonic() - started:.0f} s at {target}")


def _has_jars(directory: Path) -> bool:
    return directory.is_dir() and any(directory.glob("kafka_2.13-*.jar"))


def _require(tool: str, what: str) -> None:
    if shutil.which(tool) is None:
        raise BuildError(f"`{tool}` not found on PATH: the dev stack needs {what}")


def _run(argv: list[str], *, env: dict[str, str]) -> None:
    completed = subprocess.run(argv, env=env, check=False, capture_output=True, text=True)
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-30:])
        raise BuildError(f"{argv[0]} {argv[1]} failed (exit {completed.returncode}):\n{tail}")
