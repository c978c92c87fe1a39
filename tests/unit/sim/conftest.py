"""Driver test fixtures: the real participant runtime and the driver on one memory broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from acm_participant.runtime import ParticipantRuntime
from acm_participant.settings import ParticipantSettings
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.transport.base import Subscription
from acm_participant.transport.memory import MemoryBroker, MemoryTransport
from tests.unit.sim.support import OP, PARTICIPANT, TYPE, Dialogue, Handler


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
async def dialogue(handler: Handler, request: pytest.FixtureRequest) -> AsyncIterator[Dialogue]:
    legacy = getattr(request, "param", False)
    broker = MemoryBroker()
    driver = AcmRuntimeDriver(
        MemoryTransport(broker, [Subscription(OP, "acm-runtime")]), legacy=legacy, timeout=5
    )
    settings = ParticipantSettings(
        participant_id=PARTICIPANT,
        supported_element_types=(TYPE,),
        reporting_time_interval_ms=60_000,
        register_retry_initial_ms=50,
        shutdown_grace_ms=200,
    )
    runtime = ParticipantRuntime(
        settings, lambda subscriptions: MemoryTransport(broker, subscriptions), handler
    )
    async with driver:
        await runtime.start()
        try:
            await driver.wait_for_register()
            async with asyncio.timeout(5):
                await runtime.registered.wait()
            yield Dialogue(driver, runtime, handler, broker)
        finally:
            await runtime.stop()
