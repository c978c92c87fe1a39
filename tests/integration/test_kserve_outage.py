"""An API server frozen (SIGSTOP) during a deploy: the FAILED ack comes while it is still frozen,
by the element's deadline, and says that the API server did not answer; once it is back, the
participant serves the next deploy."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from acm_participant.sim.driver import AcmRuntimeDriver
from kserve_participant.devstack.stack import Stack
from tests.integration.kserve_support import entity
from tests.integration.ops_support import (
    ParticipantProcess,
    Topics,
    element_results,
    eventually,
    kserve_instance,
    participant_process,
    prime_kserve,
    runtime_driver,
    stack_config,
)

pytestmark = pytest.mark.integration

ELEMENT_TIMEOUT_S = 15
UNREACHABLE = "Kubernetes API server unreachable for "
APPLIED = "kserve_participant_kubernetes_requests_total"
# How long the test waits for an ack at most: a participant whose calls outlive the element's
# deadline (30 s per request, 4 attempts) answers long after it, if at all.
ACK_WAIT_S = 90


def _stopped(pid: int) -> bool:
    """The process is stopped by a signal (state T in /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


@contextlib.contextmanager
def _frozen_apiserver(stack: Stack) -> Iterator[int]:
    pid = stack.pids()["kube-apiserver"]
    os.kill(pid, signal.SIGSTOP)
    try:
        yield pid
    finally:
        os.kill(pid, signal.SIGCONT)


def _messages(acks: list[Any]) -> list[str]:
    return [
        entry.message or ""
        for ack in acks
        for entry in ack.automation_composition_result_map.values()
    ]


@contextlib.asynccontextmanager
async def _primed(
    stack: Stack, tmp_path: Path
) -> AsyncIterator[tuple[AcmRuntimeDriver, ParticipantProcess, UUID]]:
    """A ready participant on fresh topics with one KServe composition primed."""
    topics = Topics.fresh()
    participant_id = uuid4()
    async with (
        runtime_driver(stack.info.kafka_bootstrap, topics) as driver,
        participant_process(
            tmp_path, stack_config(stack.info, topics, participant_id=participant_id)
        ) as participant,
    ):
        await participant.wait_ready()
        yield driver, participant, await prime_kserve(driver, participant_id)


async def _deploys_after_thaw(driver: AcmRuntimeDriver, composition_id: UUID, ns: str) -> None:
    fine = kserve_instance(driver, composition_id, [entity("after-thaw", ns)], timeout=120)
    acks = await driver.deploy(fine, timeout=150)
    assert element_results(acks) == [("DEPLOYED", "NO_ERROR")]


async def test_deploy_waiting_for_ready_is_acked_failed_unreachable_while_api_server_frozen(
    stack: Stack, namespace: str, tmp_path: Path
) -> None:
    async with _primed(stack, tmp_path) as (driver, participant, composition_id):
        never_ready = entity("frozen-mid", namespace, ready_delay="3600s")
        instance_id = kserve_instance(
            driver, composition_id, [never_ready], timeout=ELEMENT_TIMEOUT_S, interval=1
        )
        deploying = asyncio.create_task(driver.deploy(instance_id, timeout=ACK_WAIT_S))

        async def written() -> bool | None:  # the participant has the answer to its apply
            count = await participant.metric(APPLIED, {"verb": "apply", "code": "200"})
            return True if count else None

        await eventually(written, within=60, what="the participant's apply answered")
        with _frozen_apiserver(stack) as pid:
            acks = await deploying
            assert _stopped(pid)  # the ack came while the API server was frozen
        assert [result for _, result in element_results(acks)] == ["FAILED"]
        [message] = _messages(acks)
        assert message.startswith(UNREACHABLE), message
        assert "last error: " in message
        assert f"not Ready within {ELEMENT_TIMEOUT_S}s: {namespace}/frozen-mid (" in message
        await _deploys_after_thaw(driver, composition_id, namespace)


async def test_deploy_sent_while_api_server_frozen_is_acked_failed_unreachable_by_its_deadline(
    stack: Stack, namespace: str, tmp_path: Path
) -> None:
    async with _primed(stack, tmp_path) as (driver, participant, composition_id):
        instance_id = kserve_instance(
            driver, composition_id, [entity("frozen-before", namespace)], timeout=ELEMENT_TIMEOUT_S
        )
        with _frozen_apiserver(stack) as pid:
            acks = await driver.deploy(instance_id, timeout=ACK_WAIT_S)
            assert _stopped(pid)
        assert [result for _, result in element_results(acks)] == ["FAILED"]
        [message] = _messages(acks)
        assert message.startswith(UNREACHABLE), message
        assert "deadline" in message
        output = participant.output()
        assert "Traceback" not in output
        await _deploys_after_thaw(driver, composition_id, namespace)
