"""No process of a stack outlives it: not after SIGTERM or Ctrl-C of its owner, nor `dev down`.

Each test here starts a second, private stack (without the CRD), so they cost a few seconds each.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kserve_participant.devstack.kdc import kdc_missing
from kserve_participant.devstack.processes import is_alive
from tests.integration.signals import interactive_sigint

pytestmark = pytest.mark.integration

EVERY_PROCESS = (
    "kafka",
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
    "kserve-manager",
)

CLI = Path(sys.executable).with_name("kserve-participant")
OWNER_SCRIPT = """
import json, signal, sys
from pathlib import Path
from kserve_participant.devstack import Stack

stack = Stack(Path(sys.argv[1]))
stack.start(warm_up=False)
print(json.dumps(stack.pids()), flush=True)
signal.pause()
"""
EXIT_DEADLINE_SECONDS = 60
# the KDC runs where its tools are installed
OPTIONAL = {"krb5kdc"} if kdc_missing() is None else set()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stack_processes_are_gone_when_owner_is_signalled(tmp_path, signum):
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER_SCRIPT, str(tmp_path / "run")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interactive_sigint,
    )
    pids: dict[str, int] = {}
    left: dict[str, int] = {}
    try:
        assert owner.stdout is not None
        pids = json.loads(owner.stdout.readline() or "{}")
        assert set(pids) == {*EVERY_PROCESS, *OPTIONAL}, owner.stderr
        assert all(is_alive(pid) for pid in pids.values())

        owner.send_signal(signum)
        owner.wait(timeout=EXIT_DEADLINE_SECONDS)
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        left = {name: pid for name, pid in pids.items() if is_alive(pid)}
        for pid in left.values():  # never let a failed run leak a JVM or an API server
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)

    assert left == {}, owner.stderr.read() if owner.stderr else ""


def _dev(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), "dev", *args], cwd=repo, capture_output=True, text=True, check=False
    )


def _env(repo: Path) -> dict[str, str]:
    lines = (repo / ".dev" / "env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_dev_up_then_down_leaves_no_process_when_run_in_a_checkout(tmp_path):
    repo = tmp_path / "checkout"
    (repo / "sub").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")

    up = _dev(repo / "sub", "up")
    try:
        assert up.returncode == 0, up.stderr
        env = _env(repo)
        assert env["KAFKA_SERVER"].startswith("127.0.0.1:")
        assert Path(env["KUBECONFIG"]).is_absolute()
        assert Path(env["KUBECONFIG"]).is_file()
        status = _dev(repo, "status")
        assert status.returncode == 0, status.stdout
        pids = [int(line.split()[-1]) for line in status.stdout.splitlines() if "pid" in line]
        assert len(pids) == len(EVERY_PROCESS) + len(OPTIONAL)

        again = _dev(repo, "up")
        assert again.returncode == 0
        assert "already up" in again.stdout
    finally:
        down = _dev(repo, "down")

    assert down.returncode == 0
    assert [pid for pid in pids if is_alive(pid)] == []
    assert not (repo / ".dev" / "env").exists()
    assert _dev(repo, "down").stdout.strip() == "the dev stack is not running"
    assert _dev(repo, "status").returncode == 3
