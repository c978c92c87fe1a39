"""Runs `kserve-participant run` as a real process against the dev stack, for the ops tests.

Each participant gets its own operation/sync topics and consumer group, an HTTP port of its own
and a log file; the runtime side is played by ``AcmRuntimeDriver`` over Kafka. Waits poll an
observable (an HTTP endpoint, the log file, a message) under a deadline, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import httpx
import yaml

from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    ToscaConceptIdentifier,
    ToscaNodeTemplate,
)
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.sim.model import ElementSpec
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka import KafkaTransport, KafkaTransportOptions
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.config.loading import deep_merge
from kserve_participant.devstack.info import StackInfo
from kserve_participant.devstack.processes import free_ports, resident_kib

CONTEXT = "/onap/policy/clamp/acm/kserveparticipant"
HTTP_USER = "participantUser"
ELEMENT_TYPE = "org.onap.policy.clamp.acm.KserveAutomationCompositionElement"
NODE_TEMPLATE = ToscaConceptIdentifier(
    name="onap.policy.clamp.ac.element.KserveAutomationCompositionElement", version="1.2.3"
)
EXECUTABLE = Path(sys.executable).with_name("kserve-participant")

T = TypeVar("T")


def free_port() -> int:
    return free_ports(1)[0]


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# What an HTTP endpoint or a log file says has no event to wait on: such probes are polled, this
# often, until their deadline.
POLL_INTERVAL_S = 0.1


async def eventually(probe: Callable[[], Awaitable[T | None]], *, within: float, what: str) -> T:
    """The first non-None result of ``probe``, polled until ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(POLL_INTERVAL_S)


@dataclass
class Topics:
    operation: str
    sync: str
    group: str

    @classmethod
    def fresh(cls) -> Topics:
        suffix = uuid4().hex[:10]
        return cls(f"ops-op-{suffix}", f"ops-sync-{suffix}", f"ops-ppnt-{suffix}")


def participant_config(
    *,
    topics: Topics,
    participant_id: UUID,
    bootstrap: str,
    kubeconfig: Path,
    port: int,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "participant": {
            "intermediaryParameters": {
                "participantId": str(participant_id),
                "reportingTimeIntervalMs": 2000,
                "topics": {"operationTopic": topics.operation, "syncTopic": topics.sync},
                "kafka": {"bootstrapServers": bootstrap, "consumer": {"groupId": topics.group}},
            }
        },
        "server": {"port": port, "address": "127.0.0.1"},
        "kserveParticipant": {
            "kubeconfig": str(kubeconfig),
            "kubernetesCheckInterval": "500ms",
            "shutdownDeadline": "20s",
        },
    }
    for section, values in (extra or {}).items():
        config[section] = deep_merge(config.get(section, {}), values)
    return config


def stack_config(
    info: StackInfo,
    topics: Topics,
    *,
    participant_id: UUID | None = None,
    bootstrap: str | None = None,
    kubeconfig: Path | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``participant_config`` against the dev stack: its PLAINTEXT Kafka listener and admin
    kubeconfig unless given, a fresh participant id unless given, a free HTTP port."""
    return participant_config(
        topics=topics,
        participant_id=participant_id or uuid4(),
        bootstrap=bootstrap or info.kafka_bootstrap,
        kubeconfig=kubeconfig or info.kubeconfig,
        port=free_port(),
        extra=extra,
    )


@dataclass
class ParticipantProcess:
    process: asyncio.subprocess.Process
    log_file: Path
    port: int
    password: str
    participant_id: UUID
    client: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=5.0))

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, endpoint: str) -> str:
        return f"http://127.0.0.1:{self.port}{CONTEXT}/{endpoint}"

    @property
    def auth(self) -> dict[str, str]:
        return basic(HTTP_USER, self.password)

    def output(self) -> str:
        return self.log_file.read_text(errors="replace")

    async def get(self, endpoint: str, *, auth: bool = True) -> httpx.Response:
        return await self.client.get(self.url(endpoint), headers=self.auth if auth else None)

    async def status_of(self, endpoint: str, *, auth: bool = True) -> int | None:
        try:
            return (await self.get(endpoint, auth=auth)).status_code
        except httpx.TransportError:
            return None

    async def wait_ready(self, within: float = 60) -> None:
        async def ready() -> bool | None:
            self.fail_if_exited("becoming ready")
            return True if await self.status_of("health/readiness", auth=False) == 200 else None

        await eventually(ready, within=within, what="readiness 200")

    async def health_component(self, name: str) -> str | None:
        try:
            response = await self.get("health")
        except httpx.TransportError:
            return None
        return str(response.json()["components"][name]["status"])

    async def wait_component(self, name: str, status: str, within: float = 60) -> None:
        async def matches() -> bool | None:
            return True if await self.health_component(name) == status else None

        await eventually(matches, within=within, what=f"health component {name} {status}")

    async def metric(self, name: str, labels: Mapping[str, str] | None = None) -> float | None:
        text = (await self.get("prometheus")).text
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted((labels or {}).items()))
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            series, _, value = line.rpartition(" ")
            metric, _, label_text = series.partition("{")
            found = ",".join(sorted(label_text.rstrip("}").split(","))) if label_text else ""
            if metric == name and found == wanted:
                return float(value)
        return None

    def rss_kib(self) -> int:
        return resident_kib(self.pid)

    def signal(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    async def wait_exit(self, within: float = 60) -> int:
        async with asyncio.timeout(within):
            return await self.process.wait()

    def fail_if_exited(self, doing: str) -> None:
        if self.process.returncode is not None:
            raise AssertionError(
                f"participant exited with {self.process.returncode} while {doing}:\n"
                + self.output()[-3000:]
            )


@contextlib.asynccontextmanager
async def participant_process(
    tmp_path: Path,
    config: Mapping[str, Any],
    *,
    password: str = "ops-http-password",
    env: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> AsyncIterator[ParticipantProcess]:
    """Starts `kserve-participant run` with ``config``; kills it at the end if still running."""
    config_file = tmp_path / f"application-{uuid4().hex[:6]}.yaml"
    config_file.write_text(yaml.safe_dump(dict(config)))
    log_file = tmp_path / f"participant-{uuid4().hex[:6]}.log"
    process_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "HTTP_", "KUBECONFIG"))
    }
    process_env.update({"HTTP_PASSWORD": password, **(env or {})})
    with log_file.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            str(EXECUTABLE),
            "run",
            "--config",
            str(config_file),
            *args,
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
            env=process_env,
        )
    participant_id = UUID(config["participant"]["intermediaryParameters"]["participantId"])
    running = ParticipantProcess(
        process, log_file, int(config["server"]["port"]), password, participant_id
    )
    try:
        yield running
    finally:
        await running.client.aclose()
        if process.returncode is None:
            process.kill()
            await process.wait()


def kafka_properties(properties: Mapping[str, str]) -> dict[str, Any]:
    """The `extra` of ``participant_config`` that sets Java Kafka client properties."""
    return {"participant": {"intermediaryParameters": {"kafka": {"properties": dict(properties)}}}}


@contextlib.asynccontextmanager
async def runtime_driver(
    broker: str | KafkaSettings, topics: Topics, *, options: KafkaTransportOptions | None = None
) -> AsyncIterator[AcmRuntimeDriver]:
    """ACM-R's side on fresh topics: answers REGISTER/DEREGISTER, sends prime and deploy.

    ``broker`` is a PLAINTEXT bootstrap address, or the settings of a secured listener.
    """
    settings = KafkaSettings(bootstrap_servers=(broker,)) if isinstance(broker, str) else broker
    await ensure_topics(settings, [topics.operation, topics.sync])
    transport = KafkaTransport(
        settings,
        [Subscription(topics.operation, f"acm-runtime-{uuid4().hex[:8]}")],
        options=options,
    )
    driver = AcmRuntimeDriver(
        transport, operation_topic=topics.operation, sync_topic=topics.sync, timeout=60
    )
    async with driver:
        yield driver


def kserve_node_template() -> ToscaNodeTemplate:
    return ToscaNodeTemplate(
        name=NODE_TEMPLATE.name,
        version=NODE_TEMPLATE.version,
        type=ELEMENT_TYPE,
        type_version="1.0.1",
        properties={},
    )


async def prime_kserve(driver: AcmRuntimeDriver, participant_id: UUID) -> UUID:
    composition_id = uuid4()
    await driver.prime(composition_id, participant_id, [kserve_node_template()])
    return composition_id


def kserve_instance(
    driver: AcmRuntimeDriver,
    composition_id: UUID,
    entities: list[dict[str, Any]],
    *,
    timeout: float = 60,
    interval: float = 5,
) -> UUID:
    instance_id = uuid4()
    properties = {
        "kserveInferenceEntities": entities,
        "uninitializedToPassiveTimeout": timeout,
        "statusCheckInterval": interval,
    }
    driver.add_instance(
        instance_id, composition_id, [ElementSpec(definition=NODE_TEMPLATE, properties=properties)]
    )
    return instance_id


def element_results(acks: list[AutomationCompositionDeployAck]) -> list[tuple[str, str]]:
    """(deploy state, result) of every element of every ack, to compare with expectations."""
    return [
        (str(result.deploy_state), str(ack.state_change_result))
        for ack in acks
        for result in ack.automation_composition_result_map.values()
    ]
