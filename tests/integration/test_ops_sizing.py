"""The Deployment's memory request is sized from the participant's measured RSS: this test
measures VmRSS of a running participant after it deployed a few InferenceServices and fails
when the request in deploy/ no longer covers it."""

from __future__ import annotations

import pytest

from kserve_participant.devstack import Stack
from tests.integration import ops_support as ops
from tests.integration.kserve_support import entity
from tests.unit.deploy.manifests import of_kind

pytestmark = pytest.mark.integration

SERVICES = 5
_UNITS = {"Ki": 1, "Mi": 1024, "Gi": 1024 * 1024}


def _kib(quantity: str) -> int:
    return int(quantity[:-2]) * _UNITS[quantity[-2:]]


def memory_request_kib(variant: str = "cluster") -> int:
    (deployment,) = of_kind(variant, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return _kib(container["resources"]["requests"]["memory"])


async def test_rss_fits_the_memory_request_when_services_are_deployed(
    stack: Stack, namespace, tmp_path
):
    topics = ops.Topics.fresh()
    config = ops.stack_config(stack.info, topics)
    async with (
        ops.runtime_driver(stack.info.kafka_bootstrap, topics) as driver,
        ops.participant_process(tmp_path, config) as participant,
    ):
        await participant.wait_ready()
        idle = participant.rss_kib()
        composition_id = await ops.prime_kserve(driver, participant.participant_id)
        for index in range(SERVICES):
            sample = entity(f"sized-{index}", namespace)
            instance_id = ops.kserve_instance(driver, composition_id, [sample])
            acks = await driver.deploy(instance_id)
            assert ops.element_results(acks) == [("DEPLOYED", "NO_ERROR")]
        deployed = participant.rss_kib()
        await participant.get("prometheus")
        print(f"participant VmRSS idle={idle} KiB after {SERVICES} deploys={deployed} KiB")
    assert deployed < memory_request_kib()
    for variant in ("namespaced", "cluster"):
        assert memory_request_kib(variant) == memory_request_kib()
