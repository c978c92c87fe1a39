"""The fault suite: the participant on the real stack while its broker, its API server or its own
replicas fail, and under hostile input. Each scenario checks exactly one ack per order, the API
server's final state (every InferenceService there, none orphaned after undeploy), that commits
recover, and returns its figures.

`tests/integration/test_faults.py` runs each scenario reduced (in `make test`). The full sizes,
with a figures table for docs/reliability.md:

    .venv/bin/python -m tests.integration.faults            # starts its own stack
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from acm_participant.protocol import AutomationCompositionDeployAck
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.devstack import Stack
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.resources import InferenceServiceResource
from tests.integration import ops_support as ops
from tests.integration.fault_figures import HEADER, Figures, Measured, settled_uncommitted
from tests.integration.kserve_support import entity

__all__ = ["FULL", "REDUCED", "SCENARIOS", "Figures", "Sizes"]

MIB = 1024
Fault = Callable[[ops.ParticipantProcess], Awaitable[None]]
Scenario = Callable[[Stack, str, Path, "Sizes"], Coroutine[Any, Any, "Figures"]]


@dataclass(frozen=True)
class Sizes:
    deploys: int
    burst: int
    hostile: int


REDUCED = Sizes(deploys=3, burst=9, hostile=1_000)
FULL = Sizes(deploys=10, burst=50, hostile=10_000)


@dataclass
class Run:
    """One scenario's world: the stack, fresh topics, the driver, one participant id."""

    stack: Stack
    namespace: str
    tmp: Path
    topics: ops.Topics
    driver: AcmRuntimeDriver
    participant_id: UUID
    compositions: list[UUID]

    def config(self) -> dict[str, Any]:
        return ops.stack_config(self.stack.info, self.topics, participant_id=self.participant_id)

    def instances(self, count: int, *, prefix: str, ready_after_ms: int = 1500) -> list[UUID]:
        delay = f"{ready_after_ms / 1000:g}s"
        return [
            ops.kserve_instance(
                self.driver,
                self.compositions[index % len(self.compositions)],
                [entity(f"{prefix}-{index:02d}", self.namespace, ready_delay=delay)],
                timeout=180,
            )
            for index in range(count)
        ]

    def acks_of(self, instance_id: UUID, since: int = 0) -> list[AutomationCompositionDeployAck]:
        """The instance's acks among the messages received from position ``since`` on."""
        return [
            m
            for m in self.driver.received[since:]
            if isinstance(m, AutomationCompositionDeployAck)
            and m.automation_composition_id == instance_id
        ]

    async def names(self) -> list[str]:
        client = K8sClient.from_kubeconfig(self.stack.info.kubeconfig, InferenceServiceResource())
        try:
            items = (await client.list(self.namespace, labels={})).items
        finally:
            await client.close()
        return sorted(o["metadata"]["name"] for o in items)


@contextlib.asynccontextmanager
async def run_world(
    stack: Stack, namespace: str, tmp: Path, *, partitions: int = 1, compositions: int = 1
) -> AsyncIterator[Run]:
    topics = ops.Topics.fresh()
    await ensure_topics(
        KafkaSettings(bootstrap_servers=(stack.info.kafka_bootstrap,)),
        [topics.operation, topics.sync],
        partitions=partitions,
    )
    async with ops.runtime_driver(stack.info.kafka_bootstrap, topics) as driver:
        yield Run(stack, namespace, tmp, topics, driver, uuid4(), [])


async def _prime(run: Run, count: int) -> None:
    run.compositions = [
        await ops.prime_kserve(run.driver, run.participant_id) for _ in range(count)
    ]


@contextlib.asynccontextmanager
async def _primed_participant(
    stack: Stack, namespace: str, tmp: Path
) -> AsyncIterator[tuple[Run, ops.ParticipantProcess]]:
    """One ready participant on fresh topics, with one KServe composition primed."""
    async with (
        run_world(stack, namespace, tmp) as run,
        ops.participant_process(tmp, run.config()) as participant,
    ):
        await participant.wait_ready()
        await _prime(run, 1)
        yield run, participant


def _counts(run: Run, instances: list[UUID], since: int = 0) -> tuple[int, int, int]:
    """(orders never acked, repeats of an order's ack, acks contradicting an earlier one).

    A repeat is allowed (an order whose replica died after acking, before its offset was
    committed, runs again elsewhere: docs/operations.md, "Delivery"); a contradiction is not.
    """
    lost = repeated = conflicting = 0
    for instance_id in instances:
        answers = [
            (
                str(ack.state_change_result),
                *sorted(
                    str(entry.deploy_state)
                    for entry in ack.automation_composition_result_map.values()
                ),
            )
            for ack in run.acks_of(instance_id, since)
        ]
        lost += not answers
        repeated += sum(1 for answer in answers[1:] if answer == answers[0])
        conflicting += sum(1 for answer in answers[1:] if answer != answers[0])
    return lost, repeated, conflicting


async def _deploy_all(run: Run, instances: list[UUID]) -> list[Any]:
    return list(await asyncio.gather(*(run.driver.deploy(i, timeout=180) for i in instances)))


async def _undeploy_all_and_count_orphans(run: Run, instances: list[UUID]) -> int:
    await asyncio.gather(*(run.driver.undeploy(i, timeout=180) for i in instances))
    return len(await run.names())


async def _figures(
    run: Run, instances: list[UUID], participant: ops.ParticipantProcess, rss_start: int
) -> Measured:
    """Counts the acks, undeploys everything and counts what is left, measures memory."""
    lost, repeated, conflicting = _counts(run, instances)
    orphans = await _undeploy_all_and_count_orphans(run, instances)
    uncommitted = await settled_uncommitted(
        run.stack.info.kafka_bootstrap, run.topics.operation, run.topics.group
    )
    growth = (participant.rss_kib() - rss_start) / MIB
    return Measured(len(instances), lost, repeated, conflicting, orphans, uncommitted, growth)


def _signal_stack(stack: Stack, component: str, signum: signal.Signals) -> None:
    os.kill(stack.pids()[component], signum)


async def _outage_mid_deploy(
    stack: Stack,
    namespace: str,
    tmp: Path,
    sizes: Sizes,
    name: str,
    fault: Fault,
) -> Figures:
    async with _primed_participant(stack, namespace, tmp) as (run, participant):
        rss_start = participant.rss_kib()
        instances = run.instances(sizes.deploys, prefix=name[:6].replace(" ", "-"))
        deploying = asyncio.ensure_future(_deploy_all(run, instances))
        await fault(participant)
        recovered_at = time.monotonic()
        await deploying
        recovery = time.monotonic() - recovered_at
        figures = await _figures(run, instances, participant, rss_start)
    return figures.figures(name, recovery)


def _going(obj: dict[str, Any]) -> bool:
    return bool(obj.get("metadata", {}).get("deletionTimestamp"))


async def _deleting(run: Run, names: int) -> None:
    """Until the participant has started deleting: an InferenceService is going or gone."""
    client = K8sClient.from_kubeconfig(run.stack.info.kubeconfig, InferenceServiceResource())
    try:
        async with asyncio.timeout(120):
            listed = await client.list(run.namespace, labels={})
            if len(listed.items) < names or any(_going(o) for o in listed.items):
                return
            events = client.watch(
                run.namespace,
                resource_version=listed.resource_version,
                labels={},
                server_timeout=120,
            )
            async for event_type, obj in events:
                if event_type == "DELETED" or _going(obj):
                    return
    finally:
        await client.close()


async def _outage_mid_undeploy(
    stack: Stack,
    namespace: str,
    tmp: Path,
    sizes: Sizes,
    name: str,
    fault: Fault,
) -> Figures:
    async with _primed_participant(stack, namespace, tmp) as (run, participant):
        instances = run.instances(sizes.deploys, prefix=name[:6].replace(" ", "-"))
        await _deploy_all(run, instances)
        rss_start = participant.rss_kib()
        since = len(run.driver.received)
        undeploying = asyncio.gather(*(run.driver.undeploy(i, timeout=180) for i in instances))
        await _deleting(run, len(instances))
        await fault(participant)
        recovered_at = time.monotonic()
        await undeploying
        recovery = time.monotonic() - recovered_at
        orphans = len(await run.names())  # the API server is back: the fault has returned
        lost, repeated, conflicting = _counts(run, instances, since)
        undeployed = Measured(len(instances), lost, repeated, conflicting, orphans, 0, 0.0)
        # an order after the fault is served too (its offset commits behind the others')
        after = run.instances(1, prefix=f"after-{name[:6].replace(' ', '-')}")
        await _deploy_all(run, after)
        later = await _figures(run, after, participant, rss_start)
    return undeployed.followed_by(later).figures(name, recovery)


def _restarted(stop: Callable[[], None], start: Callable[[], None]) -> Fault:
    async def fault(_: ops.ParticipantProcess) -> None:
        await asyncio.to_thread(stop)
        await asyncio.to_thread(start)

    return fault


def _frozen(stack: Stack, process: str, health_component: str) -> Fault:
    async def fault(participant: ops.ParticipantProcess) -> None:
        _signal_stack(stack, process, signal.SIGSTOP)
        try:  # frozen until the participant notices
            await participant.wait_component(health_component, "DOWN", within=120)
        finally:
            _signal_stack(stack, process, signal.SIGCONT)

    return fault


def _outage(name: str, make_fault: Callable[[Stack], Fault], *, during: str = "deploy") -> Scenario:
    mid = _outage_mid_undeploy if during == "undeploy" else _outage_mid_deploy

    async def scenario(stack: Stack, namespace: str, tmp: Path, sizes: Sizes) -> Figures:
        return await mid(stack, namespace, tmp, sizes, name, make_fault(stack))

    return scenario


broker_killed = _outage("broker killed", lambda st: _restarted(st.stop_kafka, st.start_kafka))
broker_frozen = _outage("broker frozen", lambda st: _frozen(st, "kafka", "broker"))
apiserver_killed = _outage(
    "API server killed", lambda st: _restarted(st.stop_apiserver, st.start_apiserver)
)
apiserver_frozen = _outage(
    "API server frozen", lambda st: _frozen(st, "kube-apiserver", "kubernetes")
)
apiserver_killed_undeploy = _outage(
    "API server killed mid-undeploy",
    lambda st: _restarted(st.stop_apiserver, st.start_apiserver),
    during="undeploy",
)
apiserver_frozen_undeploy = _outage(
    "API server frozen mid-undeploy",
    lambda st: _frozen(st, "kube-apiserver", "kubernetes"),
    during="undeploy",
)


async def sigkill_restart(stack: Stack, namespace: str, tmp: Path, sizes: Sizes) -> Figures:
    async with run_world(stack, namespace, tmp) as run:
        async with ops.participant_process(tmp, run.config()) as first:
            await first.wait_ready()
            await _prime(run, 1)
            instances = run.instances(sizes.deploys, prefix="phoenix", ready_after_ms=3000)
            deploying = asyncio.ensure_future(_deploy_all(run, instances))

            async def started() -> bool | None:
                return True if "deploy started" in first.output() else None

            await ops.eventually(started, within=60, what="a deploy started")
            first.signal(signal.SIGKILL)
            await first.wait_exit()
        restarted_at = time.monotonic()
        async with ops.participant_process(tmp, run.config()) as second:
            await second.wait_ready()
            rss_start = second.rss_kib()
            await deploying
            recovery = time.monotonic() - restarted_at
            figures = await _figures(run, instances, second, rss_start)
    return figures.figures("SIGKILL + restart", recovery)


async def replicas_scaled_and_killed(
    stack: Stack, namespace: str, tmp: Path, sizes: Sizes
) -> Figures:
    async with (
        run_world(stack, namespace, tmp, partitions=3) as run,
        contextlib.AsyncExitStack() as processes,
    ):
        replicas = [
            await processes.enter_async_context(ops.participant_process(tmp, run.config()))
            for _ in range(2)
        ]
        for replica in replicas:
            await replica.wait_ready()
        await _prime(run, 6)
        rss_start = [replica.rss_kib() for replica in replicas]
        instances = run.instances(sizes.burst, prefix="burst")
        deploying = asyncio.ensure_future(_deploy_all(run, instances))
        joining = await processes.enter_async_context(ops.participant_process(tmp, run.config()))

        # Records are keyed by composition: 6 keys may leave one replica's partition without
        # any, so the replica killed is one that is deploying, whichever it is.
        async def deploying_replica() -> int | None:
            started = [i for i, r in enumerate(replicas) if "deploy started" in r.output()]
            return started[0] if started else None

        victim = await ops.eventually(deploying_replica, within=60, what="a replica deploying")
        survivor = 1 - victim
        replicas[victim].signal(signal.SIGKILL)
        await replicas[victim].wait_exit()
        killed_at = time.monotonic()
        await deploying
        recovery = time.monotonic() - killed_at
        await joining.wait_ready()
        figures = await _figures(run, instances, replicas[survivor], rss_start[survivor])
    return figures.figures("3 replicas, 1 joins, 1 killed", recovery)


async def hostile_records(stack: Stack, namespace: str, tmp: Path, sizes: Sizes) -> Figures:
    async with _primed_participant(stack, namespace, tmp) as (run, participant):
        rss_start = participant.rss_kib()
        transport = run.driver.transport
        long_name = "x" * 1000
        flood_started = time.monotonic()
        for index in range(sizes.hostile):
            value = (
                b"\xff\xfe not json"
                if index % 3 == 0
                else b'{"messageType": "AUTOMATION_COMPOSITION_DEPLOY", "participantIdList": 7}'
                if index % 3 == 1
                else f'{{"messageType": "{long_name}"}}'.encode()
            )
            await transport.publish(run.topics.operation, value)
        started = time.monotonic()
        (instance,) = run.instances(1, prefix="after")
        await run.driver.deploy(instance, timeout=180)
        recovery = time.monotonic() - started
        figures = await _figures(run, [instance], participant, rss_start)
        log_lines = participant.output().count("undecodable")
        # ten lines and one count per minute of flood (the log's rate limit)
        minutes = int((time.monotonic() - flood_started) // 60) + 1
        assert log_lines <= 11 * minutes, f"{log_lines} lines about undecodable records"
        assert long_name not in participant.output()
    return figures.figures(f"{sizes.hostile} hostile records", recovery)


SCENARIOS: dict[str, Scenario] = {
    "broker_killed": broker_killed,
    "broker_frozen": broker_frozen,
    "apiserver_killed": apiserver_killed,
    "apiserver_frozen": apiserver_frozen,
    "apiserver_killed_undeploy": apiserver_killed_undeploy,
    "apiserver_frozen_undeploy": apiserver_frozen_undeploy,
    "sigkill_restart": sigkill_restart,
    "replicas": replicas_scaled_and_killed,
    "hostile": hostile_records,
}


def _namespace(stack: Stack) -> str:
    from lightkube.models.meta_v1 import ObjectMeta
    from lightkube.resources.core_v1 import Namespace

    name = f"faults-{uuid4().hex[:6]}"
    client = stack.admin_client()
    try:
        client.create(Namespace(metadata=ObjectMeta(name=name)))
    finally:
        client.close()
    return name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The fault suite at full size, with figures.")
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO", help=", ".join(SCENARIOS))
    args = parser.parse_args(argv)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="faults-") as run_dir, Stack(Path(run_dir)) as stack:
        stack.start()
        rows = []
        for name in args.scenarios or list(SCENARIOS):
            figures = asyncio.run(SCENARIOS[name](stack, _namespace(stack), Path(run_dir), FULL))
            print(figures.row(), flush=True)
            rows.append(figures.row())
        print(HEADER, flush=True)
        print("\n".join(rows), flush=True)


if __name__ == "__main__":
    main()
