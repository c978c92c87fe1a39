"""Two replicas of one KServe participant (`kserve-participant run`) in one consumer group: the
replica deploying an element is SIGKILLed mid-deploy. Its DEPLOY was never committed, so the
surviving replica receives it once the group moved the partition, adopts the InferenceService the
dead one created, and acks DEPLOYED: exactly one ack, one object, nothing orphaned."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from acm_participant.protocol import AutomationCompositionDeployAck
from tests.integration import ops_support as ops
from tests.integration.kserve_support import entity, wait_isvc_created
from tests.integration.test_kserve_dialogue import _names

pytestmark = pytest.mark.integration


async def test_deploy_in_flight_on_a_killed_replica_is_finished_by_the_other_replica(
    stack: Any, namespace: str, tmp_path: Path
) -> None:
    topics = ops.Topics.fresh()
    participant_id = uuid4()
    slow = entity("failover", namespace, ready_delay="3s")

    def config() -> dict[str, Any]:
        return ops.stack_config(stack.info, topics, participant_id=participant_id)

    async with (
        ops.runtime_driver(stack.info.kafka_bootstrap, topics) as driver,
        ops.participant_process(tmp_path, config()) as first,
        ops.participant_process(tmp_path, config()) as second,
    ):
        await first.wait_ready()
        await second.wait_ready()
        composition_id = await ops.prime_kserve(driver, participant_id)
        instance_id = ops.kserve_instance(driver, composition_id, [slow], timeout=120)
        deploying = asyncio.create_task(driver.deploy(instance_id, timeout=120))

        async def deploying_replica() -> ops.ParticipantProcess | None:
            for replica in (first, second):
                if "deploy started" in replica.output():
                    return replica
            return None

        owner = await ops.eventually(deploying_replica, within=30, what="a replica deploying")
        await wait_isvc_created(stack.info.kubeconfig, namespace, "failover", within=30)
        owner.signal(signal.SIGKILL)
        await owner.wait_exit()

        acks = await deploying
        assert ops.element_results(acks) == [("DEPLOYED", "NO_ERROR")]
        survivor = second if owner is first else first
        assert "deploy started" in survivor.output()
        acked = [
            m
            for m in driver.received
            if isinstance(m, AutomationCompositionDeployAck)
            and m.automation_composition_id == instance_id
        ]
        assert len(acked) == 1
        assert await _names(stack, namespace) == ["failover"]
