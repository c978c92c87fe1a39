"""Readiness latency: from KServe writing Ready to the DEPLOY ack on Kafka, beside polling.

Run ``.venv/bin/python -m bench.readiness`` (options: ``--count``, ``--interval``,
``--spacing-ms``). It starts its own dev stack (Kafka, Kubernetes, KWOK and KServe's own
controller), then:

1. *watch* (this participant): ``kserve-participant run`` as a separate process; ACM-R's side
   (``AcmRuntimeDriver``, in this process) primes, then sends ``--count`` DEPLOYs (one instance,
   one InferenceService each) at once. Each InferenceService's pod becomes ready after its own
   KWOK delay (``--spacing-ms`` apart, after a lead time), so KServe writes Ready for one after
   the other. t0 is when a watch of the bench sees KServe's Ready write; the figure is the time
   from t0 until the DEPLOY ack for that instance has been read from Kafka by a consumer of the
   bench (CLOCK_MONOTONIC is shared by both processes).
2. *poll* (baseline, how the Java participant waits): the same InferenceServices, created by the
   bench; one waiter per InferenceService GETs it every ``--interval`` seconds
   (statusCheckInterval, 30 s by default in ONAP) until Ready; the figure is t0 (the same kind of
   watch) until the poller saw Ready. It has no Kafka hop, so it is a lower bound for an ack that
   follows a poll.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import yaml
from lightkube import AsyncClient, KubeConfig
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace

from acm_participant.errors import DecodeError
from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    decode,
)
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.sim.model import ElementSpec
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka import KafkaTransport
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from bench.kserve_composition import EXECUTABLE, NODE_TEMPLATE, PAYLOAD, prime_kserve
from kserve_participant.devstack import Stack, StackInfo
from kserve_participant.devstack.cache import KSERVE_VERSION
from kserve_participant.devstack.faults import with_pod_fault
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.errors import NotFound
from kserve_participant.k8s.resources import InferenceServiceResource
from kserve_participant.k8s.watch import InferenceServiceWatch, Observed
from kserve_participant.kserve.readiness import Phase as Readiness
from kserve_participant.kserve.readiness import assess

LEAD_SECONDS = 10.0  # every InferenceService is created before the first pod becomes ready


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def _summary(label: str, latencies: list[float]) -> str:
    ms = [v * 1000 for v in latencies]
    return (
        f"{label:<34} n={len(ms):<4} p50={_percentile(ms, 0.50):9.1f} ms  "
        f"p99={_percentile(ms, 0.99):9.1f} ms  max={max(ms):9.1f} ms  "
        f"mean={statistics.fmean(ms):9.1f} ms"
    )


class AckClock:
    """Records when each instance's DEPLOY ack is read from Kafka (NO_ERROR expected)."""

    def __init__(self, settings: KafkaSettings, topic: str, instances: set[UUID]) -> None:
        self._transport = KafkaTransport(
            settings, [Subscription(topic, f"bench-clock-{uuid4().hex[:8]}")]
        )
        self._waiting = set(instances)
        self.acked_at: dict[UUID, float] = {}
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AckClock:
        await self._transport.start()
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._transport.stop()

    async def _read(self) -> None:
        async for record in self._transport.records():
            arrived = time.monotonic()
            try:
                message = decode(record.value)
            except DecodeError:
                continue
            if not isinstance(message, AutomationCompositionDeployAck):
                continue
            instance_id = message.automation_composition_id
            if instance_id not in self._waiting:
                continue
            if message.state_change_result != "NO_ERROR":
                raise RuntimeError(f"deploy of {instance_id} failed: {message}")
            self._waiting.discard(instance_id)
            self.acked_at[instance_id] = arrived
            if not self._waiting:
                self._done.set()

    async def all_acked(self) -> dict[UUID, float]:
        await self._done.wait()
        return self.acked_at


class ReadySeen:
    """When a watch of the bench's own first sees each object Ready: the API server's share."""

    def __init__(self, client: K8sClient) -> None:
        self._watch = InferenceServiceWatch(client)
        self.at: dict[str, float] = {}
        self._changed = asyncio.Event()
        self._watch.subscribe(self._heard)

    def _heard(self, key: tuple[str, str], seen: Observed) -> None:
        if key[1] not in self.at and assess(seen.obj).phase is Readiness.READY:
            self.at[key[1]] = time.monotonic()
            self._changed.set()

    async def all_of(self, names: list[str]) -> None:
        """Return once each of ``names`` has been seen Ready."""
        while not all(name in self.at for name in names):
            self._changed.clear()
            await self._changed.wait()

    async def start(self, namespace: str) -> None:
        await self._watch.ensure_watching(namespace)

    async def stop(self) -> None:
        await self._watch.stop()


def _payloads(names: list[str], spacing: float) -> dict[str, dict[str, Any]]:
    """Each InferenceService's pod becomes ready ``spacing`` after the previous one's."""
    return {
        name: with_pod_fault(PAYLOAD, ready_delay=f"{(LEAD_SECONDS + i * spacing) * 1000:.0f}ms")
        for i, name in enumerate(names)
    }


async def _ready_seen(seen: ReadySeen, names: list[str]) -> dict[str, float]:
    async with asyncio.timeout(LEAD_SECONDS + 600):
        await seen.all_of(names)
    return seen.at


def _participant_config(info: StackInfo, participant_id: UUID, topics: tuple[str, str]) -> str:
    config = {
        "participant": {
            "intermediaryParameters": {
                "participantId": str(participant_id),
                "topics": {"operationTopic": topics[0], "syncTopic": topics[1]},
                "kafka": {
                    "bootstrapServers": info.kafka_bootstrap,
                    "consumer": {"groupId": f"bench-ppnt-{participant_id.hex[:8]}"},
                },
            }
        },
        "server": {"port": 0, "address": "127.0.0.1"},
        "kserveParticipant": {"kubeconfig": str(info.kubeconfig), "watchScope": "cluster"},
    }
    return yaml.safe_dump(config)


async def measure_watch(
    info: StackInfo, namespace: str, count: int, spacing: float, run_dir: Path
) -> list[float]:
    participant_id = uuid4()
    suffix = uuid4().hex[:8]
    topics = (f"bench-op-{suffix}", f"bench-sync-{suffix}")
    settings = KafkaSettings(bootstrap_servers=(info.kafka_bootstrap,))
    await ensure_topics(settings, list(topics))
    config_file = run_dir / "bench-participant.yaml"
    config_file.write_text(_participant_config(info, participant_id, topics))
    log = (run_dir / "bench-participant.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        str(EXECUTABLE), "run", "--config", str(config_file), stdout=log, stderr=log
    )
    transport = KafkaTransport(settings, [Subscription(topics[0], f"bench-acm-{suffix}")])
    driver = AcmRuntimeDriver(transport, operation_topic=topics[0], sync_topic=topics[1])
    client = K8sClient.from_kubeconfig(info.kubeconfig, InferenceServiceResource())
    try:
        async with driver:
            composition_id = await prime_kserve(driver, participant_id, within=60)
            names = [f"watched-{i:03d}" for i in range(count)]
            payloads = _payloads(names, spacing)
            instance_of: dict[UUID, str] = {}
            for name in names:
                instance_id = uuid4()
                instance_of[instance_id] = name
                entity = {
                    "kserveInferenceEntityId": {"name": name, "version": "1.0.0"},
                    "name": name,
                    "namespace": namespace,
                    "payload": payloads[name],
                }
                properties = {
                    "kserveInferenceEntities": [entity],
                    "uninitializedToPassiveTimeout": 600,
                    "statusCheckInterval": 30,
                }
                driver.add_instance(
                    instance_id,
                    composition_id,
                    [ElementSpec(definition=NODE_TEMPLATE, properties=properties)],
                )
            # Acks are timestamped by a consumer of their own: the driver's waiters rescan its
            # inbox on every message, which would load this process while it measures.
            seen = ReadySeen(client)
            await seen.start(namespace)
            async with AckClock(settings, topics[0], set(instance_of)) as clock:
                composition = driver.model.compositions[composition_id]
                for instance_id in instance_of:
                    instance = driver.model.instances[instance_id]
                    await driver.send(
                        driver.build.deploy(
                            composition, instance, start_phase=0, first_start_phase=True
                        )
                    )
                t0 = await _ready_seen(seen, names)
                async with asyncio.timeout(600):
                    acked_at = await clock.all_acked()
                await seen.stop()
            return [acked_at[i] - t0[instance_of[i]] for i in instance_of]
    finally:
        await client.close()
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        await process.wait()
        log.close()


async def _poll_until_ready(
    client: K8sClient, namespace: str, name: str, interval: float, seen_at: dict[str, float]
) -> None:
    """The Java participant's way: GET, check, sleep statusCheckInterval, repeat.

    Deploys start at unrelated times, so each poller's phase relative to the flip is random."""
    phase = random.uniform(0, interval)
    while True:
        try:
            obj: dict[str, Any] | None = await client.get(namespace, name)
        except NotFound:
            obj = None
        if assess(obj).phase is Readiness.READY:
            seen_at[name] = time.monotonic()
            return
        await asyncio.sleep(phase or interval)
        phase = 0


async def measure_poll(
    info: StackInfo, namespace: str, count: int, spacing: float, interval: float
) -> list[float]:
    client = K8sClient.from_kubeconfig(info.kubeconfig, InferenceServiceResource())
    seen = ReadySeen(client)
    try:
        await seen.start(namespace)
        names = [f"polled-{i:03d}" for i in range(count)]
        for name, payload in _payloads(names, spacing).items():
            await client.apply({**payload, "metadata": {"name": name, "namespace": namespace}})
        seen_at: dict[str, float] = {}
        await asyncio.gather(
            *(_poll_until_ready(client, namespace, n, interval, seen_at) for n in names)
        )
        t0 = await _ready_seen(seen, names)
        return [seen_at[name] - t0[name] for name in names]
    finally:
        await seen.stop()
        await client.close()


async def run(count: int, interval: float, spacing: float, stack: Stack) -> None:
    info = stack.info
    api = AsyncClient(KubeConfig.from_file(info.kubeconfig).get())
    try:
        for namespace in ("bench-watch", "bench-poll"):
            await api.create(Namespace(metadata=ObjectMeta(name=namespace)))
        watched = await measure_watch(info, "bench-watch", count, spacing, stack.run_dir)
        print(_summary("watch -> DEPLOY ack on Kafka", watched))
        polled = await measure_poll(info, "bench-poll", count, spacing, interval)
        print(_summary(f"poll every {interval:g} s -> Ready seen", polled))
        print(
            "ratio poll / watch: "
            f"p50 {_percentile(polled, 0.50) / _percentile(watched, 0.50):,.0f}x, "
            f"p99 {_percentile(polled, 0.99) / _percentile(watched, 0.99):,.0f}x"
        )
    finally:
        await api.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--interval", type=float, default=30.0, help="baseline poll interval, s")
    parser.add_argument(
        "--spacing-ms", type=float, default=10.0, help="time between pods becoming ready"
    )
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-readiness-") as run_dir,
        Stack(Path(run_dir)) as stack,
    ):
        stack.start()
        print(
            f"{args.count} InferenceServices on KServe {KSERVE_VERSION}, pods ready "
            f"{args.spacing_ms:g} ms apart, "
            f"baseline statusCheckInterval {args.interval:g} s"
        )
        asyncio.run(run(args.count, args.interval, args.spacing_ms / 1000, stack))


if __name__ == "__main__":
    main()
