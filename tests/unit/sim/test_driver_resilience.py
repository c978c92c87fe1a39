"""The driver keeps reading when it cannot answer: a failing broker never kills its receive loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from acm_participant.errors import TransportError
from acm_participant.protocol import ParticipantRegister, ParticipantStatus, encode
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.transport.base import Record


class RefusingTransport:
    """Delivers the given records, refuses every publish."""

    def __init__(self, *values: bytes) -> None:
        self._records: asyncio.Queue[Record] = asyncio.Queue()
        for value in values:
            self._records.put_nowait(Record(topic="op", value=value, partition=0, offset=0))

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, topic: str, value: bytes, *, key: str | None = None) -> None:
        raise TransportError(f"refused publish to {topic!r}")

    def done(self, record: Record) -> None:
        return None

    async def records(self) -> AsyncIterator[Record]:
        while True:
            yield await self._records.get()


async def test_driver_keeps_receiving_and_logs_when_register_ack_cannot_be_sent(
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.ERROR, logger="acm_participant.sim.driver")
    participant_id = uuid4()
    register = ParticipantRegister(participant_id=participant_id, replica_id=uuid4())
    status = ParticipantStatus(participant_id=participant_id, replica_id=uuid4())
    async with AcmRuntimeDriver(
        RefusingTransport(encode(register), encode(status)), timeout=5
    ) as driver:
        await driver.expect(ParticipantStatus)
    assert [type(m) for m in driver.received] == [ParticipantRegister, ParticipantStatus]
    assert "Could not answer PARTICIPANT_REGISTER: refused publish" in caplog.text
