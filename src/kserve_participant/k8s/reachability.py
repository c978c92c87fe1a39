"""Whether the Kubernetes API server answers, judged from the outcome of every request.

Why: an operation that fails during an API-server outage must say, in its FAILED ack, that the
API server did not answer and for how long; the last conditions seen before the outage are stale
and would send the operator to the wrong place. Every request of the client (the shared watch
streams' included) reports here: an answer (any status below 500) ends an outage; no answer, a
5xx, or a request left unanswered for :data:`EVIDENCE_S` starts one.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["EVIDENCE_S", "Outage", "Reachability", "is_unanswered"]

# The API server answers in milliseconds; a request still waiting after this long (or abandoned
# at its deadline after this long) is a sign it does not answer. A shorter wait proves nothing.
EVIDENCE_S = 2.0
_MAX_ERROR = 120


def is_unanswered(status_code: int) -> bool:
    """No answer (0) or a server-side failure (5xx); 4xx, 429 included, is the server speaking."""
    return status_code == 0 or status_code >= 500


@dataclass(frozen=True, slots=True)
class Outage:
    seconds: float
    last_error: str

    def __str__(self) -> str:
        return (
            f"Kubernetes API server unreachable for {_seconds(self.seconds)} "
            f"(last error: {self.last_error})"
        )


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"


class Reachability:
    """Requests in flight, and since when nothing has answered (``clock``: seconds, monotonic)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens = itertools.count()
        self._pending: dict[int, float] = {}
        self._answered_at: float | None = None
        self._down_since: float | None = None
        self._last_error = ""

    def sent(self) -> int:
        """A request leaves now; pass the token to exactly one of the outcomes below."""
        token = next(self._tokens)
        self._pending[token] = self._clock()
        return token

    def answered(self, token: int | None = None) -> None:
        """An answer (or a watch event): the API server is reachable now."""
        if token is not None:
            self._pending.pop(token, None)
        self._answered_at = self._clock()
        self._down_since = None
        self._last_error = ""

    def failed(self, token: int | None, error: str) -> None:
        """No answer or a 5xx; ``token`` None: a stream that broke now."""
        start = self._pending.pop(token, None) if token is not None else None
        self._down(self._clock() if start is None else start, error)

    def abandoned(self, token: int | None) -> None:
        """Given up (deadline, cancellation) before any answer: evidence only if it waited long."""
        start = self._pending.pop(token, None) if token is not None else None
        if start is not None:
            waited = self._clock() - start
            if waited >= EVIDENCE_S:
                self._down(start, f"no answer for {_seconds(waited)}")

    def answered_within(self, seconds: float) -> bool:
        """Whether anything (an answer, a watch event or bookmark) came in the last ``seconds``."""
        return self._answered_at is not None and self._clock() - self._answered_at < seconds

    def outage(self) -> Outage | None:
        """The outage going on now, if any: since when nothing answered, and the last error."""
        now = self._clock()
        since, error = self._down_since, self._last_error
        oldest = min(self._pending.values(), default=None)
        if oldest is not None:
            waiting_since = self._after_last_answer(oldest)
            if now - waiting_since >= EVIDENCE_S and (since is None or waiting_since < since):
                since = waiting_since
                error = error or f"no answer for {_seconds(now - oldest)}"
        if since is None:
            return None
        return Outage(now - since, error)

    def _after_last_answer(self, when: float) -> float:
        # A request that started before the last answer does not date the outage back further.
        return when if self._answered_at is None else max(when, self._answered_at)

    def _down(self, since: float, error: str) -> None:
        since = self._after_last_answer(since)
        if self._down_since is None or since < self._down_since:
            self._down_since = since
        self._last_error = error[:_MAX_ERROR]
