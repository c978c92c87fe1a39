"""Secrets of the stack never reach error messages."""

from __future__ import annotations

import shutil

import pytest

from kserve_participant.devstack.cache import Cache, ToolsDir
from kserve_participant.devstack.kafka import KafkaBroker
from kserve_participant.devstack.processes import DaemonDied

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("stack")  # guarantees the Kafka jars are in the cache
def test_kafka_start_error_hides_scram_password_when_storage_format_fails(tmp_path):
    tools_root = tmp_path / "tools"
    shutil.copytree(ToolsDir.locate().root / "kafka", tools_root / "kafka")
    (tools_root / "kafka" / "server.properties.in").write_text("process.roles=nonsense\n")
    broker = KafkaBroker(
        tmp_path / "kafka",
        Cache.default(),
        ToolsDir(tools_root),
        scram_password="s3cret-do-not-print",
    )

    with pytest.raises(DaemonDied) as failed:
        broker.start()

    assert "storage format failed" in str(failed.value)
    assert "s3cret-do-not-print" not in str(failed.value)
