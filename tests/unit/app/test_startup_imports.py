"""What `kserve-participant run` loads before it registers: only what running on Kafka needs.

Start-up time and idle memory are goals (docs/benchmarks.md); these libraries cost a Kafka
participant time and memory for nothing, and crept in once already (httpx's command line pulls
in rich and pygments).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import kserve_participant

# Everything `run` imports until it connects (cli.run imports the app package when invoked).
_RUN_IMPORTS = (
    "import kserve_participant.cli.main, kserve_participant.cli.run, kserve_participant.app, "
    "kserve_participant.logs"
)
_NOT_FOR_KAFKA = ("httpx", "rich", "pygments", "click")


def _modules_after(statement: str) -> set[str]:
    script = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(result.stdout.split())


def test_running_on_kafka_imports_neither_httpx_nor_rich() -> None:
    loaded = _modules_after(_RUN_IMPORTS)

    assert "aiokafka" in loaded  # the check itself sees what run imports
    assert sorted(name for name in _NOT_FOR_KAFKA if name in loaded) == []


def test_dmaap_still_gets_its_transport_when_configured() -> None:
    loaded = _modules_after(
        "from kserve_participant.app import components; "
        "from acm_participant.transport.dmaap import DmaapTransport"
    )

    assert "httpx" in loaded


def test_the_version_literal_is_the_packaged_version() -> None:
    pyproject = Path(__file__).parents[3] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["version"]

    assert kserve_participant.__version__ == declared
