"""Two different participants on one Kafka, on the same topics, left to their defaults: the
KServe participant (``kserve-participant run``) and the HTTP example participant
(``python -m acm_participant run http_participant:HttpHandler``). Each must receive and ack
its own elements only. Before the consumer group was derived from the participant id, both
joined the KServe participant's group and split (or starved) the operation topic."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    ToscaConceptIdentifier,
    ToscaNodeTemplate,
)
from acm_participant.sim.model import ElementSpec
from tests.integration import ops_support as ops
from tests.integration.kserve_support import entity
from tests.integration.test_kserve_dialogue import _names
from tests.unit.examples.http_example import EXAMPLE_DIR, load_http_example, rest_service

pytestmark = pytest.mark.integration

HTTP_TEMPLATE = ToscaConceptIdentifier(name="onap.policy.clamp.ac.element.Http", version="1.0.0")


def _kserve_config_with_default_group(stack: Any, topics: ops.Topics) -> dict[str, Any]:
    config = ops.stack_config(stack.info, topics)
    kafka = config["participant"]["intermediaryParameters"]["kafka"]
    del kafka["consumer"]  # the KServe participant's own default group, as deployed
    return config


async def _http_participant(bootstrap: str, topics: ops.Topics) -> asyncio.subprocess.Process:
    example = load_http_example()
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "acm_participant",
        "run",
        "http_participant:HttpHandler",
        "--participant-id",
        str(example.PARTICIPANT_ID),
        "--element-type",
        f"{example.HTTP_ELEMENT.type_name}:{example.HTTP_ELEMENT.type_version}",
        "--bootstrap",
        bootstrap,
        "--operation-topic",
        topics.operation,
        "--sync-topic",
        topics.sync,
        cwd=EXAMPLE_DIR,
        env={**os.environ, "PYTHONPATH": str(EXAMPLE_DIR)},
    )


def _deploy_acks(received: list[Any], instance_id: Any) -> list[AutomationCompositionDeployAck]:
    return [
        m
        for m in received
        if isinstance(m, AutomationCompositionDeployAck)
        and m.automation_composition_id == instance_id
    ]


async def test_kserve_and_http_participants_each_ack_only_their_own_elements_when_sharing_topics(
    stack: Any, namespace: str, tmp_path: Path
) -> None:
    example = load_http_example()
    topics = ops.Topics.fresh()
    async with (
        rest_service() as service,
        ops.runtime_driver(stack.info.kafka_bootstrap, topics) as driver,
        ops.participant_process(
            tmp_path, _kserve_config_with_default_group(stack, topics)
        ) as kserve,
    ):
        http = await _http_participant(stack.info.kafka_bootstrap, topics)
        try:
            await kserve.wait_ready()
            await driver.wait_for_register(participant_id=example.PARTICIPANT_ID, timeout=60)
            kserve_composition = await ops.prime_kserve(driver, kserve.participant_id)
            http_composition = uuid4()
            await driver.prime(
                http_composition,
                example.PARTICIPANT_ID,
                [
                    ToscaNodeTemplate(
                        name=HTTP_TEMPLATE.name,
                        version=HTTP_TEMPLATE.version,
                        type=example.HTTP_ELEMENT.type_name,
                        type_version=example.HTTP_ELEMENT.type_version,
                        properties={"endpoint": service.url},
                    )
                ],
            )
            kserve_id = ops.kserve_instance(
                driver, kserve_composition, [entity("coexist", namespace)]
            )
            http_id = uuid4()
            driver.add_instance(
                http_id,
                http_composition,
                [ElementSpec(definition=HTTP_TEMPLATE, properties={"payload": {"n": 1}})],
            )
            kserve_acks, http_acks = await asyncio.gather(
                driver.deploy(kserve_id), driver.deploy(http_id)
            )
            assert [str(a.state_change_result) for a in kserve_acks + http_acks] == [
                "NO_ERROR",
                "NO_ERROR",
            ]
            # each instance was acked once, by its own participant only
            kserve_from = {a.participant_id for a in _deploy_acks(driver.received, kserve_id)}
            http_from = {a.participant_id for a in _deploy_acks(driver.received, http_id)}
            assert kserve_from == {kserve.participant_id}
            assert http_from == {example.PARTICIPANT_ID}
            assert len(_deploy_acks(driver.received, kserve_id)) == 1
            assert len(_deploy_acks(driver.received, http_id)) == 1
            # and did its own work only
            (http_element,) = driver.model.instances[http_id].elements
            assert service.requests == [("PUT", str(http_element))]
            assert await _names(stack, namespace) == ["coexist"]
        finally:
            if http.returncode is None:
                http.send_signal(signal.SIGTERM)
                async with asyncio.timeout(30):
                    await http.wait()
