"""Limits repeated lines of chatty libraries (aiokafka logs every failed reconnect at ERROR,
several times a second, while a broker is away): one line per message template and window,
the next one saying how many were suppressed. Our own lines are never limited."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["RepeatLimiter"]


class RepeatLimiter(logging.Filter):
    def __init__(
        self,
        prefixes: tuple[str, ...],
        *,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._prefixes = prefixes
        self._window = window_s
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}
        self._suppressed: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.CRITICAL or not record.name.startswith(self._prefixes):
            return True
        key = (record.name, str(record.msg))
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._window:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False
        self._last[key] = now
        suppressed = self._suppressed.pop(key, 0)
        if suppressed:
            record.msg = f"{record.msg} (repeated {suppressed} more times in {self._window:.0f} s)"
        return True
