"""A transport's wait for its broker at start: when to log, when to give up.

``start()`` retries an unreachable broker with capped back-off. An operator wants to know that
it waits and why, not each attempt: :class:`StartWait` logs the first failure, a change of
reason, and the end of the wait, and reports every failure to a callback (for a metric and the
health endpoints). With a deadline, the failure that finds it passed raises
:class:`TransportError`; without one the wait lasts until the broker answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from acm_participant.errors import TransportError
from acm_participant.transport.backoff import Backoff

__all__ = ["StartWait"]

log = logging.getLogger(__name__)


def _no_report(reason: str) -> None:
    """Failures are reported to nobody."""


class StartWait:
    """One start-up's wait for the broker at ``where``.

    Args:
        where: the broker's addresses, for the log lines.
        deadline_s: give up this long after the first attempt; None waits for good.
        backoff: the delays between attempts (quoted in the first log line).
        on_failure: called with the reason of every failed attempt.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        where: str,
        *,
        deadline_s: float | None,
        backoff: Backoff,
        on_failure: Callable[[str], None] = _no_report,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._where = where
        self._deadline_s = deadline_s
        self._backoff = backoff
        self._on_failure = on_failure
        self._clock = clock
        self._started = clock()
        self._failures = 0
        self._reason: str | None = None

    @property
    def failures(self) -> int:
        return self._failures

    def failed(self, reason: str) -> None:
        """One attempt failed with ``reason``; raises TransportError past the deadline."""
        self._failures += 1
        self._on_failure(reason)
        elapsed = self._clock() - self._started
        if self._deadline_s is not None and elapsed >= self._deadline_s:
            raise TransportError(
                f"{reason} (gave up after the start-up deadline of {self._deadline_s:g} s, "
                f"{self._failures} attempts)"
            )
        if reason == self._reason:
            return
        if self._reason is None:
            until = (
                "until it answers"
                if self._deadline_s is None
                else f"until it answers or {self._deadline_s:g} s have passed"
            )
            log.warning(
                "%s; retrying every %g s at first, backing off to %g s, %s",
                reason,
                self._backoff.initial_s,
                self._backoff.max_s,
                until,
            )
        else:
            log.warning("%s (still retrying, attempt %d)", reason, self._failures)
        self._reason = reason

    def clip(self, delay: float) -> float:
        """``delay``, shortened so that the next attempt falls at the deadline at the latest."""
        if self._deadline_s is None:
            return delay
        left = self._started + self._deadline_s - self._clock()
        return max(0.0, min(delay, left))

    def connected(self) -> None:
        """The broker answered and the clients started: says so if the wait was logged."""
        if self._failures:
            log.info(
                "Kafka at %s reachable after %d failed attempts in %.1f s",
                self._where,
                self._failures,
                self._clock() - self._started,
            )
        self._reason = None
        self._failures = 0
