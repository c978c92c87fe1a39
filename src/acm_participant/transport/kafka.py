"""The Kafka transport: the Java participant's topics, groups and keys over aiokafka.

One consumer per subscription (its own consumer group: the operation topic's shared group,
the sync topic's per-process group), ``auto_offset_reset="latest"``. Offsets are committed only
up to the first record the caller has not declared :meth:`~KafkaTransport.done` (at-least-once:
what a killed process was still working on is delivered again to the partition's next owner).
Revoked partitions are dropped from what is pending, their finished offsets committed first. One
producer; keys are UTF-8 strings. aiokafka reconnects by itself when the broker comes back; this
module watches the connection to tell the :class:`Observer`, bounds publishes with a deadline
and turns refused credentials into one clear :class:`TransportAuthError`. It never creates
topics (see :mod:`acm_participant.transport.kafka_admin`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import ConsumerStoppedError, KafkaError

from acm_participant.errors import TransportError
from acm_participant.observe import Observer
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Record, Subscription
from acm_participant.transport.kafka_probe import probe_broker
from acm_participant.transport.kafka_settings import KafkaSettings
from acm_participant.transport.start_wait import StartWait

__all__ = ["KafkaTransport", "KafkaTransportOptions"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KafkaTransportOptions:
    """Timing of the transport; the defaults suit a participant, tests shorten them."""

    # start() retries an unreachable broker with ``backoff`` until it answers; with a deadline,
    # it raises TransportError once no broker answered for this long.
    connect_timeout_s: float | None = None
    auth_attempts: int = 3  # rejected logins before start() raises TransportAuthError
    publish_timeout_s: float = 30.0  # publish() raises TransportError past this deadline
    join_timeout_s: float = 30.0  # start() waits this long for each consumer's first assignment
    health_interval_s: float = 5.0  # how often the connection is checked for the Observer
    commit_timeout_s: float = 5.0
    # On a rebalance, records in progress of the partitions leaving get this long to finish
    # (and be committed) before the partitions go; what is still running then is redelivered.
    revoke_grace_s: float = 10.0
    stop_timeout_s: float = 10.0
    backoff: Backoff = field(default_factory=Backoff)


@dataclass
class _Progress:
    """Records of one assigned partition handed to the caller and not yet done."""

    in_flight: set[int] = field(default_factory=set)
    done_up_to: int | None = None
    """One past the highest offset done so far."""

    def committable(self) -> int | None:
        """The offset to commit: the first one still in flight, else one past the last done."""
        return min(self.in_flight) if self.in_flight else self.done_up_to


@dataclass
class _Consumer:
    subscription: Subscription
    client: AIOKafkaConsumer
    joined: _Joined
    progress: dict[TopicPartition, _Progress] = field(default_factory=dict)
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    commit_wanted: asyncio.Event = field(default_factory=asyncio.Event)
    record_done: asyncio.Event = field(default_factory=asyncio.Event)

    async def finish_in_flight(self, partitions: Any, grace_s: float) -> None:
        """Wait, at most ``grace_s``, until no record of ``partitions`` is in progress."""

        def busy() -> bool:
            return any(
                (progress := self.progress.get(partition)) is not None and progress.in_flight
                for partition in partitions
            )

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_s):
                while busy():
                    self.record_done.clear()
                    await self.record_done.wait()

    def pending(self) -> dict[TopicPartition, int]:
        """What may be committed now and was not yet, for the partitions still assigned."""
        offsets: dict[TopicPartition, int] = {}
        for partition, progress in self.progress.items():
            offset = progress.committable()
            if offset is not None and offset > self.committed.get(partition, -1):
                offsets[partition] = offset
        return offsets


class _Joined(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    """Fixes the position of newly assigned partitions (committing it when the group has none,
    so that a record the first owner dies on is redelivered, not skipped by "latest"); commits
    what is finished of revoked partitions and forgets them; signals the first join."""

    def __init__(self, transport: KafkaTransport, options: KafkaTransportOptions) -> None:
        self.transport = transport
        self.commit_timeout_s = options.commit_timeout_s
        self.revoke_grace_s = options.revoke_grace_s
        self.consumer: _Consumer | None = None
        self.event = asyncio.Event()

    async def on_partitions_revoked(self, revoked: Any) -> None:
        consumer = self.consumer
        if consumer is None:
            return
        if not self.transport.stopping:
            # finish what is running rather than have the partitions' next owner run it again
            await consumer.finish_in_flight(revoked, self.revoke_grace_s)
        await self.transport.commit_pending(consumer)
        for partition in revoked:
            consumer.progress.pop(partition, None)
            consumer.committed.pop(partition, None)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        consumer = self.consumer
        if consumer is not None:
            for partition in assigned:
                # resolves "latest" now, so nothing published after start() is skipped
                consumer.progress.setdefault(partition, _Progress())
                position = await consumer.client.position(partition)
                if await consumer.client.committed(partition) is None:
                    await self._commit_start(consumer, partition, position)
        self.event.set()

    async def _commit_start(self, consumer: _Consumer, partition: Any, position: int) -> None:
        try:
            async with asyncio.timeout(self.commit_timeout_s):
                await consumer.client.commit({partition: position})
        except (KafkaError, TimeoutError) as exc:
            log.warning("Committing the start position of %s failed: %r", partition, exc)


class _Stopped:
    """Marks the end of the record stream."""


_STOPPED = _Stopped()


class KafkaTransport:
    """A :class:`~acm_participant.transport.base.Transport` over Apache Kafka (aiokafka)."""

    def __init__(
        self,
        settings: KafkaSettings,
        subscriptions: list[Subscription],
        observer: Observer | None = None,
        *,
        options: KafkaTransportOptions | None = None,
    ) -> None:
        self._settings = settings
        self._subscriptions = list(subscriptions)
        self._observer = observer or Observer()
        self._options = options or KafkaTransportOptions()
        self._producer: AIOKafkaProducer | None = None
        self._consumers: list[_Consumer] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._inbox: asyncio.Queue[tuple[_Consumer, Any] | _Stopped] = asyncio.Queue(maxsize=1)
        self._connected = False
        self._stopped = False

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def stopping(self) -> bool:
        return self._stopped

    async def start(self) -> None:
        """Connects (retrying an unreachable broker, see :class:`KafkaTransportOptions`), then
        starts the clients and waits for the consumers' first assignment."""
        options = self._options
        log.info("Connecting to Kafka %s", self._settings.describe())
        wait = StartWait(
            ",".join(self._settings.bootstrap_servers),
            deadline_s=options.connect_timeout_s,
            backoff=options.backoff,
            on_failure=self._observer.connect_failed,
        )
        delays = options.backoff.delays()
        while True:
            await probe_broker(
                self._settings,
                wait=wait,
                auth_attempts=options.auth_attempts,
                backoff=options.backoff,
            )
            try:
                await self._start_clients()
                break
            except KafkaError as exc:
                # the broker went away again, or is still starting: back to the probe
                await self._close_clients()
                wait.failed(f"Kafka client failed to start: {exc!r}")
                await asyncio.sleep(wait.clip(next(delays)))
            except BaseException:
                await self._close_clients()
                raise
        wait.connected()
        await self._await_joins()
        self._set_connected(True)
        for consumer in self._consumers:
            topic = consumer.subscription.topic
            self._spawn(self._consume(consumer), f"kafka-consume-{topic}")
            self._spawn(self._commit_handled(consumer), f"kafka-commit-{topic}")
        self._spawn(self._watch_connection(), "kafka-connection-watch")

    async def _start_clients(self) -> None:
        # Together: each client connects and reads metadata on its own, and the joins wait on
        # the group coordinator; one after the other they would add up before REGISTER.
        self._producer = AIOKafkaProducer(**self._settings.client_kwargs())
        consumer_kwargs = self._settings.consumer_kwargs()
        outcomes = await asyncio.gather(
            self._producer.start(),
            *(self._start_consumer(s, consumer_kwargs) for s in self._subscriptions),
            return_exceptions=True,
        )
        self._consumers.extend(c for c in outcomes if isinstance(c, _Consumer))
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome  # the caller closes the clients that did start

    async def _start_consumer(
        self, subscription: Subscription, kwargs: dict[str, Any]
    ) -> _Consumer:
        joined = _Joined(self, self._options)
        client = AIOKafkaConsumer(
            group_id=subscription.group,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            **kwargs,
        )
        consumer = _Consumer(subscription, client, joined)
        joined.consumer = consumer
        try:
            await client.start()
        except BaseException:
            await self._stop_client(client)
            raise
        client.subscribe([subscription.topic], listener=joined)
        return consumer

    async def _await_joins(self) -> None:
        for consumer in self._consumers:
            try:
                async with asyncio.timeout(self._options.join_timeout_s):
                    await consumer.joined.event.wait()
            except TimeoutError:
                log.warning(
                    "Consumer group %s has not joined topic %s after %g s (does the topic exist?);"
                    " consuming will start when it does",
                    consumer.subscription.group,
                    consumer.subscription.topic,
                    self._options.join_timeout_s,
                )

    def _spawn(self, coro: Any, name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for consumer in self._consumers:
            await self.commit_pending(consumer)
        await self._close_clients()
        self._drop_inbox()
        self._inbox.put_nowait(_STOPPED)

    async def _close_clients(self) -> None:
        clients: list[Any] = [c.client for c in self._consumers]
        if self._producer is not None:
            clients.append(self._producer)
        self._consumers = []
        self._producer = None
        for client in clients:
            await self._stop_client(client)

    async def _stop_client(self, client: Any) -> None:
        try:
            async with asyncio.timeout(self._options.stop_timeout_s):
                await client.stop()
        except (KafkaError, TimeoutError) as exc:
            log.warning("Kafka client did not stop cleanly: %r", exc)
        except asyncio.CancelledError:
            # aiokafka's fetcher can leak the cancellation of its own fetch task out of
            # close() after a reconnect; only a cancellation of this task must propagate.
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            log.warning("Kafka client did not stop cleanly: its fetcher was cancelled")

    def _drop_inbox(self) -> None:
        while not self._inbox.empty():
            self._inbox.get_nowait()

    async def publish(self, topic: str, value: bytes, *, key: str | None = None) -> None:
        if self._producer is None or self._stopped:
            raise TransportError(f"Kafka transport not running: cannot publish to {topic!r}")
        timeout_s = self._options.publish_timeout_s
        key_bytes = key.encode() if key is not None else None
        delays = self._options.backoff.delays()
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    try:
                        await self._producer.send_and_wait(topic, value, key=key_bytes)
                        self._set_connected(True)
                        return
                    except KafkaError as exc:
                        if not exc.retriable:
                            raise TransportError(
                                f"Kafka refused a record for {topic!r}: {exc!r}"
                            ) from exc
                        self._set_connected(False)
                        log.warning("Publish to %s failed (%r); retrying", topic, exc)
                        await asyncio.sleep(next(delays))
        except TimeoutError as exc:
            raise TransportError(
                f"Kafka did not acknowledge a record for {topic!r} within {timeout_s:g} s"
            ) from exc

    async def records(self) -> AsyncIterator[Record]:
        while True:
            item = await self._inbox.get()
            if isinstance(item, _Stopped):
                self._inbox.put_nowait(item)
                return
            consumer, message = item
            partition = TopicPartition(message.topic, message.partition)
            progress = consumer.progress.get(partition)
            if progress is None:
                if partition not in consumer.client.assignment():
                    continue  # fetched before its partition was revoked: its new owner reads it
                # fetched while the assignment callback was still running
                progress = consumer.progress.setdefault(partition, _Progress())
            progress.in_flight.add(message.offset)
            yield Record(
                topic=message.topic,
                value=message.value if message.value is not None else b"",
                key=message.key,
                partition=message.partition,
                offset=message.offset,
            )

    def done(self, record: Record) -> None:
        if record.partition is None or record.offset is None:
            return
        partition = TopicPartition(record.topic, record.partition)
        for consumer in self._consumers:
            progress = consumer.progress.get(partition)
            if progress is None or record.offset not in progress.in_flight:
                continue  # revoked meanwhile: the partition's new owner has it
            progress.in_flight.discard(record.offset)
            progress.done_up_to = max(progress.done_up_to or 0, record.offset + 1)
            consumer.commit_wanted.set()
            consumer.record_done.set()

    async def _consume(self, consumer: _Consumer) -> None:
        delays = self._options.backoff.delays()
        while True:
            try:
                message = await consumer.client.getone()
            except ConsumerStoppedError:
                return
            except KafkaError as exc:
                log.warning("Consuming %s failed (%r); retrying", consumer.subscription.topic, exc)
                await asyncio.sleep(next(delays))
                continue
            await self._inbox.put((consumer, message))

    async def _commit_handled(self, consumer: _Consumer) -> None:
        while True:
            await consumer.commit_wanted.wait()
            consumer.commit_wanted.clear()
            await self.commit_pending(consumer)

    async def commit_pending(self, consumer: _Consumer) -> None:
        """Commit what is done of the partitions this consumer still owns."""
        offsets = consumer.pending()
        if not offsets:
            return
        try:
            async with asyncio.timeout(self._options.commit_timeout_s):
                await consumer.client.commit(offsets)
        except (KafkaError, TimeoutError) as exc:
            # at-least-once: an uncommitted record is redelivered after a rebalance, never lost;
            # the next commit retries (only partitions still assigned are ever included)
            log.warning("Committing offsets of %s failed: %r", consumer.subscription.topic, exc)
            return
        for partition, offset in offsets.items():
            if partition in consumer.progress:
                consumer.committed[partition] = max(consumer.committed.get(partition, -1), offset)

    async def _watch_connection(self) -> None:
        interval = self._options.health_interval_s
        while True:
            await asyncio.sleep(interval)
            self._set_connected(await self._metadata_reachable(interval))

    async def _metadata_reachable(self, timeout_s: float) -> bool:
        assert self._producer is not None
        try:
            async with asyncio.timeout(timeout_s):
                return bool(await self._producer.client.force_metadata_update())
        except (KafkaError, TimeoutError):
            return False

    def _set_connected(self, connected: bool) -> None:
        if connected == self._connected:
            return
        was_started = self._tasks != []
        self._connected = connected
        self._observer.connection_changed(connected)
        if connected:
            if was_started:
                log.info("Kafka connection re-established")
                self._observer.reconnected()
        else:
            log.warning("Kafka connection lost; reconnecting in the background")
