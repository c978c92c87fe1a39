"""Graceful shutdown of `kserve-participant run` on SIGTERM, as Kubernetes stops a pod."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import pytest

from acm_participant.protocol import AutomationCompositionDeployAck, ParticipantDeregister
from kserve_participant.devstack import Stack
from kserve_participant.devstack.faults import PodFault
from tests.integration.kserve_support import entity
from tests.integration.ops_support import (
    ParticipantProcess,
    Topics,
    element_results,
    eventually,
    free_port,
    kserve_instance,
    participant_process,
    prime_kserve,
    runtime_driver,
    stack_config,
)

pytestmark = pytest.mark.integration


def _config(stack: Stack, topics: Topics, deadline: str) -> dict[str, Any]:
    return stack_config(
        stack.info, topics, extra={"kserveParticipant": {"shutdownDeadline": deadline}}
    )


async def _deploy_received(participant: ParticipantProcess) -> None:
    """Wait until the participant counted the DEPLOY (its handling has begun)."""

    async def received() -> bool | None:
        labels = {"type": "AUTOMATION_COMPOSITION_DEPLOY"}
        count = await participant.metric("kserve_participant_messages_received_total", labels)
        return True if count == 1 else None

    await eventually(received, within=30, what="the participant to receive DEPLOY")


async def test_sigterm_during_deploy_acks_the_deploy_then_deregisters_and_exits_0(
    stack, namespace, tmp_path
):
    topics = Topics.fresh()
    async with (
        runtime_driver(stack.info.kafka_bootstrap, topics) as driver,
        participant_process(tmp_path, _config(stack, topics, "60s")) as participant,
    ):
        await participant.wait_ready()
        composition_id = await prime_kserve(driver, participant.participant_id)
        slow = entity("slow-model", namespace, ready_delay="4000ms")
        instance_id = kserve_instance(driver, composition_id, [slow])
        deploy = asyncio.create_task(driver.deploy(instance_id))

        await _deploy_received(participant)
        participant.signal(signal.SIGTERM)

        deregister = await driver.expect(
            ParticipantDeregister,
            where=lambda m: m.participant_id == participant.participant_id,
            timeout=60,
        )
        assert await participant.wait_exit(within=60) == 0
        acks = await deploy
        assert element_results(acks) == [("DEPLOYED", "NO_ERROR")]
        order = [
            type(m)
            for m in driver.received
            if isinstance(m, AutomationCompositionDeployAck | ParticipantDeregister)
        ]
        assert order.index(ParticipantDeregister) > order.index(AutomationCompositionDeployAck)
        assert deregister.participant_id == participant.participant_id
        assert "SIGTERM received" in participant.output()


async def test_second_sigterm_exits_at_once_when_a_deploy_would_hold_shutdown(
    stack, namespace, tmp_path
):
    topics = Topics.fresh()
    async with (
        runtime_driver(stack.info.kafka_bootstrap, topics) as driver,
        participant_process(tmp_path, _config(stack, topics, "10m")) as participant,
    ):
        await participant.wait_ready()
        composition_id = await prime_kserve(driver, participant.participant_id)
        stuck = entity("stuck-model", namespace, fault=PodFault.NEVER_READY)
        instance_id = kserve_instance(driver, composition_id, [stuck], timeout=600)
        deploy = asyncio.create_task(driver.deploy(instance_id))
        try:
            await _deploy_received(participant)
            participant.signal(signal.SIGTERM)

            async def not_ready() -> bool | None:
                status = await participant.status_of("health/readiness", auth=False)
                return True if status == 503 else None

            await eventually(not_ready, within=30, what="readiness 503 while shutting down")
            participant.signal(signal.SIGTERM)
            assert await participant.wait_exit(within=30) == 128 + signal.SIGTERM
        finally:
            deploy.cancel()


async def test_sigterm_while_the_broker_is_unreachable_exits_0_when_not_yet_registered(
    stack, tmp_path
):
    config = stack_config(stack.info, Topics.fresh(), bootstrap=f"127.0.0.1:{free_port()}")
    async with participant_process(tmp_path, config) as participant:

        async def alive() -> bool | None:
            status = await participant.status_of("health/liveness", auth=False)
            return True if status == 200 else None

        await eventually(alive, within=30, what="liveness 200")
        assert await participant.status_of("health/readiness", auth=False) == 503
        assert await participant.health_component("broker") == "DOWN"
        participant.signal(signal.SIGTERM)
        assert await participant.wait_exit(within=30) == 0
