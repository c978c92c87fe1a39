"""Capped exponential backoff shared by the transports' reconnect and retry loops.

One small value class instead of a retry library: the loops also need to report connection
changes and honour deadlines, which is clearer written out than configured.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays ``initial_s``, doubling (``multiplier``) up to ``max_s``, with +/- ``jitter``."""

    initial_s: float = 0.5
    max_s: float = 10.0
    multiplier: float = 2.0
    jitter: float = 0.1

    def delays(self) -> Iterator[float]:
        """An endless sequence of delays in seconds."""
        delay = self.initial_s
        while True:
            spread = delay * self.jitter
            yield max(0.0, delay + random.uniform(-spread, spread))
            delay = min(self.max_s, delay * self.multiplier)
