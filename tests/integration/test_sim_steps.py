"""`kserve-participant sim` step commands against a real participant, Kafka and kube-apiserver.

Each test owns a fresh namespace, a state file and a running `kserve-participant run`; the
stand-in KServe controller writes the status KServe would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lightkube import Client, KubeConfig
from lightkube.generic_resource import create_namespaced_resource
from typer.testing import CliRunner, Result

from kserve_participant.cli.demo import running_participant
from kserve_participant.cli.main import app
from kserve_participant.devstack import Stack
from kserve_participant.devstack.faults import FAULT_LABEL, PodFault
from kserve_participant.devstack.processes import ManagedProcess

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "onap-kserve"
TOSCA = EXAMPLES / "tosca-kserve-participant.yml"
InferenceService = create_namespaced_resource(
    "serving.kserve.io", "v1beta1", "InferenceService", "inferenceservices"
)
# The example's predictor, with the label that makes KWOK's stage fail its storage-initializer.
FAIL_TO_LOAD = (
    '"spec": {"predictor": {"labels": {"' + FAULT_LABEL + '": "' + PodFault.LOAD_FAILURE + '"}, '
)

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture
def participant(stack: Stack, tmp_path: Path) -> Iterator[ManagedProcess]:
    with running_participant(stack.info, tmp_path, lambda _: None) as process:
        yield process


def _instance(tmp_path: Path, namespace: str, *, payload_predictor: str | None = None) -> Path:
    text = (
        (EXAMPLES / "automation-composition-kserve.yml")
        .read_text()
        .replace("namespace: demo-namespace", f"namespace: {namespace}")
    )
    if payload_predictor is not None:
        text = text.replace('"spec": {"predictor": {', payload_predictor)
    path = tmp_path / "instance.yml"
    path.write_text(text)
    return path


def _sim(stack: Stack, state: Path, command: str, *args: str) -> Result:
    return runner.invoke(
        app,
        [
            "sim",
            command,
            *args,
            "--kafka",
            stack.info.kafka_bootstrap,
            "--state",
            str(state),
            "--participant-wait",
            "60",
        ],
    )


def _isvc_names(stack: Stack, namespace: str) -> list[str]:
    with Client(KubeConfig.from_file(stack.info.kubeconfig)) as client:
        return [
            str(o.metadata.name)
            for o in client.list(InferenceService, namespace=namespace)
            if o.metadata is not None
        ]


def test_sim_step_commands_drive_the_lifecycle_when_run_one_at_a_time(
    stack: Stack, participant: ManagedProcess, namespace: str, tmp_path: Path
):
    state = tmp_path / "sim-state.json"
    instance = _instance(tmp_path, namespace)
    kubeconfig = ["--kubeconfig", str(stack.info.kubeconfig)]

    primed = _sim(stack, state, "prime", "--tosca", str(TOSCA), "--instance", str(instance))
    assert primed.exit_code == 0, primed.output
    assert json.loads(state.read_text())["composition_state"] == "PRIMED"

    deployed = _sim(stack, state, "deploy", *kubeconfig)
    assert deployed.exit_code == 0, deployed.output
    assert f"InferenceService {namespace}/sklearn-iris: Ready=True" in deployed.output
    assert _isvc_names(stack, namespace) == ["sklearn-iris"]

    status = runner.invoke(app, ["sim", "status", "--state", str(state), *kubeconfig])
    assert status.exit_code == 0, status.output
    assert "DEPLOYED" in status.output
    assert f"InferenceService {namespace}/sklearn-iris: Ready=True" in status.output

    undeployed = _sim(stack, state, "undeploy", *kubeconfig)
    assert undeployed.exit_code == 0, undeployed.output
    assert _isvc_names(stack, namespace) == []

    deleted = _sim(stack, state, "delete", *kubeconfig)
    assert deleted.exit_code == 0, deleted.output
    assert "no InferenceService left" in deleted.output

    deprimed = _sim(stack, state, "deprime")
    assert deprimed.exit_code == 0, deprimed.output
    assert json.loads(state.read_text())["composition_state"] == "COMMISSIONED"


def test_sim_deploy_exits_1_with_the_reason_when_the_model_fails_to_load(
    stack: Stack, participant: ManagedProcess, namespace: str, tmp_path: Path
):
    state = tmp_path / "sim-state.json"
    instance = _instance(tmp_path, namespace, payload_predictor=FAIL_TO_LOAD)
    assert (
        _sim(stack, state, "prime", "--tosca", str(TOSCA), "--instance", str(instance)).exit_code
        == 0
    )

    deployed = _sim(stack, state, "deploy", "--kubeconfig", str(stack.info.kubeconfig))

    assert deployed.exit_code == 1, deployed.output
    assert "FAILED" in deployed.output
    assert "FailedToLoad" in deployed.output or "ModelLoadFailed" in deployed.output
    saved = json.loads(state.read_text())
    assert saved["steps"][-1]["step"] == "deploy"
    assert saved["steps"][-1]["result"] == "FAILED"
    assert saved["steps"][-1]["detail"]
    # What a user does next: undeploy, delete, deprime; nothing stays behind.
    for command in ("undeploy", "delete", "deprime"):
        assert _sim(stack, state, command).exit_code == 0, command
    assert _isvc_names(stack, namespace) == []


def test_sim_run_refuses_like_the_runtime_when_onap_published_template(
    stack: Stack, tmp_path: Path
):
    published = Path("/work/shared/samples/onap")

    result = _sim(
        stack,
        tmp_path / "sim-state.json",
        "run",
        "--tosca",
        str(published / "tosca-kserve-participant.yml"),
        "--instance",
        str(published / "automation-composition-kserve.yml"),
    )

    assert result.exit_code == 1
    assert "REFUSED" in result.output
    assert "onap.datatypes.ToscaConceptIdentifier:1.0.0" in result.output
    assert "fix:" in result.output


def test_sim_run_updates_the_deployed_service_when_given_an_update_file(
    stack: Stack, participant: ManagedProcess, namespace: str, tmp_path: Path
):
    instance = _instance(tmp_path, namespace)
    update = tmp_path / "update.yml"
    update.write_text(
        instance.read_text().replace("sklearn/1.0/model", "sklearn/1.0/model-retrained")
    )

    result = _sim(
        stack,
        tmp_path / "sim-state.json",
        "run",
        "--tosca",
        str(TOSCA),
        "--instance",
        str(instance),
        "--update",
        str(update),
        "--kubeconfig",
        str(stack.info.kubeconfig),
    )

    assert result.exit_code == 0, result.output
    steps = json.loads((tmp_path / "sim-state.json").read_text())["steps"]
    assert [(s["step"], s["result"]) for s in steps] == [
        ("commission", "NO_ERROR"),
        ("participant", "NO_ERROR"),
        ("prime", "NO_ERROR"),
        ("instantiate", "NO_ERROR"),
        ("deploy", "NO_ERROR"),
        ("update", "NO_ERROR"),
        ("undeploy", "NO_ERROR"),
        ("delete", "NO_ERROR"),
        ("cleanup", "NO_ERROR"),
        ("deprime", "NO_ERROR"),
    ]
    assert _isvc_names(stack, namespace) == []
