"""The transport seam: how the SDK moves message bytes, whatever the broker.

A transport knows topics, keys and bytes, never message types: decoding happens above it.
Implementations: Kafka (`kafka.py`), DMaaP Message Router (`dmaap.py`), in-process (`memory.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from acm_participant.observe import Observer

__all__ = ["Record", "Subscription", "Transport", "TransportFactory", "TransportSettings"]


@dataclass(frozen=True, slots=True)
class Subscription:
    """A topic to consume, in a consumer group (Kafka) or consumer group/id pair (DMaaP)."""

    topic: str
    group: str


@dataclass(frozen=True, slots=True)
class Record:
    """One consumed message. ``partition``/``offset`` are None where the broker has none (DMaaP)."""

    topic: str
    value: bytes
    key: bytes | None = None
    partition: int | None = None
    offset: int | None = None


class Transport(Protocol):
    """Publishes to and consumes from the broker for one process."""

    async def start(self) -> None:
        """Connect and subscribe; raises TransportError if the broker refuses for good."""

    async def stop(self) -> None:
        """Flush what was published, close; idempotent."""

    async def publish(self, topic: str, value: bytes, *, key: str | None = None) -> None:
        """Send one message; raises TransportError if it cannot be delivered."""

    def records(self) -> AsyncIterator[Record]:
        """Every record of every subscription, as they arrive, until ``stop()``."""
        ...

    def done(self, record: Record) -> None:
        """The work ``record`` asked for is finished: its offset may be committed once every
        earlier record of its partition is done too. A record never done is delivered again (to
        this group's next owner of the partition) after a restart or a rebalance."""


TransportFactory = Callable[[list[Subscription]], Transport]
"""Builds a transport consuming the given subscriptions (tests, custom transports)."""


@runtime_checkable
class TransportSettings(Protocol):
    """Where the broker is and how to log in; builds the transport of one replica."""

    def connect(self, subscriptions: list[Subscription], observer: Observer) -> Transport:
        """A (not yet started) transport consuming ``subscriptions``."""
        ...
