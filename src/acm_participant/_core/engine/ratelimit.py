"""At most so many lines a minute for one kind of bad input, then one line saying how many more.

Hostile or broken traffic (thousands of undecodable records) must not drown the log: the first
``per_window`` occurrences in a window are logged as they come, the rest only counted, and the
count is logged once the window is over (at the next occurrence, or on ``flush``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["RateLimitedLog"]


class RateLimitedLog:
    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        per_window: int = 10,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._what = what
        self._per_window = per_window
        self._window_s = window_s
        self._clock = clock
        self._started = clock()
        self._logged = 0
        self._suppressed = 0

    def warning(self, message: str, *args: object) -> None:
        if self._clock() - self._started >= self._window_s:
            self.flush()
        if self._logged < self._per_window:
            self._logged += 1
            self._logger.warning(message, *args)
        else:
            self._suppressed += 1

    def flush(self) -> None:
        """Log how many were left out, and start a new window."""
        if self._suppressed:
            self._logger.warning(
                "%d more %s in the last %.0f s (not logged one by one)",
                self._suppressed,
                self._what,
                self._clock() - self._started,
            )
        self._started, self._logged, self._suppressed = self._clock(), 0, 0
