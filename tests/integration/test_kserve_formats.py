"""Each of KServe's sample model formats, deployed through the participant on KServe's controller.

The samples come from KServe's own module (``docs/samples`` of the copy the dev stack builds
from), as a user would paste them into an element. Every format reaches Ready on the fake node,
except the Hugging Face sample, which asks for a GPU that this cluster has no node for: its pod
stays unschedulable and the deploy times out, and the test says so from the scheduler's words.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from lightkube import AsyncClient, KubeConfig
from lightkube.resources.core_v1 import Pod

from acm_participant import ElementFailure
from acm_participant.testing import element_context
from kserve_participant.devstack.cache import Cache
from tests.integration.kserve_support import element, entity, harness

pytestmark = pytest.mark.integration

SERVED = {
    "sklearn": "v1beta1/sklearn/v1/sklearn.yaml",
    "xgboost": "v1beta1/xgboost/xgboost.yaml",
    "lightgbm": "v1beta1/lightgbm/lightgbm.yaml",
    "tensorflow": "v1beta1/tensorflow/tensorflow.yaml",
    "pytorch": "v1beta1/torchserve/v1/torchserve.yaml",
    "onnx": "v1beta1/onnx/onnx.yaml",
    "pmml": "v1beta1/pmml/pmml.yaml",
    "triton": "v1beta1/triton/torchscript/torchscript.yaml",
}
HUGGINGFACE = "storage/hf/hf_isvc.yaml"


def kserve_sample(relative: str) -> dict[str, Any]:
    path = Cache.default().kserve_source / "docs" / "samples" / relative
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


@pytest.mark.parametrize("model_format", sorted(SERVED))
async def test_kserve_sample_of_each_format_reaches_ready_through_the_participant(
    stack: Any, namespace: str, model_format: str
) -> None:
    sample = kserve_sample(SERVED[model_format])
    name = sample["metadata"]["name"]
    async with harness(stack.info) as h:
        composition, instance = element(entity(name, namespace, sample), timeout=120)
        outcome = await h.handler.deploy(element_context(composition, instance))
        assert outcome is not None
        assert "1 InferenceService(s) Ready" in (outcome.message or "")
        stored = await h.client.get(namespace, name)
        assert stored["status"]["clusterServingRuntimeName"].startswith("kserve-")
        await h.handler.undeploy(element_context(composition, instance))
        assert await h.names(namespace) == []


async def test_huggingface_sample_cannot_be_scheduled_without_a_gpu_node(
    stack: Any, namespace: str
) -> None:
    sample = kserve_sample(HUGGINGFACE)
    name = sample["metadata"]["name"]
    async with harness(stack.info) as h:
        composition, instance = element(entity(name, namespace, sample), timeout=15, interval=5)
        with pytest.raises(ElementFailure) as failed:
            await h.handler.deploy(element_context(composition, instance))
        assert f"not Ready within 15s: {namespace}/{name}" in str(failed.value)

        async with AsyncClient(KubeConfig.from_file(stack.info.kubeconfig)) as admin:
            labels: dict[str, Any] = {"serving.kserve.io/inferenceservice": name}
            (pod,) = [p async for p in admin.list(Pod, namespace=namespace, labels=labels)]
        assert pod.status is not None
        (scheduled,) = [c for c in pod.status.conditions or [] if c.type == "PodScheduled"]
        assert scheduled.status == "False"
        assert scheduled.reason == "Unschedulable"
        assert "Insufficient nvidia.com/gpu" in (scheduled.message or "")
        await h.handler.undeploy(element_context(composition, instance))
