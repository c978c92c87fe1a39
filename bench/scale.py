"""Scale: N instances of K InferenceServices through the participant, beside direct API use.

Run ``.venv/bin/python -m bench.scale`` (``--instances 100 --per-instance 5`` by default). It
starts its own dev stack (Kafka, etcd, kube-apiserver with KServe's CRD, and the KServe
controller the stack provides), then in one run:

1. *baseline*: a minimal client (lightkube, admin credentials) creates the N x K InferenceServices
   at once, watches its namespace until every one is Ready, deletes them all (foreground, as the
   participant does) and watches until every one is gone. Its wall times are the API server's
   and the controller's own pace.
2. *participant*: ``kserve-participant run`` as its own process, authenticated as the stack's
   user ``participant``; ACM-R's side (``AcmRuntimeDriver`` over the real Kafka) primes, then sends
   the N DEPLOYs at once (one instance per DEPLOY, one element with K InferenceServices each) and
   waits for every ack; then the N UNDEPLOYs, then the N DELETEs. Wall times run from the first
   message sent to the last ack read.

It prints both wall times and their ratios, the participant's API requests by verb as the API
server's audit log recorded them (user ``participant``: whatever the participant or its
libraries sent), and the participant's RSS (before, peak, once all are tracked, after the
delete). The last line is ``ratio participant/baseline: deploy X.XX, undeploy Y.YY``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import httpx2
import yaml
from lightkube import AsyncClient, Client, KubeConfig
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace
from lightkube.types import CascadeType

from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.sim.model import ElementSpec
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka import KafkaTransport
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from bench.kserve_composition import EXECUTABLE, NODE_TEMPLATE, PAYLOAD, prime_kserve
from kserve_participant.devstack import Stack, StackInfo
from kserve_participant.devstack.access import grant_participant, write_participant_kubeconfig
from kserve_participant.devstack.audit import audited_requests
from kserve_participant.devstack.processes import free_ports, resident_kib
from kserve_participant.k8s.resources import InferenceServiceResource, lightkube_resource

RESOURCE = "inferenceservices"
FOREGROUND = CascadeType.FOREGROUND
CONTEXT = "/onap/policy/clamp/acm/kserveparticipant"
METRICS_LOGIN = ("bench", secrets.token_hex(8))
PROFILE = os.environ.get("KSP_SCALE_PROFILE", "")
SETTLE_S = 3.0  # lets memory settle before an RSS figure is taken


def _ready(obj: dict[str, Any]) -> bool:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


class NamespaceView:
    """The baseline's watch: which InferenceServices of one namespace exist and are Ready."""

    def __init__(self, api: AsyncClient, namespace: str) -> None:
        self._api = api
        self._namespace = namespace
        self._cls = lightkube_resource(InferenceServiceResource())
        self.ready: set[str] = set()
        self.present: set[str] = set()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _follow(self) -> None:
        async for event, obj in self._api.watch(self._cls, namespace=self._namespace):
            name = obj["metadata"]["name"]
            if event == "DELETED":
                self.present.discard(name)
                self.ready.discard(name)
            else:
                self.present.add(name)
                (self.ready.add if _ready(obj) else self.ready.discard)(name)
            self._changed.set()

    async def until(self, done: Any) -> None:
        while not done():
            await self._changed.wait()
            self._changed.clear()


async def baseline(info: StackInfo, namespace: str, names: list[str]) -> tuple[float, float]:
    """Create every InferenceService, watch until all Ready; delete all, watch until all gone."""
    # Hundreds of requests queue for the client's connection pool: no timeout while queued.
    api = AsyncClient(KubeConfig.from_file(info.kubeconfig).get(), timeout=httpx2.Timeout(None))
    cls = lightkube_resource(InferenceServiceResource())
    view = NamespaceView(api, namespace)
    wanted = set(names)
    try:
        await view.start()
        started = time.monotonic()
        await asyncio.gather(
            *(
                api.create(cls(**{**PAYLOAD, "metadata": {"name": n, "namespace": namespace}}))
                for n in names
            )
        )
        await view.until(lambda: wanted <= view.ready)
        deployed = time.monotonic()
        # Foreground, as the participant deletes: gone means KServe's Deployments and pods too.
        await asyncio.gather(
            *(api.delete(cls, n, namespace=namespace, cascade=FOREGROUND) for n in names)
        )
        await view.until(lambda: not wanted & view.present)
        return deployed - started, time.monotonic() - deployed
    finally:
        await view.stop()
        await api.close()


class RssSampler:
    """The participant's VmRSS every 50 ms; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self.peak_kib = 0
        self._task: asyncio.Task[None] | None = None

    def cpu_s(self) -> float:
        """User + system CPU seconds the participant used so far."""
        fields = Path(f"/proc/{self._pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def now_mib(self) -> float:
        kib = resident_kib(self._pid)
        self.peak_kib = max(self.peak_kib, kib)
        return kib / 1024

    async def __aenter__(self) -> RssSampler:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _sample(self) -> None:
        while True:
            self.now_mib()
            await asyncio.sleep(0.05)


@dataclass
class ParticipantRun:
    deploy_s: float = 0.0
    undeploy_s: float = 0.0
    delete_s: float = 0.0
    rss_mib: dict[str, float] = field(default_factory=dict)
    cpu_s: float = 0.0  # from the first DEPLOY to the last DELETE ack
    later_cycles_mib: list[float] = field(default_factory=list)  # RSS after each further cycle
    entries: dict[str, dict[str, int]] = field(default_factory=dict)


async def _tracked_entries(port: int) -> dict[str, int]:
    """The participant's ``tracked_entries`` gauges, from its Prometheus endpoint."""
    url = f"http://127.0.0.1:{port}{CONTEXT}/prometheus"
    async with httpx.AsyncClient(auth=METRICS_LOGIN) as client:
        response = await client.get(url)
        response.raise_for_status()
        text = response.text
    found: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith("kserve_participant_tracked_entries{"):
            labels, value = line.rsplit(" ", 1)
            found[labels.split('"')[1]] = int(float(value))
    return found


def _participant_config(info: StackInfo, kubeconfig: Path, namespace: str, ids: Any) -> str:
    participant_id, topics, port = ids
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
        "server": {"port": port, "address": "127.0.0.1"},
        "spring": {"security": {"user": {"name": METRICS_LOGIN[0], "password": METRICS_LOGIN[1]}}},
        "kserveParticipant": {
            "kubeconfig": str(kubeconfig),
            "watchScope": "namespace",
            "namespaces": [namespace],
        },
    }
    return yaml.safe_dump(config)


def _properties(namespace: str, instance: int, per_instance: int) -> dict[str, Any]:
    entities = [
        {
            "kserveInferenceEntityId": {"name": f"s{instance:04d}-{k}", "version": "1.0.0"},
            "name": f"s{instance:04d}-{k}",
            "namespace": namespace,
            "payload": PAYLOAD,
        }
        for k in range(per_instance)
    ]
    return {
        "kserveInferenceEntities": entities,
        "uninitializedToPassiveTimeout": 1800,
        "statusCheckInterval": 60,
    }


def _all_ok(acks: list[Any], what: str) -> None:
    failed = [a for a in acks if a.state_change_result != "NO_ERROR"]
    if failed:
        raise RuntimeError(f"{what}: {len(failed)} ack(s) not NO_ERROR, first: {failed[0]}")


async def participant(
    info: StackInfo,
    namespace: str,
    instances: int,
    per_instance: int,
    run_dir: Path,
    cycles: int = 1,
) -> ParticipantRun:
    participant_id, suffix = uuid4(), uuid4().hex[:8]
    topics = (f"scale-op-{suffix}", f"scale-sync-{suffix}")
    kafka = KafkaSettings(bootstrap_servers=(info.kafka_bootstrap,))
    await ensure_topics(kafka, list(topics))
    kubeconfig = write_participant_kubeconfig(run_dir / "participant.kubeconfig", info)
    config = run_dir / "scale-participant.yaml"
    port = free_ports(1)[0]
    ids = (participant_id, topics, port)
    config.write_text(_participant_config(info, kubeconfig, namespace, ids))
    log = (run_dir / "scale-participant.log").open("wb")
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    command = [str(EXECUTABLE), "run", "--config", str(config)]
    if PROFILE:  # where the participant's CPU goes (cProfile stats written at its exit)
        command = [sys.executable, "-m", "cProfile", "-o", PROFILE, *command]
    process = await asyncio.create_subprocess_exec(*command, stdout=log, stderr=log, env=env)
    transport = KafkaTransport(kafka, [Subscription(topics[0], f"scale-acm-{suffix}")])
    driver = AcmRuntimeDriver(
        transport, operation_topic=topics[0], sync_topic=topics[1], timeout=1800
    )
    result = ParticipantRun()
    try:
        async with driver, RssSampler(process.pid) as rss:
            composition_id = await prime_kserve(driver, participant_id, within=120)
            instance_ids: list[UUID] = []
            for i in range(instances):
                instance_ids.append(uuid4())
                spec = ElementSpec(NODE_TEMPLATE, _properties(namespace, i, per_instance))
                driver.add_instance(instance_ids[-1], composition_id, [spec])
            await asyncio.sleep(SETTLE_S)
            result.rss_mib["fresh"] = rss.now_mib()
            result.entries["fresh"] = await _tracked_entries(port)
            # One instance through its whole life first: what its first DEPLOY loads (wire
            # schemas built on first use, connection pools, buffers) is paid once, not per
            # object, and must not count as growth or as memory left after the delete.
            warm_up = uuid4()
            spec = ElementSpec(NODE_TEMPLATE, _properties(namespace, instances, per_instance))
            driver.add_instance(warm_up, composition_id, [spec])
            for step in ("deploy", "undeploy", "delete"):
                _all_ok(await getattr(driver, step)(warm_up), f"warm-up {step}")
            await asyncio.sleep(SETTLE_S)
            result.rss_mib["before"] = rss.now_mib()
            cpu_before = rss.cpu_s()
            result.entries["before"] = await _tracked_entries(port)
            rss.peak_kib = 0

            for step in ("deploy", "undeploy", "delete"):
                started = time.monotonic()
                acks = await asyncio.gather(*(getattr(driver, step)(i) for i in instance_ids))
                setattr(result, f"{step}_s", time.monotonic() - started)
                _all_ok([a for batch in acks for a in batch], step)
                if step == "deploy":
                    await asyncio.sleep(SETTLE_S)
                    result.rss_mib["tracked"] = rss.now_mib()
                    result.entries["tracked"] = await _tracked_entries(port)
            result.cpu_s = rss.cpu_s() - cpu_before
            result.rss_mib["peak"] = rss.peak_kib / 1024
            await asyncio.sleep(SETTLE_S)
            result.rss_mib["after"] = rss.now_mib()
            result.entries["after"] = await _tracked_entries(port)
            for _ in range(1, cycles):  # the same again: does memory keep growing?
                again = [uuid4() for _ in range(instances)]
                for i, instance_id in enumerate(again):
                    spec = ElementSpec(NODE_TEMPLATE, _properties(namespace, i, per_instance))
                    driver.add_instance(instance_id, composition_id, [spec])
                for step in ("deploy", "undeploy", "delete"):
                    await asyncio.gather(*(getattr(driver, step)(i) for i in again))
                await asyncio.sleep(SETTLE_S)
                result.later_cycles_mib.append(rss.now_mib())
        return result
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        await process.wait()
        log.close()


def _requests_report(info: StackInfo, namespace: str, count: int) -> list[str]:
    assert info.audit_log is not None
    requests = audited_requests(info.audit_log)
    ours = [r for r in requests if r.resource == RESOURCE and r.namespace == namespace]
    verbs = Counter(r.verb for r in ours)
    per_namespace = verbs["list"] + verbs["watch"]
    per_object = sum(n for verb, n in verbs.items() if verb not in ("list", "watch"))
    others = Counter(f"{r.verb} {r.resource or '(discovery)'}" for r in requests if r not in ours)
    by_verb = ", ".join(f"{verb} {n}" for verb, n in sorted(verbs.items()))
    return [
        "API requests of the participant, from the API server's audit log (user participant):",
        f"  {RESOURCE} in {namespace}: {by_verb}",
        f"  per InferenceService (all but list/watch): {per_object / count:.2f}"
        f"   list+watch for the namespace: {per_namespace}",
        "  other requests: "
        + (", ".join(f"{what} {n}" for what, n in sorted(others.items())) or "none"),
    ]


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} cores"


async def run(stack: Stack, instances: int, per_instance: int, cycles: int = 1) -> None:
    info = stack.info
    count = instances * per_instance
    suffix = uuid4().hex[:6]
    ns_base, ns_ppnt = f"scale-base-{suffix}", f"scale-ppnt-{suffix}"
    with Client(KubeConfig.from_file(info.kubeconfig).get()) as admin:
        for name in (ns_base, ns_ppnt):
            admin.create(Namespace(metadata=ObjectMeta(name=name)))
        grant_participant(admin, ns_ppnt)
    print(f"{instances} instances x {per_instance} InferenceServices = {count}; {_load()}")
    names = [f"s{i:04d}-{k}" for i in range(instances) for k in range(per_instance)]
    base_deploy, base_undeploy = await baseline(info, ns_base, names)
    print(f"{'':<30}{'deploy':>10}{'undeploy':>10}{'delete':>10}")
    print(f"{'baseline (direct API)':<30}{base_deploy:>9.2f}s{base_undeploy:>9.2f}s")
    ours = await participant(info, ns_ppnt, instances, per_instance, stack.run_dir, cycles)
    print(
        f"{'participant (through ACM)':<30}{ours.deploy_s:>9.2f}s{ours.undeploy_s:>9.2f}s"
        f"{ours.delete_s:>9.2f}s"
    )
    print(
        f"participant CPU, deploy to delete: {ours.cpu_s:.1f} s "
        f"({ours.cpu_s / count * 1000:.1f} ms per InferenceService)"
    )
    # every InferenceService the participant handled: the warm-up instance's too
    for line in _requests_report(info, ns_ppnt, count * cycles + per_instance):
        print(line)
    rss = ours.rss_mib
    growth = (rss["tracked"] - rss["before"]) * 1.048576 / count * 1000  # MiB -> MB per 1000
    print(
        f"participant RSS: fresh {rss['fresh']:.1f} MiB, after a warm-up instance (before) "
        f"{rss['before']:.1f}, peak {rss['peak']:.1f}, {count} tracked {rss['tracked']:.1f}, "
        f"after delete {rss['after']:.1f} ({(rss['after'] / rss['before'] - 1) * 100:+.1f}% of "
        f"before, {(rss['after'] / rss['fresh'] - 1) * 100:+.1f}% of fresh)"
    )
    print(f"  growth per 1000 tracked InferenceServices: {growth:.1f} MB; {_load()}")
    if ours.later_cycles_mib:
        later = ", ".join(f"{mib:.1f}" for mib in ours.later_cycles_mib)
        print(f"  after delete in cycles 2..{cycles}: {later} MiB")
    print("participant structures (tracked_entries), fresh / before / all tracked / after delete:")
    for structure in sorted(ours.entries["tracked"]):
        sizes = " / ".join(str(ours.entries[at].get(structure, 0)) for at in ours.entries)
        print(f"  {structure}: {sizes}")
    print(
        f"ratio participant/baseline: deploy {ours.deploy_s / base_deploy:.2f}, "
        f"undeploy {ours.undeploy_s / base_undeploy:.2f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100)
    parser.add_argument("--per-instance", type=int, default=5)
    parser.add_argument("--keep-log", type=Path, help="copy the participant's log here")
    parser.add_argument("--cycles", type=int, default=1, help="deploy-undeploy-delete rounds")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-scale-") as run_dir,
        Stack(Path(run_dir)) as stack,
    ):
        stack.start()
        try:
            asyncio.run(run(stack, args.instances, args.per_instance, args.cycles))
        finally:
            if args.keep_log is not None:
                shutil.copy(stack.run_dir / "scale-participant.log", args.keep_log)
                if stack.info.audit_log is not None:
                    shutil.copy(stack.info.audit_log, args.keep_log.with_suffix(".audit.log"))


if __name__ == "__main__":
    main()
