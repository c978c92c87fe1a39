"""A participant killed without leaving its consumer group, restarted at once: with static group
membership (``group.instance.id``, one per replica, stable across restarts) the new process takes
the dead one's place in the group and registers without waiting for its session to time out."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from acm_participant.protocol import ParticipantRegister
from tests.integration.ops_support import (
    Topics,
    kafka_properties,
    participant_process,
    runtime_driver,
    stack_config,
)

pytestmark = pytest.mark.integration

# Far longer than the wait below: a member that had to wait for the dead one's session to end
# could not register within it. Such a member stops waiting for its group after the transport's
# join timeout (30 s) and registers then, so the wait stays below that (measured without
# group.instance.id: REGISTER 32 s after the restart; with it: about 2 s, the process start-up).
LONG_SESSION_MS = 300_000
REGISTER_WAIT_S = 25


async def test_restarted_replica_with_static_membership_registers_before_the_dead_session_ends(
    stack: Any, tmp_path: Path
) -> None:
    topics = Topics.fresh()
    participant_id = uuid4()
    extra = kafka_properties(
        {"group.instance.id": "replica-0", "session.timeout.ms": str(LONG_SESSION_MS)}
    )
    config = stack_config(stack.info, topics, participant_id=participant_id, extra=extra)
    async with runtime_driver(stack.info.kafka_bootstrap, topics) as driver:
        async with participant_process(tmp_path, config) as first:
            await first.wait_ready()
            first.signal(signal.SIGKILL)
            await first.wait_exit()

        since = driver.mark()
        async with participant_process(tmp_path, config) as second:
            register = await driver.expect(
                ParticipantRegister,
                where=lambda m: m.participant_id == participant_id,
                since=since,
                timeout=REGISTER_WAIT_S,
            )
            await second.wait_ready()
    assert register.participant_id == participant_id
