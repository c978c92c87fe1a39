"""Expected failures (a refused payload, a readiness timeout) are ordinary outcomes already
explained in the ack: the real participant process logs each as one WARNING line carrying the
ids and the reason, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kserve_participant.devstack.faults import PodFault
from tests.integration import ops_support as ops
from tests.integration.kserve_support import entity

pytestmark = pytest.mark.integration


async def test_refused_payload_and_readiness_timeout_are_one_warning_line_each(
    stack: Any, namespace: str, tmp_path: Path
) -> None:
    topics = ops.Topics.fresh()
    refused = dict(entity("refused", namespace), name="Not_A_Name")
    stuck = entity("stuck", namespace, fault=PodFault.NEVER_READY)
    async with ops.runtime_driver(stack.info.kafka_bootstrap, topics) as driver:
        config = ops.stack_config(stack.info, topics)
        async with ops.participant_process(tmp_path, config) as participant:
            await participant.wait_ready()
            composition_id = await ops.prime_kserve(driver, participant.participant_id)
            bad_input = ops.kserve_instance(driver, composition_id, [refused])
            too_slow = ops.kserve_instance(driver, composition_id, [stuck], timeout=2)
            for instance_id in (bad_input, too_slow):
                results = ops.element_results(await driver.deploy(instance_id))
                assert [result for _, result in results] == ["FAILED"]
            output = participant.output()

    assert "Traceback" not in output
    for instance_id, reason in (
        (bad_input, "is not a valid InferenceService name"),
        (too_slow, f"not Ready within 2s: {namespace}/stuck"),
    ):
        lines = [line for line in output.splitlines() if reason in line]
        assert len(lines) == 1, "\n".join(lines)
        assert "level=warning" in lines[0]
        assert f"instance={instance_id}" in lines[0]
        assert "element=" in lines[0]
