"""Start-up mistakes an operator makes, seen from the real `kserve-participant run` process: each
is one clear line, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.ops_support import (
    Topics,
    eventually,
    participant_process,
    stack_config,
)

pytestmark = pytest.mark.integration


async def test_run_with_http_port_in_use_says_so_in_one_line_and_exits_2(
    stack: Any, tmp_path: Path
) -> None:
    config = stack_config(stack.info, Topics.fresh())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config["server"]["port"] = port
        async with participant_process(tmp_path, config) as participant:
            code = await participant.wait_exit(within=60)
            output = participant.output()
    assert code == 2, output
    assert "Traceback" not in output
    refusals = [line for line in output.splitlines() if f"127.0.0.1:{port}" in line]
    assert len(refusals) == 1, output
    assert "in use" in refusals[0]


async def test_unreachable_api_server_at_start_is_logged_with_its_url(
    stack: Any, tmp_path: Path
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"https://127.0.0.1:{closed.getsockname()[1]}"
    kubeconfig = yaml.safe_load(stack.info.kubeconfig.read_text())
    for cluster in kubeconfig["clusters"]:
        cluster["cluster"]["server"] = url
    unreachable = tmp_path / "unreachable.kubeconfig"
    unreachable.write_text(yaml.safe_dump(kubeconfig))
    config = stack_config(stack.info, Topics.fresh(), kubeconfig=unreachable)
    async with participant_process(tmp_path, config) as participant:

        async def logged() -> str | None:
            lines = [line for line in participant.output().splitlines() if url in line]
            return lines[0] if lines else None

        line = await eventually(logged, within=30, what=f"a log line naming {url}")
    assert "unreachable" in line
    assert "level=warning" in line
