"""Strimzi's KafkaUser CustomResourceDefinition, for dry-running the chart's KafkaUser.

No package registry serves Strimzi's CRD files, but Maven Central serves Strimzi's API model
(``io.strimzi:api``) and the generator Strimzi's own build writes its CRDs with
(``io.strimzi:crd-generator``). Running that generator on the model gives the CRD Strimzi ships.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from kserve_participant.devstack.build import BuildError
from kserve_participant.devstack.cache import Cache, ToolsDir

__all__ = ["STRIMZI_VERSION", "build_kafkauser_crd", "kafkauser_crd_file"]

STRIMZI_VERSION = "0.45.0"
_KAFKAUSER_MODEL = "io.strimzi.api.kafka.model.user.KafkaUser"

Say = Callable[[str], None]


def kafkauser_crd_file(cache: Cache) -> Path:
    return cache.root / f"strimzi-{STRIMZI_VERSION}" / "044-Crd-kafkauser.yaml"


def build_kafkauser_crd(cache: Cache, tools: ToolsDir, *, say: Say) -> Path:
    """The cached KafkaUser CRD; fetched and generated when missing."""
    target = kafkauser_crd_file(cache)
    if target.is_file():
        say(f"strimzi {STRIMZI_VERSION} KafkaUser CRD: cached at {target}")
        return target
    for tool, what in (("mvn", "Maven 3.8+"), ("java", "a Java 17+ runtime")):
        if shutil.which(tool) is None:
            raise BuildError(f"`{tool}` not found on PATH: generating Strimzi's CRD needs {what}")
    say(f"fetching Strimzi {STRIMZI_VERSION}'s API model and CRD generator, about 20 seconds...")
    started = time.monotonic()
    lib = target.parent / "lib"
    tmp_lib = lib.with_name("lib.tmp")
    shutil.rmtree(tmp_lib, ignore_errors=True)
    _run(
        [
            "mvn",
            "-B",
            "-q",
            "-f",
            str(tools.root / "strimzi" / "pom.xml"),
            f"-Dmaven.repo.local={cache.maven_repo}",
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={tmp_lib}",
        ]
    )
    shutil.rmtree(lib, ignore_errors=True)
    tmp_lib.rename(lib)
    tmp = target.with_name(target.name + ".tmp")
    _run(
        [
            "java",
            "-cp",
            str(lib / "*"),
            "io.strimzi.crdgenerator.CrdGenerator",
            "--crd-api-version",
            "v1",
            "--api-versions",
            "v1alpha1,v1beta1,v1beta2",
            "--storage-version",
            "v1beta2",
            "--yaml",
            f"{_KAFKAUSER_MODEL}={tmp}",
        ]
    )
    tmp.rename(target)
    say(f"strimzi KafkaUser CRD: generated in {time.monotonic() - started:.0f} s at {target}")
    return target


def _run(argv: list[str]) -> None:
    completed = subprocess.run(
        argv, env=os.environ.copy(), check=False, capture_output=True, text=True
    )
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-30:])
        raise BuildError(f"{argv[0]} failed (exit {completed.returncode}):\n{tail}")
