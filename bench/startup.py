"""Start-up cost of `kserve-participant run`: time to REGISTER and to ready, and idle memory.

The participant runs as its own process against a local stack (real Kafka, kube-apiserver with
KServe's CRD); the bench plays ACM-R with the runtime-side driver, so "ready" means registered and
acknowledged (the readiness probe answers 200). Baseline, measured in the same run: a bare Python
interpreter that only imports the client libraries the participant is built on (aiokafka,
lightkube, pydantic, aiohttp, prometheus-client) - the floor any Python participant pays. For
reference, a third line: the same libraries each used once (``USED_ONCE``), after the same idle
settling as the participant. Last, for reference, ONAP's Java participant's start and idle memory
(``JAVA_REFERENCE``: measured once against a real API server, not reproducible here: no ONAP image
or jar is reachable from this machine).

    .venv/bin/python -m bench.startup [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx

from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka import KafkaTransport
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.devstack import Stack, StackInfo
from kserve_participant.devstack.processes import free_ports, resident_kib

CONTEXT = "/onap/policy/clamp/acm/kserveparticipant"
BASELINE_IMPORTS = "import aiokafka, lightkube, pydantic, aiohttp.web, prometheus_client"
IDLE_SETTLE_S = 10.0
# ONAP's Java KServe participant, measured against a real API server (ranges of its runs).
JAVA_REFERENCE = {"start_s": (5.5, 6.3), "idle_mib": (341, 349)}


@dataclass(frozen=True)
class Sample:
    register_s: float
    ready_s: float
    idle_rss_mib: float


def _rss_mib(pid: int) -> float:
    return resident_kib(pid) / 1024


def _config(directory: Path, operation: str, sync: str, port: int) -> Path:
    config = directory / f"application-{port}.yaml"
    config.write_text(
        "participant:\n"
        "  intermediaryParameters:\n"
        f"    topics: {{operationTopic: {operation}, syncTopic: {sync}}}\n"
        f"server: {{port: {port}, address: 127.0.0.1}}\n"
    )
    return config


async def _ready(port: int) -> None:
    url = f"http://127.0.0.1:{port}{CONTEXT}/health/readiness"
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.01)


async def participant_sample(info: StackInfo, directory: Path) -> Sample:
    operation, sync = f"op-{uuid4().hex[:8]}", f"sync-{uuid4().hex[:8]}"
    kafka = KafkaSettings(bootstrap_servers=(info.kafka_bootstrap,))
    await ensure_topics(kafka, [operation, sync])
    transport = KafkaTransport(kafka, [Subscription(operation, f"bench-{uuid4().hex[:8]}")])
    port = free_ports(1)[0]
    config = _config(directory, operation, sync, port)
    env = {**os.environ, "KAFKA_SERVER": info.kafka_bootstrap, "KUBECONFIG": str(info.kubeconfig)}
    executable = str(Path(sys.executable).with_name("kserve-participant"))
    async with AcmRuntimeDriver(transport, operation_topic=operation, sync_topic=sync) as driver:
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            executable,
            "run",
            "--config",
            str(config),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            await driver.wait_for_register(60)
            registered = time.monotonic()
            await asyncio.wait_for(_ready(port), 60)
            ready = time.monotonic()
            await asyncio.sleep(IDLE_SETTLE_S)  # idle: heartbeats only
            rss = _rss_mib(process.pid)
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)
    return Sample(registered - started, ready - started, rss)


def baseline_sample() -> Sample:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", f"{BASELINE_IMPORTS}; print('imported', flush=True); input()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()
        imported = time.monotonic() - started
        rss = _rss_mib(process.pid)
    finally:
        process.kill()
        process.wait()
    return Sample(imported, imported, rss)


# The same libraries, each used once as the participant uses it: a pydantic model validated,
# a Kafka producer started and one record sent, one Kubernetes GET, an HTTP server listening.
# What a participant pays beyond imports-only partly comes from here (first-use imports,
# clients, TLS contexts), not from its own code.
USED_ONCE = """
import asyncio, sys
import aiokafka, lightkube, pydantic, aiohttp.web, prometheus_client
from lightkube import AsyncClient, KubeConfig
from lightkube.resources.core_v1 import Namespace

class Probe(pydantic.BaseModel):
    name: str
    count: int = 0

async def main():
    Probe.model_validate_json(b'{"name": "x"}')
    producer = aiokafka.AIOKafkaProducer(bootstrap_servers=sys.argv[1])
    await producer.start()
    await producer.send_and_wait(sys.argv[2], b"x")
    client = AsyncClient(KubeConfig.from_file(sys.argv[3]).get())
    await client.get(Namespace, "default")
    runner = aiohttp.web.AppRunner(aiohttp.web.Application())
    await runner.setup()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", 0).start()
    print("used", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def used_once_sample(info: StackInfo) -> Sample:
    topic = f"used-{uuid4().hex[:8]}"
    await ensure_topics(KafkaSettings(bootstrap_servers=(info.kafka_bootstrap,)), [topic])
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        USED_ONCE,
        info.kafka_bootstrap,
        topic,
        str(info.kubeconfig),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        await asyncio.wait_for(process.stdout.readline(), 60)
        used = time.monotonic() - started
        await asyncio.sleep(IDLE_SETTLE_S)
        rss = _rss_mib(process.pid)
    finally:
        process.kill()
        await process.wait()
    return Sample(used, used, rss)


def _median(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.register_s for s in samples),
        statistics.median(s.ready_s for s in samples),
        statistics.median(s.idle_rss_mib for s in samples),
    )


async def run(runs: int, stack: Stack, directory: Path) -> None:
    # Interleaved, so that both sides see the same load of a shared machine.
    participant: list[Sample] = []
    baseline: list[Sample] = []
    used: list[Sample] = []
    for _ in range(runs):
        participant.append(await participant_sample(stack.info, directory))
        baseline.append(baseline_sample())
        used.append(await used_once_sample(stack.info))
    ours, floor, libraries = _median(participant), _median(baseline), _median(used)
    print(f"{'':<36}{'to REGISTER':>12}{'to ready':>10}{'idle RSS':>11}")
    for label, s in (
        ("kserve-participant run (median)", ours),
        ("baseline: imports only", floor),
        ("libraries used once (reference)", libraries),
    ):
        print(f"{label:<36}{s.register_s:>11.2f}s{s.ready_s:>9.2f}s{s.idle_rss_mib:>7.1f} MiB")
    print(
        f"ratio to libraries used once: ready {ours.ready_s / libraries.ready_s:.2f}x, "
        f"memory {ours.idle_rss_mib / libraries.idle_rss_mib:.2f}x"
    )
    start, idle = JAVA_REFERENCE["start_s"], JAVA_REFERENCE["idle_mib"]
    print(
        f"ONAP's Java participant (reference, not measured in this run): start {start[0]}-"
        f"{start[1]} s, idle {idle[0]}-{idle[1]} MiB; this run's participant: ready "
        f"{start[0] / ours.ready_s:.0f}-{start[1] / ours.ready_s:.0f}x sooner, "
        f"{idle[0] / ours.idle_rss_mib:.1f}-{idle[1] / ours.idle_rss_mib:.1f}x less memory"
    )
    print(
        f"ratio to baseline: REGISTER {ours.register_s / floor.register_s:.2f}x, "
        f"ready {ours.ready_s / floor.ready_s:.2f}x, "
        f"memory {ours.idle_rss_mib / floor.idle_rss_mib:.2f}x"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch,
        Stack(Path(scratch) / "stack") as stack,
    ):
        stack.start()
        asyncio.run(run(args.runs, stack, Path(scratch)))


if __name__ == "__main__":
    main()
