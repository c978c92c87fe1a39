"""The simulator's workflow against a real participant runtime on the in-memory broker.

The participant's handler is a small recording one (the KServe handler has its own tests): these
tests are about what the simulator does as ACM-R: phases, failures, timeouts, state between runs.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import uuid4

import pytest
from rich.console import Console

from acm_participant.settings import ParticipantSettings, SupportedElementType
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.testing import memory_transports, participant_under_test
from acm_participant.transport.base import Subscription
from acm_participant.transport.memory import MemoryBroker, MemoryTransport
from kserve_participant.config.model import DEFAULT_PARTICIPANT_ID as KSERVE_PARTICIPANT
from kserve_participant.simulator.console import SimConsole
from kserve_participant.simulator.lifecycle import SimOptions, Simulation
from kserve_participant.simulator.state import SimState
from kserve_participant.simulator.validation import validate_files
from kserve_participant.simulator.workflow import run_workflow

from .two_phase import KSERVE, TOSCA, RecordingHandler, instance_yaml

SETTINGS = ParticipantSettings(
    participant_id=KSERVE_PARTICIPANT,
    supported_element_types=(SupportedElementType(type_name=KSERVE, type_version="1.0.1"),),
)


@asynccontextmanager
async def runtime_side(broker: MemoryBroker) -> AsyncIterator[AcmRuntimeDriver]:
    transport = MemoryTransport(broker, [Subscription(SETTINGS.operation_topic, f"sim-{uuid4()}")])
    async with AcmRuntimeDriver(transport, timeout=5.0) as driver:
        yield driver


@asynccontextmanager
async def participant_and_runtime(
    handler: RecordingHandler, settings: ParticipantSettings = SETTINGS
) -> AsyncIterator[AcmRuntimeDriver]:
    """A participant running ``handler`` and the simulator's driver, on one in-memory broker."""
    broker = MemoryBroker()
    async with (
        participant_under_test(handler, settings, transports=memory_transports(broker)),
        runtime_side(broker) as driver,
    ):
        yield driver


async def _instantiated(simulation: Simulation, files: Path) -> None:
    """Connected, primed and instantiated: ready to deploy."""
    assert (await simulation.connect()).ok
    assert (await simulation.prime()).ok
    report = validate_files(tosca=files / "tosca.yml", instance=files / "instance.yml")
    assert report.instance is not None
    simulation.instantiate(report.instance)


def _simulation(
    driver: AcmRuntimeDriver, tmp_path: Path, state: SimState, *, wait_s: float = 5.0
) -> tuple[Simulation, io.StringIO]:
    output = io.StringIO()
    report = validate_files(tosca=tmp_path / "tosca.yml", instance=tmp_path / "instance.yml")
    assert report.template is not None
    simulation = Simulation(
        driver,
        SimConsole(Console(file=output, width=200)),
        state=state,
        template=report.template,
        instance=report.instance,
        options=SimOptions(max_operation_wait_s=wait_s, participant_wait_s=wait_s),
    )
    return simulation, output


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "tosca.yml").write_text(TOSCA)
    (tmp_path / "instance.yml").write_text(instance_yaml())
    return tmp_path


def _new_state(tmp_path: Path) -> SimState:
    return SimState(
        tosca=str(tmp_path / "tosca.yml"),
        instance=str(tmp_path / "instance.yml"),
        composition_id=uuid4(),
    )


async def test_workflow_deploys_lowest_phase_first_and_undeploys_highest_first_when_two_phases(
    files: Path,
):
    handler = RecordingHandler()
    async with participant_and_runtime(handler) as driver:
        simulation, _ = _simulation(driver, files, _new_state(files))
        ok = await run_workflow(
            simulation, tosca=files / "tosca.yml", instance=files / "instance.yml"
        )

    assert ok
    assert [r.step for r in simulation.state.steps if not r.ok] == []
    element_calls = [call for call in handler.calls if call[0] != "prime"]
    assert element_calls == [
        ("deploy", "first.element"),
        ("deploy", "second.element"),
        ("undeploy", "second.element"),
        ("undeploy", "first.element"),
        ("delete", "second.element"),
        ("delete", "first.element"),
    ]


async def test_workflow_fails_with_the_reason_and_still_tears_down_when_an_element_fails(
    files: Path,
):
    (files / "instance.yml").write_text(
        instance_yaml("{kserveInferenceEntities: [], fail: model cannot load}")
    )
    handler = RecordingHandler()
    async with participant_and_runtime(handler) as driver:
        simulation, output = _simulation(driver, files, _new_state(files))
        ok = await run_workflow(
            simulation, tosca=files / "tosca.yml", instance=files / "instance.yml"
        )

    assert not ok
    results = {r.step: r for r in simulation.state.steps}
    assert results["deploy"].result == "FAILED"
    assert "model cannot load" in results["deploy"].detail
    assert results["undeploy"].ok
    assert results["deprime"].ok
    assert "FAILED - model cannot load" in output.getvalue()


async def test_deploy_times_out_and_the_participant_stops_when_an_element_never_acks(
    files: Path,
):
    (files / "instance.yml").write_text(instance_yaml("{kserveInferenceEntities: [], hang: true}"))
    handler = RecordingHandler()
    async with participant_and_runtime(handler) as driver:
        simulation, _ = _simulation(driver, files, _new_state(files), wait_s=1.0)
        await _instantiated(simulation, files)

        record = await simulation.deploy()

        assert record.result == "TIMEOUT"
        assert "second.element" in record.detail
        # ACM-R's TIMEOUT sync makes the participant cancel the element's task.
        async with asyncio.timeout(5):
            await handler.cancelled.wait()


async def test_connect_times_out_with_a_hint_when_no_participant_answers(files: Path):
    async with runtime_side(MemoryBroker()) as driver:
        simulation, _ = _simulation(driver, files, _new_state(files), wait_s=0.5)

        record = await simulation.connect()

    assert record.result == "TIMEOUT"
    assert "kserve-participant run" in record.detail


async def test_step_commands_continue_from_the_state_file_when_each_runs_in_a_new_driver(
    files: Path,
):
    handler = RecordingHandler()
    broker = MemoryBroker()
    state_file = files / "state.json"
    async with participant_under_test(handler, SETTINGS, transports=memory_transports(broker)):
        async with runtime_side(broker) as driver:
            simulation, _ = _simulation(driver, files, _new_state(files))
            assert (await simulation.connect()).ok
            assert (await simulation.prime()).ok
            simulation.state.save(state_file)

        for step in ("deploy", "undeploy"):
            async with runtime_side(broker) as driver:
                simulation, _ = _simulation(driver, files, SimState.load(state_file))
                simulation.restore()
                assert (await simulation.connect()).ok
                if step == "deploy":
                    report = validate_files(
                        tosca=files / "tosca.yml", instance=files / "instance.yml"
                    )
                    assert report.instance is not None
                    simulation.instantiate(report.instance)
                    assert (await simulation.deploy()).ok
                else:
                    assert (await simulation.undeploy()).ok
                simulation.state.save(state_file)

    saved = SimState.load(state_file)
    assert saved.deploy_state == "UNDEPLOYED"
    assert ("undeploy", "first.element") in handler.calls


async def test_delete_is_refused_like_the_runtime_when_the_instance_is_still_deployed(
    files: Path,
):
    handler = RecordingHandler()
    async with participant_and_runtime(handler) as driver:
        simulation, _ = _simulation(driver, files, _new_state(files))
        await _instantiated(simulation, files)
        assert (await simulation.deploy()).ok

        refused = await simulation.delete()
        deprime_refused = await simulation.deprime()

    assert refused.result == "REFUSED"
    assert refused.detail == "Not valid order DELETE; DeployState: DEPLOYED"
    assert deprime_refused.result == "REFUSED"
    assert not any(call[0] == "delete" for call in handler.calls)


async def test_deploy_shows_the_participants_reports_when_there_is_no_kubeconfig(files: Path):
    (files / "instance.yml").write_text(
        instance_yaml(
            "{kserveInferenceEntities: [], report: "
            "[{name: iris, namespace: models, state: Progressing, reason: model loading}]}"
        )
    )
    handler = RecordingHandler()
    async with participant_and_runtime(handler) as driver:
        simulation, output = _simulation(driver, files, _new_state(files))
        await _instantiated(simulation, files)
        try:
            assert (await simulation.deploy()).ok
        finally:
            await simulation.stop()

    assert (
        "participant reports InferenceService models/iris: Progressing (model loading)"
        in output.getvalue()
    )


async def test_connect_says_the_element_type_is_not_supported_when_the_participant_differs(
    files: Path,
):
    other = ParticipantSettings(
        participant_id=KSERVE_PARTICIPANT,
        supported_element_types=(SupportedElementType(type_name=KSERVE, type_version="1.0.0"),),
    )
    async with participant_and_runtime(RecordingHandler(), other) as driver:
        simulation, _ = _simulation(driver, files, _new_state(files), wait_s=1.0)

        record = await simulation.connect()

    assert record.result == "TIMEOUT"
    assert record.detail.startswith(f"Element Type {KSERVE} 1.0.1 not supported")
    assert f"supports {KSERVE} 1.0.0" in record.detail
