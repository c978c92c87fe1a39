"""The SDK example (``examples/01-minimal-participant/participant.py``), run as written."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import signal
import sys
from pathlib import Path
from types import ModuleType
from uuid import UUID

import pytest

from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    DeployOrder,
    ParticipantDeregister,
    ParticipantPrimeAck,
    ParticipantRegister,
    ParticipantStatus,
)
from acm_participant.settings import ParticipantSettings
from acm_participant.testing import (
    RuntimePeer,
    kafka_transports,
    participant_under_test,
    runtime_group,
)
from acm_participant.transport.base import Subscription

from .builders import Element, World

EXAMPLE = Path(__file__).parents[3] / "examples" / "01-minimal-participant" / "participant.py"
EXAMPLE_PARTICIPANT = UUID("d1b2f3c4-0000-4000-8000-00000000f11e")


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("minimal_participant", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_is_under_fifty_lines():
    assert len(EXAMPLE.read_text().splitlines()) < 50


async def test_example_handler_writes_and_removes_its_file_when_deployed_and_undeployed(tmp_path):
    example = load_example()
    settings = ParticipantSettings(
        participant_id=EXAMPLE_PARTICIPANT, supported_element_types=(example.FILE_ELEMENT,)
    )
    world = World(
        participant_id=EXAMPLE_PARTICIPANT,
        elements=[Element(properties={"text": "hello"}, composition_properties={"mode": "0644"})],
    )
    async with participant_under_test(example.FileHandler(tmp_path), settings) as (_runtime, peer):
        await peer.send(world.prime())
        await peer.expect(ParticipantPrimeAck)
        await peer.send(world.deploy())
        deployed = await peer.expect(AutomationCompositionDeployAck)
        written = tmp_path / f"{world.elements[0].element_id}.json"
        assert json.loads(written.read_text()) == {"mode": "0644", "text": "hello"}
        (entry,) = deployed.automation_composition_result_map.values()
        assert dict(entry.out_properties) == {"path": str(written)}
        await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
        await peer.expect(AutomationCompositionDeployAck)
        assert not written.exists()


@pytest.mark.integration
async def test_example_script_registers_and_deregisters_on_sigterm_when_run_on_kafka(
    stack, tmp_path
):
    from acm_participant.transport.kafka_admin import ensure_topics
    from acm_participant.transport.kafka_settings import KafkaSettings

    bootstrap = stack.info.kafka_bootstrap
    settings = ParticipantSettings(
        participant_id=EXAMPLE_PARTICIPANT, supported_element_types=(load_example().FILE_ELEMENT,)
    )
    await ensure_topics(
        KafkaSettings(bootstrap_servers=(bootstrap,)),
        [settings.operation_topic, settings.sync_topic],
    )
    transports = kafka_transports(bootstrap)
    peer = RuntimePeer(
        transports([Subscription(settings.operation_topic, runtime_group())]), settings
    )
    await peer.start()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLE),
        env={**os.environ, "KAFKA_SERVER": bootstrap, "FILES_DIR": str(tmp_path)},
    )
    try:
        mine = lambda m: m.participant_id == EXAMPLE_PARTICIPANT  # noqa: E731
        register = await peer.expect(ParticipantRegister, mine, within=60)
        await peer.register(replica_id=register.replica_id, within=30)
        await peer.expect(ParticipantStatus, mine, within=30)
        process.send_signal(signal.SIGTERM)
        deregister = await peer.expect(ParticipantDeregister, mine, within=30)
        assert deregister.replica_id == register.replica_id
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await peer.stop()
