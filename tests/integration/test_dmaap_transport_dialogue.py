"""The runtime-side driver and a real participant runtime talking over DMaaP Message Router.

DMaaP MR cannot be installed here: ``tests/dmaap_standin.py`` stands in for it (its documented
events API). As with ONAP's DMaaP deployments, one topic carries both directions. No local stack
is needed, so this module is not marked ``integration``.
"""

from __future__ import annotations

import asyncio
from uuid import uuid4

from acm_participant.protocol import AcTypeState, DeployState, StateChangeResult
from acm_participant.runtime import ParticipantRuntime
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Subscription
from acm_participant.transport.dmaap import DmaapSettings, DmaapTransport, DmaapTransportOptions
from tests.dmaap_standin import DmaapStandin
from tests.integration.dialogue_support import PARTICIPANT, Handler, elements, settings, templates

TOPIC = "POLICY-ACRUNTIME-PARTICIPANT"
OPTIONS = DmaapTransportOptions(publish_timeout_s=10, backoff=Backoff(initial_s=0.05, max_s=0.5))


async def test_driver_registers_primes_deploys_and_undeploys_participant_when_over_dmaap():
    async with DmaapStandin(username="acm", password="mr-secret") as standin:

        def transport(group: str) -> DmaapTransport:
            config = DmaapSettings(
                base_url=standin.base_url,
                username="acm",
                password="mr-secret",  # type: ignore[arg-type]
                poll_timeout_ms=5_000,
            )
            return DmaapTransport(config, [Subscription(TOPIC, group)], options=OPTIONS)

        driver = AcmRuntimeDriver(
            transport("acm-runtime"), operation_topic=TOPIC, sync_topic=TOPIC, timeout=15
        )
        handler = Handler()
        replica = uuid4()
        config = settings(operation_topic=TOPIC, sync_topic=TOPIC, group="kserve-ppnt")
        # one topic for both directions: each replica reads it once, in its own group
        runtime = ParticipantRuntime(
            config, lambda _subscriptions: transport(f"ppnt-{replica}"), handler, replica_id=replica
        )
        async with driver:
            await standin.wait_polled(TOPIC, "acm-runtime")
            await runtime.start()
            try:
                await driver.wait_for_register()
                async with asyncio.timeout(15):
                    await runtime.registered.wait()
                composition_id, instance_id = uuid4(), uuid4()
                prime_ack = await driver.prime(composition_id, PARTICIPANT, templates())
                driver.add_instance(instance_id, composition_id, elements())
                deploy_acks = await driver.deploy_all_phases(instance_id)
                undeploy_acks = await driver.undeploy_all_phases(instance_id)
            finally:
                await runtime.stop()
    assert prime_ack.composition_state == AcTypeState.PRIMED
    assert {a.state_change_result for a in deploy_acks + undeploy_acks} == {
        StateChangeResult.NO_ERROR
    }
    assert [c[1] for c in handler.calls if c[0] != "prime"] == [
        "first",
        "second",
        "second",
        "first",
    ]
    assert driver.model.instances[instance_id].deploy_state == DeployState.UNDEPLOYED
