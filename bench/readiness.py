"""Readiness latency: from KServe writing Ready to the DEPLOY ack on Kafka, beside polling.

Run ``.venv/bin/python -m bench.readiness`` (options: ``--count``, ``--interval``,
``--spacing-ms``). It starts its own dev stack (Kafka, etcd, kube-apiserver with KServe's CRD;
no stand-in controller: the bench plays KServe's controller), then:

1. *watch* (this participant): ``kserve-participant run`` as a separate process; ACM-R's side
   (``AcmRuntimeDriver``, in this process) primes, then sends ``--count`` DEPLOYs (one instance,
   one InferenceService each) at once. When every InferenceService exists, the bench writes a
   Ready status to each one in turn (``--spacing-ms`` apart), recording t0 just before the status
   write; the figure is the time from t0 until the DEPLOY ack for that instance has been read from
   Kafka by a consumer of the bench (CLOCK_MONOTONIC is shared by both processes).
2. *poll* (baseline, how the Java participant waits): one waiter per InferenceService GETs it
   every ``--interval`` seconds (statusCheckInterval, 30 s by default in ONAP) until Ready; the
   same flips; the figure is t0 until the poller saw Ready. It has no Kafka hop, so it is a lower
   bound for an ack that follows a poll.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import yaml
from lightkube import AsyncClient, KubeConfig
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace
from lightkube.types import PatchType

from acm_participant.errors import DecodeError
from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    ToscaConceptIdentifier,
    ToscaNodeTemplate,
    decode,
)
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.sim.model import ElementSpec
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka import KafkaTransport
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.devstack import Stack, StackInfo
from kserve_participant.devstack.standin_status import Knobs, Phase, build_status
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.errors import NotFound
from kserve_participant.k8s.resources import InferenceServiceResource, lightkube_resource
from kserve_participant.k8s.watch import InferenceServiceWatch, Observed
from kserve_participant.kserve.readiness import Phase as Readiness
from kserve_participant.kserve.readiness import assess

ELEMENT_TYPE = "org.onap.policy.clamp.acm.KserveAutomationCompositionElement"
NODE_TEMPLATE = ToscaConceptIdentifier(
    name="onap.policy.clamp.ac.element.KserveAutomationCompositionElement", version="1.2.3"
)
EXECUTABLE = Path(sys.executable).with_name("kserve-participant")
PAYLOAD: dict[str, Any] = {
    "apiVersion": "serving.kserve.io/v1beta1",
    "kind": "InferenceService",
    "spec": {
        "predictor": {
            "model": {
                "modelFormat": {"name": "sklearn"},
                "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
            }
        }
    },
}


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
        self._watch.subscribe(self._heard)

    def _heard(self, key: tuple[str, str], seen: Observed) -> None:
        if key[1] not in self.at and assess(seen.obj).phase is Readiness.READY:
            self.at[key[1]] = time.monotonic()

    async def start(self, namespace: str) -> None:
        await self._watch.ensure_watching(namespace)

    async def stop(self) -> None:
        await self._watch.stop()


class Flipper:
    """Plays KServe's controller: writes a Ready status, recording when."""

    def __init__(self, api: AsyncClient, resource: InferenceServiceResource) -> None:
        self._api = api
        self._status_cls = lightkube_resource(resource).Status

    async def flip(self, namespace: str, names: list[str], spacing: float) -> dict[str, float]:
        t0: dict[str, float] = {}
        for name in names:
            status = build_status(
                Phase.READY,
                name=name,
                namespace=namespace,
                generation=1,
                knobs=Knobs(),
                previous=None,
                now=datetime.now(UTC),
            )
            t0[name] = time.monotonic()
            await self._api.patch(
                self._status_cls,
                name,
                {"status": status},
                namespace=namespace,
                patch_type=PatchType.MERGE,
            )
            await asyncio.sleep(spacing)
        return t0


async def _all_exist(client: K8sClient, namespace: str, names: list[str]) -> None:
    watch = InferenceServiceWatch(client)
    deadline = asyncio.get_running_loop().time() + 300
    try:
        await asyncio.gather(
            *(
                watch.wait_until(
                    namespace,
                    name,
                    lambda seen: True if seen.exists else None,
                    deadline=deadline,
                    resync_interval=30,
                )
                for name in names
            )
        )
    finally:
        await watch.stop()


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
    info: StackInfo, api: AsyncClient, namespace: str, count: int, spacing: float, run_dir: Path
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
            await driver.wait_for_register(timeout=60, participant_id=participant_id)
            composition_id = uuid4()
            template = ToscaNodeTemplate(
                name=NODE_TEMPLATE.name,
                version=NODE_TEMPLATE.version,
                type=ELEMENT_TYPE,
                type_version="1.0.1",
                properties={},
            )
            await driver.prime(composition_id, participant_id, [template], timeout=60)
            names = [f"watched-{i:03d}" for i in range(count)]
            instance_of: dict[UUID, str] = {}
            for name in names:
                instance_id = uuid4()
                instance_of[instance_id] = name
                entity = {
                    "kserveInferenceEntityId": {"name": name, "version": "1.0.0"},
                    "name": name,
                    "namespace": namespace,
                    "payload": PAYLOAD,
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
            async with AckClock(settings, topics[0], set(instance_of)) as clock:
                composition = driver.model.compositions[composition_id]
                for instance_id in instance_of:
                    instance = driver.model.instances[instance_id]
                    await driver.send(
                        driver.build.deploy(
                            composition, instance, start_phase=0, first_start_phase=True
                        )
                    )
                await _all_exist(client, namespace, names)
                seen = ReadySeen(client)
                await seen.start(namespace)
                t0 = await Flipper(api, client.resource).flip(namespace, names, spacing)
                async with asyncio.timeout(600):
                    acked_at = await clock.all_acked()
                await seen.stop()
            events = [seen.at[name] - t0[name] for name in names]
            print(_summary("  (the Ready event, seen by a watch)", events))
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
    info: StackInfo, api: AsyncClient, namespace: str, count: int, spacing: float, interval: float
) -> list[float]:
    client = K8sClient.from_kubeconfig(info.kubeconfig, InferenceServiceResource())
    try:
        names = [f"polled-{i:03d}" for i in range(count)]
        for name in names:
            await client.apply({**PAYLOAD, "metadata": {"name": name, "namespace": namespace}})
        seen_at: dict[str, float] = {}
        pollers = asyncio.gather(
            *(_poll_until_ready(client, namespace, n, interval, seen_at) for n in names)
        )
        t0 = await Flipper(api, client.resource).flip(namespace, names, spacing)
        await pollers
        return [seen_at[name] - t0[name] for name in names]
    finally:
        await client.close()


async def run(count: int, interval: float, spacing: float, stack: Stack) -> None:
    info = stack.info
    api = AsyncClient(KubeConfig.from_file(info.kubeconfig).get())
    try:
        for namespace in ("bench-watch", "bench-poll"):
            await api.create(Namespace(metadata=ObjectMeta(name=namespace)))
        watched = await measure_watch(info, api, "bench-watch", count, spacing, stack.run_dir)
        print(_summary("watch -> DEPLOY ack on Kafka", watched))
        polled = await measure_poll(info, api, "bench-poll", count, spacing, interval)
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
    parser.add_argument("--spacing-ms", type=float, default=10.0, help="time between flips")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-readiness-") as run_dir,
        Stack(Path(run_dir)) as stack,
    ):
        stack.start()
        print(
            f"{args.count} InferenceServices, flips {args.spacing_ms:g} ms apart, "
            f"baseline statusCheckInterval {args.interval:g} s"
        )
        asyncio.run(run(args.count, args.interval, args.spacing_ms / 1000, stack))


if __name__ == "__main__":
    main()
