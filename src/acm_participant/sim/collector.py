"""What the runtime-side driver receives: every participant message, kept in arrival order.

The collector reads the transport, skips undecodable records (logging ten a minute, then a count,
and keeping the last :data:`KEPT_UNDECODABLE` to look at) and the runtime's own traffic, lets the
driver react to each participant message (answer REGISTER, update its model), then files it in
the :class:`~acm_participant.sim.inbox.Inbox` that acks are awaited from.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from acm_participant._core.engine.ratelimit import RateLimitedLog
from acm_participant.errors import DecodeError, TransportError
from acm_participant.protocol import AnyMessage, MessageType, decode
from acm_participant.sim.inbox import Inbox
from acm_participant.transport.base import Record, Transport

__all__ = ["KEPT_UNDECODABLE", "PARTICIPANT_MESSAGE_TYPES", "AckCollector"]

log = logging.getLogger(__name__)

KEPT_UNDECODABLE = 100

# What participants send; everything else on the topics is the runtime's own traffic.
PARTICIPANT_MESSAGE_TYPES = frozenset(
    {
        MessageType.PARTICIPANT_STATUS,
        MessageType.PARTICIPANT_REGISTER,
        MessageType.PARTICIPANT_DEREGISTER,
        MessageType.PARTICIPANT_PRIME_ACK,
        MessageType.AUTOMATION_COMPOSITION_DEPLOY_ACK,
        MessageType.AUTOMATION_COMPOSITION_STATECHANGE_ACK,
        MessageType.PARTICIPANT_REQ_SYNC_MSG,
    }
)


class AckCollector:
    def __init__(
        self, transport: Transport, observe: Callable[[AnyMessage], Awaitable[None]]
    ) -> None:
        self._transport = transport
        self._observe = observe
        self.inbox = Inbox()
        self.undecodable: deque[Record] = deque(maxlen=KEPT_UNDECODABLE)
        self._undecodable_log = RateLimitedLog(log, "undecodable records skipped")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._receive(), name="acm-driver-receive")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _receive(self) -> None:
        async for record in self._transport.records():
            try:
                message = decode(record.value)
            except DecodeError as exc:
                self._undecodable_log.warning(
                    "Skipping undecodable record on %s partition %s offset %s: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    exc,
                )
                self.undecodable.append(record)
                continue
            if message.message_type not in PARTICIPANT_MESSAGE_TYPES:
                continue  # the runtime's own traffic, or a peer runtime's
            try:
                await self._observe(message)
            except TransportError as exc:
                # an answer (REGISTER_ACK, ...) could not be sent: the participant will retry
                log.error("Could not answer %s: %s", message.message_type.value, exc)
            await self.inbox.add(message)
