"""The failure streak of one watch stream: its back-off, and the few log lines an operator reads.

Why: a stream the API server refuses (403: no RBAC in that namespace) or cannot serve (an outage)
is retried until it works or nobody needs it. Logging every retry buries everything else, so a
streak logs one line when it starts, one when its reason changes (403 became 503, say) and one
when the stream works again; the retries in between are silent. The delay doubles from
``first_delay_s`` up to ``MAX_RETRY_DELAY_S``.
"""

from __future__ import annotations

import logging

from kserve_participant.k8s.errors import K8sError

__all__ = ["MAX_RETRY_DELAY_S", "StreamHealth"]

log = logging.getLogger("kserve_participant.k8s.watch")

MAX_RETRY_DELAY_S = 30.0


def _reason(error: BaseException) -> str:
    if isinstance(error, K8sError):
        return f"{error.status_code} {error.reason}".strip()
    return type(error).__name__


class StreamHealth:
    """Counts the failures of one stream since it last worked and says what changed."""

    def __init__(self, what: str, first_delay_s: float) -> None:
        self._what = what
        self._first_delay_s = first_delay_s
        self._failures = 0
        self._reason: str | None = None

    @property
    def failing(self) -> bool:
        return self._reason is not None

    @property
    def failures(self) -> int:
        return self._failures

    def failed(self, error: BaseException) -> float:
        """One more failure: log it if its reason is new; return the delay before the retry."""
        self._failures += 1
        reason = _reason(error)
        if reason != self._reason:
            if isinstance(error, K8sError):
                log.warning(
                    "watch of %s failing, retrying with back-off up to %.0f s (logged again "
                    "when the reason changes or it recovers): %s",
                    self._what,
                    MAX_RETRY_DELAY_S,
                    error,
                )
            else:  # a bug, not the API server's answer: its traceback once per streak
                log.error("watch of %s failed, retrying", self._what, exc_info=error)
            self._reason = reason
        return float(min(self._first_delay_s * 2 ** (self._failures - 1), MAX_RETRY_DELAY_S))

    def stalled(self, error: K8sError, version: str | None) -> None:
        """The stream went silent (a dead connection); it is re-watched at once."""
        self._failures += 1
        if self._reason != _reason(error):
            log.warning(
                "watch of %s stalled (%s), re-watching from resourceVersion %s",
                self._what,
                error.message,
                version,
            )
            self._reason = _reason(error)

    def worked(self) -> None:
        """The stream listed or delivered an event: a streak in progress has ended."""
        if self._reason is None:
            return
        log.info(
            "watch of %s works again after %d failed attempts (last: %s)",
            self._what,
            self._failures,
            self._reason,
        )
        self._reason = None
        self._failures = 0

    def stopped(self) -> None:
        log.info(
            "watch of %s stopped: nothing waits on it or follows an object there (last: %s)",
            self._what,
            self._reason,
        )
