"""Registration and heartbeat: REGISTER until acked, then STATUS every reporting interval.

Until REGISTER_ACK names this replica, each tick re-sends REGISTER (first after
``register_retry_initial_ms``, doubling, never slower than the reporting interval). The ack
triggers a STATUS at once and restarts the interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from acm_participant._core.adapters.outbox import Clock, WireOutbox
from acm_participant.observe import Observer
from acm_participant.settings import ParticipantSettings

__all__ = ["Liveness"]

_log = logging.getLogger(__name__)


class Liveness:
    def __init__(
        self,
        *,
        settings: ParticipantSettings,
        outbox: WireOutbox,
        observer: Observer,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._outbox = outbox
        self._observer = observer
        self._clock = clock
        self.registered = asyncio.Event()
        self.last_heartbeat: datetime | None = None
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Send REGISTER/STATUS ticks until cancelled."""
        delay = self._settings.register_retry_initial_ms / 1000
        interval = self._settings.reporting_interval_s
        await self._safe_tick()
        while True:
            timeout = interval if self.registered.is_set() else min(delay, interval)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
                    continue  # woken: the ack just sent a STATUS, start a fresh interval
            if not self.registered.is_set():
                delay = min(delay * 2, interval)
            await self._safe_tick()

    async def _safe_tick(self) -> None:
        try:
            await self.tick()
        except Exception:  # a bug must not silence the heartbeat for good
            _log.exception("heartbeat tick failed")

    async def tick(self) -> None:
        """One heartbeat: STATUS when registered, REGISTER otherwise (also answers STATUS_REQ)."""
        if self.registered.is_set():
            sent = await self._outbox.heartbeat()
        else:
            sent = await self._outbox.register()
        if sent:
            self.last_heartbeat = self._clock()
            self._observer.heartbeat_sent()

    async def on_register_ack(self) -> None:
        if self.registered.is_set():
            return
        self.registered.set()
        self._observer.registration_changed(True)
        _log.info("registered with the ACM runtime")
        await self.tick()
        self._wake.set()

    def on_deregistered(self) -> None:
        if self.registered.is_set():
            self.registered.clear()
            self._observer.registration_changed(False)
