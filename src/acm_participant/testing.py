"""Test helpers: run an element handler against an in-memory broker and a peer playing ACM-R.

    async with participant_under_test(MyHandler(), settings) as (runtime, peer):
        await peer.send(prime_message)
        ack = await peer.expect(ParticipantPrimeAck)

:class:`RuntimePeer` works over any transport (the memory one here, Kafka in integration tests):
it sends typed messages and waits, with a deadline, for the participant's answers: the tool for
message-level checks. For whole scenarios, :func:`participant_with_driver` pairs the runtime with
:class:`~acm_participant.sim.driver.AcmRuntimeDriver`, which plays ACM-R (phases, stages, syncs).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from uuid import UUID, uuid4

from acm_participant._core.engine.calls import build_element_context
from acm_participant.context import (
    CompositionElement,
    ElementContext,
    ElementReporter,
    InstanceElement,
)
from acm_participant.errors import DecodeError
from acm_participant.handler import ElementHandler
from acm_participant.protocol import (
    AnyMessage,
    DeployState,
    LockState,
    MessageType,
    ParticipantAckMessage,
    ParticipantMessage,
    ParticipantRegister,
    ParticipantRegisterAck,
    ParticipantStatus,
    ParticipantStatusReq,
    ParticipantSync,
    decode,
    encode,
)
from acm_participant.runtime import ParticipantRuntime
from acm_participant.settings import ParticipantSettings
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.transport.base import Record, Subscription, Transport, TransportFactory
from acm_participant.transport.memory import MemoryBroker, MemoryTransport

__all__ = [
    "RUNTIME_GROUP",
    "RuntimePeer",
    "TransportFactory",
    "element_context",
    "kafka_transports",
    "memory_transports",
    "participant_under_test",
    "participant_with_driver",
    "runtime_group",
]

M = TypeVar("M")

RUNTIME_GROUP = "acm-runtime"
"""The consumer group ACM-R reads the operation topic in."""


def runtime_group() -> str:
    """A fresh group in ACM-R's name, so that two peers never split the records between them."""
    return f"{RUNTIME_GROUP}-{uuid4().hex[:8]}"


_SYNC_TOPIC_TYPES = {
    MessageType.PARTICIPANT_REGISTER_ACK,
    MessageType.PARTICIPANT_STATUS_REQ,
    MessageType.PARTICIPANT_SYNC_MSG,
}


class RuntimePeer:
    """ACM-R's side of one test: send messages, await the participant's, with deadlines."""

    def __init__(self, transport: Transport, settings: ParticipantSettings) -> None:
        self._transport = transport
        self._settings = settings
        self._inbox: asyncio.Queue[AnyMessage] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None
        self._sent: set[bytes] = set()
        self.received: list[tuple[Record, AnyMessage]] = []
        """Every record the peer read and its message, in arrival order (also those skipped)."""

    async def start(self) -> None:
        await self._transport.start()
        self._reader = asyncio.create_task(self._read(), name="runtime-peer-read")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._transport.stop()

    async def _read(self) -> None:
        async for record in self._transport.records():
            if record.value in self._sent:
                continue  # ACM-R reads the operation topic too, its own messages included
            try:
                message = decode(record.value)
            except DecodeError:
                continue
            self.received.append((record, message))
            self._inbox.put_nowait(message)

    def record_of(self, message: object) -> Record:
        """The record ``message`` was read from (for checks of the raw bytes and key)."""
        for record, read in self.received:
            if read is message:
                return record
        raise LookupError("message was not read by this peer")

    async def send(self, message: ParticipantMessage | ParticipantAckMessage) -> None:
        """Publish on the topic ACM-R uses for this message type."""
        topic = (
            self._settings.sync_topic
            if message.message_type in _SYNC_TOPIC_TYPES
            else self._settings.operation_topic
        )
        value = encode(message)
        self._sent.add(value)
        await self._transport.publish(topic, value, key=message.partition_key)

    async def send_raw(self, value: bytes, *, sync: bool = False) -> None:
        topic = self._settings.sync_topic if sync else self._settings.operation_topic
        self._sent.add(value)
        await self._transport.publish(topic, value)

    async def expect(
        self,
        kind: type[M],
        where: Callable[[M], bool] | None = None,
        *,
        within: float = 5.0,
    ) -> M:
        """The next message of type ``kind`` (matching ``where``); others are skipped.

        Raises:
            TimeoutError: none arrived within ``within`` seconds.
        """
        async with asyncio.timeout(within):
            while True:
                message = await self._inbox.get()
                if isinstance(message, kind) and (where is None or where(message)):
                    return message

    async def collect_until(
        self,
        kind: type[M],
        where: Callable[[M], bool] | None = None,
        *,
        within: float = 5.0,
    ) -> tuple[list[AnyMessage], M]:
        """Every message read before the first matching one, and that one."""
        before: list[AnyMessage] = []
        async with asyncio.timeout(within):
            while True:
                message = await self._inbox.get()
                if isinstance(message, kind) and (where is None or where(message)):
                    return before, message
                before.append(message)

    async def register(
        self, *, replica_id: UUID | None = None, within: float = 10.0
    ) -> ParticipantRegister:
        """Wait for a REGISTER (of ``replica_id`` if given) and acknowledge it, as ACM-R does."""
        register = await self.expect(
            ParticipantRegister,
            lambda r: replica_id is None or r.replica_id == replica_id,
            within=within,
        )
        await self.send(
            ParticipantRegisterAck(
                response_to=register.message_id,
                participant_id=register.participant_id,
                replica_id=register.replica_id,
                message="Participant Register Ack",
            )
        )
        return register

    async def probe(
        self, *, replica_id: UUID | None = None, within: float = 5.0
    ) -> list[AnyMessage]:
        """What the participant sent before answering a STATUS_REQ (heartbeats left out).

        This is how a test asserts that nothing was sent: whatever the participant would have
        sent in reply to earlier messages is published before its answer to this later one.
        """
        request = ParticipantStatusReq(
            participant_id=self._settings.participant_id,
            participant_id_list=[self._settings.participant_id],
        )
        await self.send(request)
        before, _status = await self.collect_until(
            ParticipantStatus,
            lambda s: (
                not s.automation_composition_info_list
                and not s.participant_definition_updates
                and (replica_id is None or s.replica_id == replica_id)
            ),
            within=within,
        )
        return [
            m
            for m in before
            if not (
                isinstance(m, ParticipantStatus)
                and not m.automation_composition_info_list
                and not m.participant_definition_updates
            )
            and not isinstance(m, ParticipantStatusReq | ParticipantRegisterAck | ParticipantSync)
        ]


def memory_transports(broker: MemoryBroker | None = None) -> TransportFactory:
    """Transports on one in-memory broker (a new one unless given)."""
    shared = broker or MemoryBroker()
    return lambda subscriptions: MemoryTransport(shared, subscriptions)


@asynccontextmanager
async def participant_under_test(
    handler: ElementHandler,
    settings: ParticipantSettings,
    *,
    register: bool = True,
    transports: TransportFactory | None = None,
    peer: RuntimePeer | None = None,
) -> AsyncIterator[tuple[ParticipantRuntime, RuntimePeer]]:
    """A started runtime and a peer reading what it sends, on an in-memory broker by default.

    ``transports`` builds a transport for a list of subscriptions (e.g. Kafka ones in
    integration tests). With ``register`` (the default) the peer acknowledges the first
    REGISTER and the helper waits until the runtime is registered. Pass ``peer`` to share one
    peer between several runtimes (replicas). Everything started here is stopped on exit.
    """
    transports = transports or memory_transports()
    own_peer = peer is None
    if peer is None:
        peer = RuntimePeer(
            transports([Subscription(settings.operation_topic, runtime_group())]), settings
        )
        await peer.start()
    runtime = ParticipantRuntime(settings, transports, handler)
    replica_id = runtime.replica_id
    await runtime.start()
    try:
        if register:
            await peer.register(replica_id=replica_id)
            # The STATUS sent on registration: consumed here, so tests start from a quiet inbox.
            await peer.expect(ParticipantStatus, lambda s: s.replica_id == replica_id, within=10)
        yield runtime, peer
    finally:
        await runtime.stop()
        if own_peer:
            await peer.stop()


def kafka_transports(bootstrap_servers: str) -> TransportFactory:
    """Kafka transports (PLAINTEXT) on ``bootstrap_servers``, with test-friendly timeouts."""
    from acm_participant.transport.kafka import KafkaTransport, KafkaTransportOptions
    from acm_participant.transport.kafka_settings import KafkaSettings

    settings = KafkaSettings(bootstrap_servers=(bootstrap_servers,), client_id="acm-test")
    options = KafkaTransportOptions(
        connect_timeout_s=20, publish_timeout_s=20, health_interval_s=0.5, stop_timeout_s=5
    )
    return lambda subscriptions: KafkaTransport(settings, subscriptions, options=options)


@asynccontextmanager
async def participant_with_driver(
    handler: ElementHandler,
    settings: ParticipantSettings,
    *,
    transports: TransportFactory | None = None,
    within: float = 10.0,
) -> AsyncIterator[tuple[ParticipantRuntime, AcmRuntimeDriver]]:
    """A started, registered runtime and the runtime-side driver playing ACM-R for whole
    scenarios (``driver.prime``, ``deploy_all_phases``, ``migrate_all_stages``, ...).

    On the in-memory broker unless ``transports`` says otherwise; both are stopped on exit.
    """
    transports = transports or memory_transports()
    driver = AcmRuntimeDriver(
        transports([Subscription(settings.operation_topic, runtime_group())]),
        operation_topic=settings.operation_topic,
        sync_topic=settings.sync_topic,
        timeout=within,
    )
    runtime = ParticipantRuntime(settings, transports, handler)
    async with driver:
        await runtime.start()
        try:
            async with asyncio.timeout(within):
                await runtime.registered.wait()
            yield runtime, driver
        finally:
            await runtime.stop()


class _SilentReporter:
    """A reporter that drops everything (for handler calls made outside a runtime)."""

    async def report_element_state(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def report_element_info(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def report_composition_info(self, *args: Any, **kwargs: Any) -> None:
        return None


def element_context(
    composition: CompositionElement,
    instance: InstanceElement,
    *,
    operation: str = "test",
    reporter: ElementReporter | None = None,
    updated: InstanceElement | None = None,
    target: CompositionElement | None = None,
    stage: int | None = None,
    deploy_state: DeployState | None = None,
    lock_state: LockState | None = None,
) -> ElementContext:
    """The context the runtime would give a handler, to call its operations directly."""
    return build_element_context(
        operation,
        composition,
        instance,
        reporter=reporter or _SilentReporter(),
        logger_name="acm_participant.testing",
        stage=stage,
        updated=updated,
        target=target,
        deploy_state=deploy_state,
        lock_state=lock_state,
    )
