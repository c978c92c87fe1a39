"""Wiring of one simulator process: broker connection, runtime-side driver, cluster view, console.

The simulator reads the participant's own configuration (``--config``, the same env overrides),
so both ends agree on topics and Kafka security; ``--kafka`` or ``--dmaap`` point it elsewhere.
It consumes the operation topic in a consumer group of its own, starting at the latest offset,
so no earlier run's acks are mistaken for this run's.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from acm_participant.errors import TransportError
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.transport.base import Subscription, Transport
from acm_participant.transport.dmaap import DmaapSettings, DmaapTransport
from acm_participant.transport.kafka import KafkaTransport
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.app.mapping import kafka_settings, participant_settings
from kserve_participant.config import load_settings
from kserve_participant.simulator.cluster_view import ClusterView
from kserve_participant.simulator.console import SimConsole

__all__ = ["Connection", "simulator_session"]

log = logging.getLogger(__name__)

DMAAP_DEFAULT_TOPIC = "POLICY-ACRUNTIME-PARTICIPANT"


@dataclass(frozen=True)
class Connection:
    """Where the simulator meets the participant (and, optionally, the cluster)."""

    config: Path | None = None
    kafka: str | None = None
    dmaap: str | None = None
    kubeconfig: Path | None = None


async def _ensure_topics(settings: KafkaSettings, topics: list[str]) -> None:
    """ACM-R's deployment creates the topics; without them a fresh consumer sees nothing."""
    try:
        await ensure_topics(settings, topics)
    except TransportError as exc:
        # A managed Kafka (e.g. Strimzi with ACLs) may refuse; its topics exist already then.
        log.warning("Could not make sure the topics exist: %s", exc)


def _transport(connection: Connection) -> tuple[Transport, str, str, KafkaSettings | None]:
    settings = load_settings(connection.config, os.environ)
    participant = participant_settings(settings)
    group = f"acm-runtime-sim-{uuid4()}"
    if connection.dmaap is not None:
        # Message Router has one topic for both directions: the configured one when the
        # configuration is a DMaaP one, else ONAP's default.
        topic = (
            participant.operation_topic
            if settings.transport_kind == "dmaap"
            else DMAAP_DEFAULT_TOPIC
        )
        dmaap = DmaapSettings(base_url=connection.dmaap, consumer_id=group)
        return DmaapTransport(dmaap, [Subscription(topic, group)]), topic, topic, None
    kafka = (
        KafkaSettings.from_properties(connection.kafka, {"client.id": "kserve-participant-sim"})
        if connection.kafka is not None
        else kafka_settings(settings)
    )
    subscriptions = [Subscription(participant.operation_topic, group)]
    return (
        KafkaTransport(kafka, subscriptions),
        participant.operation_topic,
        participant.sync_topic,
        kafka,
    )


@asynccontextmanager
async def simulator_session(
    connection: Connection, out: SimConsole, *, wait_s: float, connect_s: float = 30.0
) -> AsyncIterator[tuple[AcmRuntimeDriver, ClusterView | None]]:
    """A started driver (and a cluster view with ``--kubeconfig``), stopped on exit.

    ``wait_s`` is the driver's default wait for an answer.

    Raises:
        TransportError: the broker cannot be reached within ``connect_s`` seconds.
    """
    transport, operation_topic, sync_topic, kafka = _transport(connection)
    driver = AcmRuntimeDriver(
        transport, operation_topic=operation_topic, sync_topic=sync_topic, timeout=wait_s
    )
    cluster = ClusterView(connection.kubeconfig, out.service) if connection.kubeconfig else None
    try:
        try:
            # The transports retry an absent broker for good; a command line gives up.
            async with asyncio.timeout(connect_s):
                if kafka is not None:
                    await _ensure_topics(kafka, [operation_topic, sync_topic])
                await driver.start()
        except TimeoutError:
            where = connection.dmaap or ", ".join(kafka.bootstrap_servers if kafka else ())
            raise TransportError(f"no broker answered at {where} within {connect_s:g} s") from None
        yield driver, cluster
    finally:
        try:
            await driver.stop()
        finally:
            if cluster is not None:
                await cluster.close()
