"""Start-up mistakes an operator makes, seen from the real `kserve-participant run` process: each
is one clear line, never a traceback."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from tests.integration.ops_support import (
    Topics,
    eventually,
    participant_process,
    runtime_driver,
    stack_config,
)

pytestmark = pytest.mark.integration


async def test_run_with_http_port_in_use_says_so_in_one_line_and_exits_2(
    stack: Any, tmp_path: Path
) -> None:
    config = stack_config(stack.info, Topics.fresh())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config["server"]["port"] = port
        async with participant_process(tmp_path, config) as participant:
            code = await participant.wait_exit(within=60)
            output = participant.output()
    assert code == 2, output
    assert "Traceback" not in output
    refusals = [line for line in output.splitlines() if f"127.0.0.1:{port}" in line]
    assert len(refusals) == 1, output
    assert "in use" in refusals[0]


async def test_unreachable_api_server_at_start_is_logged_with_its_url(
    stack: Any, tmp_path: Path
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"https://127.0.0.1:{closed.getsockname()[1]}"
    kubeconfig = yaml.safe_load(stack.info.kubeconfig.read_text())
    for cluster in kubeconfig["clusters"]:
        cluster["cluster"]["server"] = url
    unreachable = tmp_path / "unreachable.kubeconfig"
    unreachable.write_text(yaml.safe_dump(kubeconfig))
    config = stack_config(stack.info, Topics.fresh(), kubeconfig=unreachable)
    async with participant_process(tmp_path, config) as participant:

        async def logged() -> str | None:
            lines = [line for line in participant.output().splitlines() if url in line]
            return lines[0] if lines else None

        line = await eventually(logged, within=30, what=f"a log line naming {url}")
    assert "unreachable" in line
    assert "level=warning" in line


# The participant's connection attempts while the broker is away, when it used to give up and exit
# with code 3 (after 60 s): twelve failures are apart by at least eleven back-off delays, 0.5 s
# doubling to the 10 s cap, minus 10 % jitter, 68 s in all.
_ATTEMPTS_PAST_THE_OLD_DEADLINE = 12


async def test_broker_down_at_start_keeps_the_process_up_and_unready_until_it_returns(
    stack: Any, tmp_path: Path
) -> None:
    topics = Topics.fresh()
    await ensure_topics(
        KafkaSettings(bootstrap_servers=(stack.info.kafka_bootstrap,)),
        [
            topics.operation,
            topics.sync,
        ],
    )
    config = stack_config(stack.info, topics)
    await asyncio.to_thread(stack.stop_kafka)
    kafka_down = True
    try:
        async with participant_process(tmp_path, config) as participant:

            async def kept_trying() -> float | None:
                participant.fail_if_exited("the broker was away")
                try:
                    failures = await participant.metric(
                        "kserve_participant_broker_connect_failures_total"
                    )
                except httpx.TransportError:
                    return None
                return failures if (failures or 0) >= _ATTEMPTS_PAST_THE_OLD_DEADLINE else None

            await eventually(kept_trying, within=300, what="connection attempts past 60 s")
            assert await participant.status_of("health/liveness", auth=False) == 200
            readiness = await participant.get("health/readiness", auth=False)
            assert readiness.status_code == 503
            assert readiness.json() == {
                "status": "OUT_OF_SERVICE",
                "reasons": ["Kafka broker unreachable"],
            }

            await asyncio.to_thread(stack.start_kafka)
            kafka_down = False
            returned = time.monotonic()
            async with runtime_driver(stack.info.kafka_bootstrap, topics) as driver:
                await driver.wait_for_register(participant_id=participant.participant_id)
                registered = time.monotonic()
                await participant.wait_ready()
            output = participant.output()
    finally:
        if kafka_down:
            await asyncio.to_thread(stack.start_kafka)

    reached = [line for line in output.splitlines() if "reachable after" in line]
    print(f"REGISTER {registered - returned:.2f} s after the broker was back; {reached}")
    unreachable = [line for line in output.splitlines() if "Kafka unreachable" in line]
    assert len(unreachable) == 1, output  # one line for the outage, none per attempt
    assert "Traceback" not in output


async def test_broker_start_deadline_when_set_ends_the_wait_with_exit_5_and_one_error(
    stack: Any, tmp_path: Path
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"127.0.0.1:{closed.getsockname()[1]}"
    config = stack_config(
        stack.info,
        Topics.fresh(),
        bootstrap=nowhere,
        extra={"kserveParticipant": {"brokerStartDeadline": "3s"}},
    )
    async with participant_process(tmp_path, config) as participant:
        code = await participant.wait_exit(within=120)
        output = participant.output()
    assert code == 5, output
    assert "Traceback" not in output
    waiting = [line for line in output.splitlines() if "level=warning" in line and nowhere in line]
    assert len(waiting) == 1, output
    assert "until it answers or 3 s have passed" in waiting[0]
    errors = [line for line in output.splitlines() if "level=error" in line]
    assert len(errors) == 1, output
    assert f"Kafka unreachable at {nowhere}" in errors[0]
    assert "gave up after the start-up deadline of 3 s" in errors[0]


async def test_sigterm_while_waiting_for_the_broker_exits_0_at_once(
    stack: Any, tmp_path: Path
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"127.0.0.1:{closed.getsockname()[1]}"
    config = stack_config(stack.info, Topics.fresh(), bootstrap=nowhere)
    async with participant_process(tmp_path, config) as participant:

        async def waiting() -> bool | None:
            participant.fail_if_exited("waiting for the broker")
            try:
                response = await participant.get("health/readiness", auth=False)
            except httpx.TransportError:
                return None
            return (
                True if "Kafka broker unreachable" in response.json().get("reasons", []) else None
            )

        await eventually(waiting, within=60, what="readiness naming the unreachable broker")
        participant.signal(signal.SIGTERM)
        code = await participant.wait_exit(within=60)
        output = participant.output()
    assert code == 0, output
    assert "Traceback" not in output
    assert "level=error" not in output
