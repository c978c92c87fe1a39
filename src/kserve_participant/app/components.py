"""Builds the object graph of one participant process from its Settings.

Nothing here runs anything: :func:`build` creates the transport, the Kubernetes clients, the
KServe handler, the SDK runtime, the metrics and the HTTP server, wired together, and
:meth:`Components.close` releases what building opened. ``lifecycle`` runs them.
"""

from __future__ import annotations

import collections
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from lightkube import AsyncClient, KubeConfig
from lightkube.config.client_adapter import AsyncClient as adapter_client
from lightkube.config.client_adapter import ConnectionParams, verify_cluster
from lightkube.config.kubeconfig import SingleConfig
from lightkube.core.exceptions import ConfigError as LightkubeConfigError
from prometheus_client import CollectorRegistry

from acm_participant.runtime import ParticipantRuntime
from acm_participant.transport.base import (
    Subscription,
    Transport,
    TransportFactory,
    TransportSettings,
)
from acm_participant.transport.kafka import KafkaTransport
from kserve_participant.app import mapping
from kserve_participant.config import ConfigError, Settings
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.transport import AiohttpTransport
from kserve_participant.k8s.watch import InferenceServiceWatch, Key, Observed, WatchSettings
from kserve_participant.kserve.handler import KServeElementHandler
from kserve_participant.kserve.ownership import (
    LABEL_MANAGED_BY,
    LABEL_PARTICIPANT_ID,
    MANAGED_BY,
)
from kserve_participant.kserve.readiness import assess
from kserve_participant.kserve.views import inference_service_view
from kserve_participant.web.auth import BasicAuth
from kserve_participant.web.health import HealthState
from kserve_participant.web.metrics import ParticipantMetrics, PrometheusObserver
from kserve_participant.web.probe import Fetch, KubernetesProbe
from kserve_participant.web.server import HttpServer

__all__ = ["Components", "build", "kube_config"]

log = logging.getLogger(__name__)


def kube_config(settings: Settings) -> SingleConfig:
    """The configured kubeconfig file, else in-cluster, else $KUBECONFIG or ~/.kube/config."""
    path = settings.kserve_participant.kubeconfig
    try:
        config = KubeConfig.from_file(Path(path)) if path else KubeConfig.from_env()
        single = config.get()
        if single is None:
            raise ValueError("no current context")
        return single
    except (LightkubeConfigError, OSError, ValueError) as exc:
        key = "kserveParticipant.kubeconfig"
        where = path or "in-cluster service account, $KUBECONFIG or ~/.kube/config"
        raise ConfigError(f"{key}: no usable Kubernetes configuration ({where}): {exc}") from None


class ReadinessTally:
    """Keeps the ``inference_services{readiness}`` gauge in step with the shared watch."""

    def __init__(self, metrics: ParticipantMetrics) -> None:
        self._metrics = metrics
        self._phases: dict[Key, str] = {}
        self._counts: collections.Counter[str] = collections.Counter()
        metrics.set_inference_services({})  # every readiness value at 0

    def __call__(self, key: Key, observed: Observed) -> None:
        # Counted as events come (not recounted over every object: O(1) per event).
        before = self._phases.pop(key, None)
        if before is not None:
            self._counts[before] -= 1
        if observed.exists and observed.obj is not None:
            phase = assess(observed.obj).phase.value
            self._phases[key] = phase
            self._counts[phase] += 1
        for changed in {before, self._phases.get(key)}:
            if changed is not None:
                self._metrics.set_inference_service_count(changed, self._counts[changed])


@dataclass
class Components:
    settings: Settings
    registry: CollectorRegistry
    metrics: ParticipantMetrics
    health: HealthState
    k8s: K8sClient
    discovery: httpx2.AsyncClient
    probe: KubernetesProbe
    handler: KServeElementHandler
    transport: Transport
    runtime: ParticipantRuntime
    http: HttpServer

    async def close(self) -> None:
        await self.k8s.close()
        await self.discovery.aclose()


def _transport(config: SingleConfig) -> AiohttpTransport:
    """HTTP/1.1 over aiohttp (no HTTP/2 stack loaded), verifying as lightkube would."""
    if config.user is None:
        raise ConfigError("kserveParticipant.kubeconfig: the current context names no user")
    try:
        context = verify_cluster(config.cluster, config.user, config.abs_file)
    except (LightkubeConfigError, OSError, ssl.SSLError) as exc:
        raise ConfigError(f"kserveParticipant.kubeconfig: unusable certificates: {exc}") from None
    return AiohttpTransport(context)


def _fetcher(client: httpx2.AsyncClient) -> Fetch:
    async def fetch(path: str) -> tuple[int, bytes]:
        response = await client.get(path)
        return response.status_code, response.content

    return fetch


def build(settings: Settings, *, add_secrets: Callable[[list[str]], None]) -> Components:
    """Everything one process needs; raises ConfigError before any network I/O."""
    participant = mapping.participant_settings(settings)
    handler_settings = mapping.handler_settings(settings)
    registry = CollectorRegistry()
    metrics = ParticipantMetrics(registry)
    health = HealthState()
    observer = PrometheusObserver(metrics, health)

    connection: TransportSettings | TransportFactory
    if settings.transport_kind == "dmaap":
        connection = mapping.dmaap_settings(settings)
    else:
        kafka = mapping.kafka_settings(settings)
        options = mapping.kafka_transport_options(settings)

        def connection(subscriptions: list[Subscription]) -> Transport:
            return KafkaTransport(kafka, subscriptions, observer, options=options)

    config = kube_config(settings)
    if config.user is not None and config.user.token:
        add_secrets([config.user.token])
    timeout = httpx2.Timeout(30.0)
    resource = handler_settings.policy.resource
    k8s = K8sClient(
        AsyncClient(config, timeout=timeout, transport=_transport(config)),
        resource,
        on_request=metrics.kubernetes_request,
    )
    # lightkube types ConnectionParams.transport as the sync BaseTransport; its async client
    # (this one) takes the async kind.
    discovery_transport: Any = _transport(config)
    discovery = adapter_client(
        config, ConnectionParams(timeout=httpx2.Timeout(5.0), transport=discovery_transport)
    )
    probe = KubernetesProbe(
        _fetcher(discovery),
        health,
        group=resource.group,
        version=resource.version,
        plural=resource.plural,
        on_request=metrics.kubernetes_request,
        server=config.cluster.server,
    )
    watch = InferenceServiceWatch(
        k8s,
        WatchSettings(
            cluster_wide=settings.kserve_participant.watch_scope == "cluster",
            # Only this participant's objects: other participants sharing the cluster (or the
            # namespace) are none of its business, nor of its metrics.
            labels={
                LABEL_MANAGED_BY: MANAGED_BY,
                LABEL_PARTICIPANT_ID: str(handler_settings.participant_id),
            },
            project=inference_service_view,
        ),
    )
    watch.subscribe(ReadinessTally(metrics))
    handler = KServeElementHandler(client=k8s, watch=watch, settings=handler_settings)
    metrics.track_sizes(handler.sizes)
    runtime = ParticipantRuntime(participant, connection, handler, observer=observer)
    transport = runtime.transport
    user = settings.spring.security.user
    http = HttpServer(
        mapping.http_settings(settings),
        health=health,
        registry=registry,
        auth=BasicAuth(user.name, user.password),
    )
    return Components(
        settings=settings,
        registry=registry,
        metrics=metrics,
        health=health,
        k8s=k8s,
        discovery=discovery,
        probe=probe,
        handler=handler,
        transport=transport,
        runtime=runtime,
        http=http,
    )
