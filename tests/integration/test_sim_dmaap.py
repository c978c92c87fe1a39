"""`sim --dmaap`: the simulator plays ACM-R over DMaaP Message Router (London/Montreal style).

Message Router cannot be installed here; ``tests/dmaap_standin.py`` implements its REST API. The
participant is the SDK runtime with a recording handler on the same single topic.
"""

from __future__ import annotations

import io
from pathlib import Path
from uuid import uuid4

import pytest
from rich.console import Console

from acm_participant.settings import ParticipantSettings, SupportedElementType
from acm_participant.testing import participant_under_test
from acm_participant.transport.dmaap import DmaapSettings, DmaapTransport
from kserve_participant.cli.sim_session import (
    DMAAP_DEFAULT_TOPIC,
    Connection,
    simulator_session,
)
from kserve_participant.config.model import DEFAULT_PARTICIPANT_ID as KSERVE_PARTICIPANT
from kserve_participant.simulator.console import SimConsole
from kserve_participant.simulator.lifecycle import SimOptions, Simulation
from kserve_participant.simulator.state import SimState
from kserve_participant.simulator.validation import validate_files
from kserve_participant.simulator.workflow import run_workflow
from tests.dmaap_standin import DmaapStandin
from tests.unit.simulator.two_phase import KSERVE, TOSCA, RecordingHandler, instance_yaml

pytestmark = pytest.mark.integration


async def test_sim_runs_the_whole_workflow_when_the_broker_is_dmaap(tmp_path: Path):
    (tmp_path / "tosca.yml").write_text(TOSCA)
    (tmp_path / "instance.yml").write_text(instance_yaml())
    settings = ParticipantSettings(
        participant_id=KSERVE_PARTICIPANT,
        supported_element_types=(SupportedElementType(type_name=KSERVE, type_version="1.0.1"),),
        operation_topic=DMAAP_DEFAULT_TOPIC,
        sync_topic=DMAAP_DEFAULT_TOPIC,
    )
    handler = RecordingHandler()
    output = io.StringIO()
    out = SimConsole(Console(file=output, width=200))
    async with DmaapStandin() as standin:
        participant_side = DmaapSettings(
            base_url=standin.base_url, consumer_id="participant", poll_timeout_ms=1000
        )
        async with (
            participant_under_test(
                handler,
                settings,
                register=False,
                transports=lambda subs: DmaapTransport(participant_side, subs),
            ),
            simulator_session(Connection(dmaap=standin.base_url), out, wait_s=10.0) as (
                driver,
                _,
            ),
        ):
            report = validate_files(tosca=tmp_path / "tosca.yml")
            assert report.template is not None
            simulation = Simulation(
                driver,
                out,
                state=SimState(
                    tosca=str(tmp_path / "tosca.yml"),
                    instance=str(tmp_path / "instance.yml"),
                    composition_id=uuid4(),
                ),
                template=report.template,
                instance=None,
                options=SimOptions(max_operation_wait_s=10.0, participant_wait_s=20.0),
            )
            ok = await run_workflow(
                simulation, tosca=tmp_path / "tosca.yml", instance=tmp_path / "instance.yml"
            )

    assert ok, output.getvalue()
    assert ("deploy", "second.element") in handler.calls
    assert ("undeploy", "first.element") in handler.calls
