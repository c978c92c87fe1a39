"""ParticipantRuntime: the participant side of the ACM protocol, driving an ElementHandler.

It owns two long-lived tasks (the consume loop and the REGISTER/STATUS ticker) plus one task per
running element operation, and the caches they share. ``start()`` connects and registers,
``stop()`` lets running operations finish for a grace period, sends DEREGISTER, then closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from acm_participant._core.adapters.outbox import Clock, WireOutbox
from acm_participant._core.adapters.reporter import RuntimeReporter
from acm_participant._core.adapters.wire import MissingId
from acm_participant._core.engine.dispatch import Dispatcher
from acm_participant._core.engine.liveness import Liveness
from acm_participant._core.engine.ratelimit import RateLimitedLog
from acm_participant._core.engine.runtime_context import RuntimeContext
from acm_participant._core.state.store import ElementStore
from acm_participant.errors import DecodeError
from acm_participant.handler import ElementHandler
from acm_participant.observe import Observer
from acm_participant.protocol import decode
from acm_participant.settings import ParticipantSettings
from acm_participant.startstop import StartStop
from acm_participant.transport.base import (
    Record,
    Transport,
    TransportFactory,
    TransportSettings,
)

__all__ = ["ParticipantRuntime", "RuntimeHealth"]

_log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RuntimeHealth:
    """A snapshot for health endpoints; reading it changes nothing."""

    running: bool
    broker_connected: bool | None
    """None until the first publish; then whether the last one got through."""
    registered: bool
    last_heartbeat: datetime | None
    running_operations: int


class ParticipantRuntime(StartStop):
    """Runs one participant replica: registration, heartbeats, dispatch, acks, caches.

    Args:
        settings: who the participant is and where it talks.
        transport: how to reach the broker: transport settings (``KafkaSettings``,
            ``DmaapSettings``) or a function building a transport for a list of subscriptions.
            The runtime gives it the subscriptions of this replica (``settings.subscriptions``).
        handler: the element handler doing the work.
        observer: hooks for metrics (no-op by default).
        clock: wall clock for message timestamps (UTC-aware ``datetime``).
        replica_id: this process's replica id; random when not given.
    """

    def __init__(
        self,
        settings: ParticipantSettings,
        transport: TransportSettings | TransportFactory,
        handler: ElementHandler,
        *,
        observer: Observer | None = None,
        clock: Clock = _utc_now,
        replica_id: UUID | None = None,
    ) -> None:
        self._settings = settings
        self._observer = observer or Observer()
        self._replica_id = replica_id or uuid4()
        subscriptions = settings.subscriptions(self._replica_id)
        if isinstance(transport, TransportSettings):
            self._transport = transport.connect(subscriptions, self._observer)
        else:
            self._transport = transport(subscriptions)
        store = ElementStore()
        self._outbox = WireOutbox(
            settings=settings,
            replica_id=self._replica_id,
            transport=self._transport,
            cache=store,
            observer=self._observer,
            clock=clock,
        )
        self._ctx = RuntimeContext(
            settings=settings,
            replica_id=self._replica_id,
            handler=handler,
            observer=self._observer,
            outbox=self._outbox,
            store=store,
        )
        self._ctx.reporter = RuntimeReporter(self._ctx)
        self._liveness = Liveness(
            settings=settings, outbox=self._outbox, observer=self._observer, clock=clock
        )
        self._dispatcher = Dispatcher(self._ctx, self._liveness)
        self._undecodable = RateLimitedLog(_log, "undecodable records skipped")
        self._loops: list[asyncio.Task[None]] = []
        self._started = False
        self._stopping = False
        self._stopped = asyncio.Event()
        self._signal_stop: asyncio.Task[None] | None = None

    # --- public surface ---------------------------------------------------------------------------

    @property
    def replica_id(self) -> UUID:
        return self._replica_id

    @property
    def settings(self) -> ParticipantSettings:
        return self._settings

    @property
    def transport(self) -> Transport:
        """The transport the runtime built for this replica's subscriptions."""
        return self._transport

    @property
    def registered(self) -> asyncio.Event:
        """Set once REGISTER_ACK for this replica arrived; cleared by ``stop()``."""
        return self._liveness.registered

    def health(self) -> RuntimeHealth:
        return RuntimeHealth(
            running=self._started and not self._stopping and not self._loops[0].done(),
            broker_connected=self._broker_connected(),
            registered=self._liveness.registered.is_set(),
            last_heartbeat=self._liveness.last_heartbeat,
            running_operations=self._ctx.tasks.count_running(),
        )

    def _broker_connected(self) -> bool | None:
        # Transports that watch their connection (Kafka) know best; else the last publish tells.
        connected = getattr(self._transport, "connected", None)
        return connected if isinstance(connected, bool) else self._outbox.connected

    async def start(self) -> None:
        """Connect, hand the reporter to the handler, start consuming and registering.

        Raises:
            TransportError: the broker refused for good (e.g. bad credentials); nothing is left
                running then.
        """
        if self._started:
            return
        await self._transport.start()
        try:
            await self._ctx.handler.start(self._ctx.reporter)
        except BaseException:
            await self._transport.stop()
            raise
        consume = asyncio.create_task(self._consume(), name="participant-consume")
        consume.add_done_callback(self._consume_ended)
        self._loops = [
            consume,
            asyncio.create_task(self._liveness.run(), name="participant-heartbeat"),
        ]
        self._started = True
        _log.info(
            "participant %s replica %s started", self._settings.participant_id, self._replica_id
        )

    def _consume_ended(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or self._stopping:
            return
        error = task.exception()
        if error is not None:
            _log.error("consuming stopped: %s", error, exc_info=error)
        else:
            _log.error("consuming stopped: the transport ended its record stream")

    async def stop(self) -> None:
        """Finish or cancel running operations, DEREGISTER, close; idempotent."""
        if not self._started or self._stopping:
            await self._stopped.wait() if self._stopping else None
            return
        self._stopping = True
        try:
            # Stop taking new work first: an operation arriving during the drain would start
            # work nobody waits for; unconsumed records stay on the broker for another replica.
            # The consume loop is awaited only after DEREGISTER went out: the Kafka client may
            # take its time to unwind, and must not hold up the goodbye.
            consume, heartbeat = self._loops[0], self._loops[1]
            consume.cancel()
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self._ctx.tasks.drain(self._settings.shutdown_grace_ms / 1000)
            await self._outbox.deregister()
            self._liveness.on_deregistered()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await consume
            try:
                await self._ctx.handler.stop()
            except Exception:
                _log.warning("handler stop failed", exc_info=True)
            await self._transport.stop()
            _log.info("participant replica %s stopped", self._replica_id)
        finally:
            self._stopped.set()

    async def run_until_stopped(self, *, handle_signals: bool = False) -> None:
        """Start, then return once ``stop()`` ran (e.g. from a signal handler).

        With ``handle_signals``, SIGTERM and SIGINT call ``stop()`` (graceful: DEREGISTER first).
        Raises whatever ended the consume loop if it ended on its own (the broker went for good).
        """
        if handle_signals:
            self._install_signal_handlers()
        await self.start()
        consume = self._loops[0]
        stopped = asyncio.create_task(self._stopped.wait(), name="participant-stopped")
        try:
            await asyncio.wait({consume, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if self._stopping:  # stop() ends consuming first: wait for the rest of it (DEREGISTER)
            await self._stopped.wait()
            return
        if consume.done():
            error = consume.exception() if not consume.cancelled() else None
            await self.stop()
            if error is not None:
                raise error

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stop_from_signal, signum)

    def _stop_from_signal(self, signum: int) -> None:
        _log.info("signal %s: stopping", signal.Signals(signum).name)
        if self._signal_stop is None:
            self._signal_stop = asyncio.create_task(self.stop(), name="participant-signal-stop")

    # --- the consume loop -------------------------------------------------------------------------

    async def _consume(self) -> None:
        async for record in self._transport.records():
            await self._handle(record)

    async def _handle(self, record: Record) -> None:
        with self._ctx.tasks.capture() as spawned:
            await self._dispatch_record(record)
        self._done_when_finished(record, spawned)

    def _done_when_finished(self, record: Record, spawned: list[asyncio.Task[None]]) -> None:
        """Tell the transport the record is done once the operations it started ended.

        Operations cancelled by a stop are not done: their records go to another replica (or to
        this one after its restart); superseded or timed-out ones are.
        """
        running = [task for task in spawned if not task.done()]
        if not running:
            self._transport.done(record)
            return

        def finished(_: object) -> None:
            stopped = self._stopping and any(task.cancelled() for task in running)
            if not stopped:
                self._transport.done(record)

        asyncio.gather(*running, return_exceptions=True).add_done_callback(finished)

    async def _dispatch_record(self, record: Record) -> None:
        try:
            message = decode(record.value)
        except DecodeError as exc:
            self._undecodable.warning(
                "skipped undecodable record topic=%s partition=%s offset=%s: %s",
                record.topic,
                record.partition,
                record.offset,
                exc,
            )
            self._observer.decode_failed(record.topic)
            return
        try:
            await self._dispatcher.dispatch(message)
        except MissingId as exc:
            _log.warning("skipped %s: %s", message.message_type.value, exc)
        except Exception:
            _log.exception("handling %s failed", message.message_type.value)
