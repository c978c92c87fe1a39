"""An in-process broker and transport, so the runtime and the driver can be unit-tested together.

It keeps Kafka's consumer-group semantics that the protocol relies on: within one group each
record is delivered once (replicas of a participant share the operation topic's group), while
every group gets every record (each replica has its own group on the sync topic). A group that
first subscribes starts at the end of the topic (``auto_offset_reset="latest"``) unless the broker
is told otherwise. It must stay free of timing: nothing here sleeps or polls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

from acm_participant.errors import TransportError
from acm_participant.transport.base import Record, Subscription

__all__ = ["MemoryBroker", "MemoryTransport"]

OffsetReset = Literal["latest", "earliest"]


@dataclass
class _Topic:
    log: list[Record] = field(default_factory=list)
    groups: dict[str, asyncio.Queue[Record]] = field(default_factory=dict)


class MemoryBroker:
    """Topics held in memory; shared by every :class:`MemoryTransport` of one test."""

    def __init__(self, *, auto_offset_reset: OffsetReset = "latest") -> None:
        self._topics: dict[str, _Topic] = {}
        self._auto_offset_reset = auto_offset_reset
        self._available = True

    def published(self, topic: str) -> list[Record]:
        """Every record ever published to ``topic``, oldest first (whoever consumed them)."""
        return list(self._topic(topic).log)

    @property
    def available(self) -> bool:
        return self._available

    def set_available(self, available: bool) -> None:
        """Simulate the broker going away (publishes fail) and coming back."""
        self._available = available

    def publish(self, topic: str, value: bytes, *, key: str | None = None) -> Record:
        if not self._available:
            raise TransportError(f"memory broker unavailable: cannot publish to {topic!r}")
        state = self._topic(topic)
        record = Record(
            topic=topic,
            value=value,
            key=key.encode() if key is not None else None,
            partition=0,
            offset=len(state.log),
        )
        state.log.append(record)
        for queue in state.groups.values():
            queue.put_nowait(record)
        return record

    def group_queue(self, subscription: Subscription) -> asyncio.Queue[Record]:
        """The queue of ``subscription``'s group, created (at latest or earliest) on first use."""
        state = self._topic(subscription.topic)
        queue = state.groups.get(subscription.group)
        if queue is None:
            queue = asyncio.Queue()
            if self._auto_offset_reset == "earliest":
                for record in state.log:
                    queue.put_nowait(record)
            state.groups[subscription.group] = queue
        return queue

    def _topic(self, topic: str) -> _Topic:
        return self._topics.setdefault(topic, _Topic())


class _Stopped:
    """Marks the end of a transport's record stream."""


_STOPPED = _Stopped()


class MemoryTransport:
    """A :class:`~acm_participant.transport.base.Transport` over a :class:`MemoryBroker`."""

    def __init__(self, broker: MemoryBroker, subscriptions: list[Subscription]) -> None:
        self._broker = broker
        self._subscriptions = list(subscriptions)
        self._inbox: asyncio.Queue[Record | _Stopped] = asyncio.Queue()
        self._pumps: list[asyncio.Task[None]] = []
        self._started = False
        self._stopped = False

    @property
    def broker(self) -> MemoryBroker:
        return self._broker

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        for subscription in self._subscriptions:
            queue = self._broker.group_queue(subscription)
            self._pumps.append(
                asyncio.create_task(self._pump(queue), name=f"memory-consume-{subscription.topic}")
            )

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for task in self._pumps:
            task.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        self._pumps.clear()
        self._inbox.put_nowait(_STOPPED)

    async def publish(self, topic: str, value: bytes, *, key: str | None = None) -> None:
        if self._stopped:
            raise TransportError(f"transport stopped: cannot publish to {topic!r}")
        self._broker.publish(topic, value, key=key)

    def done(self, record: Record) -> None:
        """Nothing to commit: this broker has no offsets to hold back."""

    async def records(self) -> AsyncIterator[Record]:
        while True:
            item = await self._inbox.get()
            if isinstance(item, _Stopped):
                self._inbox.put_nowait(item)  # later iterators end too
                return
            yield item

    async def _pump(self, queue: asyncio.Queue[Record]) -> None:
        while True:
            record = await queue.get()
            self._inbox.put_nowait(record)
