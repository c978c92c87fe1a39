"""The demo's seed workflow end to end on the real stack (Kafka, kube-apiserver, stand-in)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lightkube import Client, KubeConfig
from lightkube.generic_resource import create_namespaced_resource
from rich.console import Console

from kserve_participant.cli.demo import run_demo
from kserve_participant.devstack import Stack

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "onap-kserve"
InferenceService = create_namespaced_resource(
    "serving.kserve.io", "v1beta1", "InferenceService", "inferenceservices"
)

pytestmark = pytest.mark.integration


def test_demo_acks_every_step_no_error_and_leaves_nothing_when_run_on_the_examples(
    stack: Stack, namespace: str, tmp_path: Path
):
    # The example's own namespace, swapped for a fresh one so the test owns everything in it.
    instance = tmp_path / "automation-composition-kserve.yml"
    instance.write_text(
        (EXAMPLES / "automation-composition-kserve.yml")
        .read_text()
        .replace("namespace: demo-namespace", f"namespace: {namespace}")
    )
    output = io.StringIO()

    result = run_demo(
        Console(file=output, width=120),
        stack=stack,
        tosca=EXAMPLES / "tosca-kserve-participant.yml",
        instance=instance,
    )

    text = output.getvalue()
    assert [(s.step, s.result) for s in result.steps] == [
        ("commission", "NO_ERROR"),
        ("participant", "NO_ERROR"),
        ("prime", "NO_ERROR"),
        ("instantiate", "NO_ERROR"),
        ("deploy", "NO_ERROR"),
        ("undeploy", "NO_ERROR"),
        ("delete", "NO_ERROR"),
        ("cleanup", "NO_ERROR"),
        ("deprime", "NO_ERROR"),
    ], text
    assert result.left_behind == []
    assert f"InferenceService {namespace}/sklearn-iris: Ready=True" in text
    assert f"InferenceService {namespace}/sklearn-iris: gone" in text
    assert "Demo finished: every step acked NO_ERROR" in text
    with Client(KubeConfig.from_file(stack.info.kubeconfig)) as client:
        assert list(client.list(InferenceService, namespace=namespace)) == []
