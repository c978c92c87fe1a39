"""The simulator's small pieces: state file, ACM-R timeouts, how an InferenceService is shown."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from kserve_participant.k8s.watch import Observed
from kserve_participant.simulator.cluster_view import describe
from kserve_participant.simulator.state import SimState, StateFileError, StepRecord
from kserve_participant.simulator.timeouts import composition_timeout, element_timeout


def test_state_file_keeps_ids_states_and_steps_when_saved_and_loaded(tmp_path: Path):
    state = SimState(tosca="t.yml", instance="i.yml", composition_id=uuid4())
    state.instance_id = uuid4()
    state.deploy_state = "DEPLOYED"
    state.element_states = {str(uuid4()): "DEPLOYED"}
    state.record(StepRecord("deploy", "FAILED", 1.5, "model cannot load"))
    path = tmp_path / "nested" / "state.json"

    state.save(path)

    assert SimState.load(path) == state


def test_state_file_tells_which_command_starts_over_when_it_is_missing(tmp_path: Path):
    with pytest.raises(StateFileError, match="sim prime"):
        SimState.load(tmp_path / "none.json")


def test_state_file_is_refused_when_it_is_not_a_simulator_state(tmp_path: Path):
    path = tmp_path / "state.json"
    path.write_text('{"tosca": "t.yml"}')

    with pytest.raises(StateFileError, match="not a simulator state file"):
        SimState.load(path)


def test_element_timeout_takes_the_slowest_element_when_elements_set_their_own():
    properties: list[dict[str, object]] = [
        {"deployTimeoutMs": 5000},
        {"deployTimeoutMs": "90000"},
        {},
    ]

    assert element_timeout("deploy", properties, default_s=36.0) == 90.0


def test_element_timeout_is_max_operation_wait_when_no_element_sets_one():
    assert element_timeout("undeploy", [{"deployTimeoutMs": 5000}], default_s=36.0) == 36.0


def test_composition_timeout_reads_the_template_metadata_when_given():
    assert composition_timeout("prime", {"primeTimeoutMs": 2500}, default_s=36.0) == 2.5
    assert composition_timeout("deprime", {"primeTimeoutMs": 2500}, default_s=36.0) == 36.0


def _isvc(**status: object) -> Observed:
    return Observed({"metadata": {"name": "iris", "namespace": "ns"}, "status": status}, True)


def test_service_view_shows_the_ready_condition_when_kserve_reported_one():
    view = describe("ns", "iris", _isvc(conditions=[{"type": "Ready", "status": "True"}]))

    assert view.summary == "Ready=True"


def test_service_view_quotes_the_model_failure_when_the_model_failed_to_load():
    observed = _isvc(
        conditions=[{"type": "Ready", "status": "False", "reason": "PredictorNotReady"}],
        modelStatus={"lastFailureInfo": {"reason": "ModelLoadFailed", "message": "no such file"}},
    )

    assert describe("ns", "iris", observed).summary == "Ready=False (ModelLoadFailed: no such file)"


def test_service_view_says_gone_when_the_object_was_deleted():
    assert describe("ns", "iris", Observed(None, False)).summary == "gone"


def test_service_view_says_deleting_when_a_finalizer_holds_the_object():
    observed = Observed(
        {"metadata": {"name": "iris", "deletionTimestamp": "2026-01-01T00:00:00Z"}}, True
    )

    assert describe("ns", "iris", observed).summary == "deleting (finalizer pending)"
