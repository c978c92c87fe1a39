"""The runtime-side driver and a real participant runtime talking over the real Kafka broker."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

from acm_participant.protocol import AcTypeState, DeployState, StateChangeResult
from acm_participant.runtime import ParticipantRuntime
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka import KafkaTransport, KafkaTransportOptions
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.devstack import StackInfo
from tests.integration.dialogue_support import PARTICIPANT, Handler, elements, settings, templates

pytestmark = pytest.mark.integration

OPTIONS = KafkaTransportOptions(
    connect_timeout_s=20, publish_timeout_s=20, stop_timeout_s=5, backoff=Backoff(initial_s=0.2)
)


async def test_driver_registers_primes_and_deploys_participant_when_over_kafka(
    stack_info: StackInfo,
):
    kafka = KafkaSettings(bootstrap_servers=(stack_info.kafka_bootstrap,))
    suffix = uuid4().hex[:8]
    config = settings(
        operation_topic=f"op-{suffix}", sync_topic=f"sync-{suffix}", group=f"ppnt-{suffix}"
    )
    await ensure_topics(kafka, [config.operation_topic, config.sync_topic])
    driver = AcmRuntimeDriver(
        KafkaTransport(
            kafka, [Subscription(config.operation_topic, "acm-runtime")], options=OPTIONS
        ),
        operation_topic=config.operation_topic,
        sync_topic=config.sync_topic,
        timeout=30,
    )
    handler = Handler()
    runtime = ParticipantRuntime(
        config,
        lambda subscriptions: KafkaTransport(kafka, subscriptions, options=OPTIONS),
        handler,
    )
    async with driver:
        await runtime.start()
        try:
            register = await driver.wait_for_register()
            async with asyncio.timeout(30):
                await runtime.registered.wait()

            composition_id, instance_id = uuid4(), uuid4()
            prime_ack = await driver.prime(composition_id, PARTICIPANT, templates())
            driver.add_instance(instance_id, composition_id, elements())
            deploy_acks = await driver.deploy_all_phases(instance_id)
        finally:
            await runtime.stop()
    assert (register.participant_id, register.replica_id) == (PARTICIPANT, runtime.replica_id)
    assert prime_ack.composition_state == AcTypeState.PRIMED
    assert [a.state_change_result for a in deploy_acks] == [StateChangeResult.NO_ERROR] * 2
    assert [c for c in handler.calls if c[0] == "deploy"] == [
        ("deploy", "first"),
        ("deploy", "second"),
    ]
    assert driver.model.instances[instance_id].deploy_state == DeployState.DEPLOYED
