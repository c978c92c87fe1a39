"""Everything participants sent, kept in arrival order, and waits on it with deadlines.

Tests assert on what arrived (``received``) as much as on what they awaited, so nothing is
consumed by a wait: waits scan from a mark taken before the request was sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import TypeVar
from uuid import UUID

from acm_participant.protocol import (
    AnyMessage,
    AutomationCompositionDeployAck,
    MessageType,
)

__all__ = ["AckTimeout", "Inbox", "MessageTimeout"]

M = TypeVar("M")


class MessageTimeout(TimeoutError):
    """An awaited message did not arrive in time; the message says what was awaited."""


class AckTimeout(MessageTimeout):
    """Some elements did not ack in time; ``missing`` holds their ids."""

    def __init__(self, text: str, missing: list[UUID]) -> None:
        super().__init__(text)
        self.missing = missing


class Inbox:
    def __init__(self) -> None:
        self.received: list[AnyMessage] = []
        self._changed = asyncio.Condition()

    def mark(self) -> int:
        """A position: waits ``since`` it only see messages that arrive afterwards."""
        return len(self.received)

    async def add(self, message: AnyMessage) -> None:
        async with self._changed:
            self.received.append(message)
            self._changed.notify_all()

    async def wait_for(
        self,
        predicate: Callable[[AnyMessage], bool],
        *,
        timeout: float,
        since: int = 0,
        what: str = "a matching message",
    ) -> AnyMessage:
        """The first message at or after ``since`` that satisfies ``predicate``."""
        found: list[AnyMessage] = []
        position = since

        def scan() -> bool:
            # Each wake-up looks only at what arrived since the last one: with hundreds of
            # waiters, rescanning from ``since`` made every message cost O(waiters x inbox).
            nonlocal position
            while position < len(self.received):
                message = self.received[position]
                position += 1
                if predicate(message):
                    found.append(message)
                    return True
            return False

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(scan)
        except TimeoutError:
            raise MessageTimeout(
                f"no {what} within {timeout:g} s; received since: {self.summary(since)}"
            ) from None
        return found[0]

    async def wait_for_acks(
        self,
        instance_id: UUID,
        expected: dict[UUID, UUID],
        *,
        timeout: float,
        since: int,
        what: str,
        describe: Callable[[UUID], str] = str,
    ) -> list[AutomationCompositionDeployAck]:
        """One ack per expected element (``expected`` maps element id to participant id).

        An ack with an empty result map from a participant answers for all its elements (what
        a participant sends for an instance it does not know).
        """
        acks: list[AutomationCompositionDeployAck] = []
        missing = dict(expected)
        position = since

        def collect() -> bool:
            nonlocal position
            while position < len(self.received):
                message = self.received[position]
                position += 1
                if not isinstance(message, AutomationCompositionDeployAck):
                    continue
                if message.automation_composition_id != instance_id:
                    continue
                answered = set(message.automation_composition_result_map)
                if not answered:
                    answered = {e for e, p in missing.items() if p == message.participant_id}
                if answered & missing.keys():
                    acks.append(message)
                    for element_id in answered:
                        missing.pop(element_id, None)
            return not missing

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(collect)
        except TimeoutError:
            names = ", ".join(describe(element_id) for element_id in missing)
            raise AckTimeout(
                f"{what}: no ack within {timeout:g} s for element(s) {names} of instance "
                f"{instance_id}; received since: {self.summary(since)}",
                list(missing),
            ) from None
        return acks

    def of_type(self, kind: type[M], *, since: int = 0) -> list[M]:
        return [m for m in self.received[since:] if isinstance(m, kind)]

    def summary(self, since: int = 0) -> str:
        return _summary(self.received[since:])


def _summary(messages: Iterable[AnyMessage]) -> str:
    counts: dict[MessageType, int] = {}
    for message in messages:
        counts[message.message_type] = counts.get(message.message_type, 0) + 1
    return ", ".join(f"{kind.value} x{count}" for kind, count in counts.items()) or "nothing"
