"""`kserve-participant demo` stops everything it started when interrupted with Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.signals import interactive_sigint

pytestmark = pytest.mark.integration

STARTED = re.compile(r"participant started: .*log (/\S+?)/participant-")
HOLDING = "press Enter to undeploy"
DEADLINE_S = 240.0


def _processes_mentioning(text: str) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(int(entry.name))
    return found


def test_demo_stops_the_stack_and_the_participant_when_interrupted():
    # --hold pauses with the InferenceService deployed until Enter: stdin stays an open pipe, so
    # the interrupt lands while the participant, the stand-in and the stack are all busy.
    demo = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kserve_participant.cli.main import main; main()",
            "demo",
            "--hold",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"},
        preexec_fn=interactive_sigint,
    )
    run_dir = None
    lines: list[str] = []
    try:
        started = time.monotonic()
        assert demo.stdout is not None
        holding = False
        while not holding and time.monotonic() - started < DEADLINE_S:
            line = demo.stdout.readline()
            if not line:
                break
            lines.append(line)
            match = STARTED.search(line)
            if match:
                run_dir = match.group(1)
            holding = HOLDING in line
        assert run_dir is not None, "".join(lines)
        assert holding, "".join(lines)
        assert _processes_mentioning(run_dir), "the demo's processes should be running"

        demo.send_signal(signal.SIGINT)
        remaining, _ = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()

    assert demo.returncode == 130, "".join(lines) + remaining
    assert "everything the demo started was stopped" in remaining
    assert _processes_mentioning(run_dir) == []
