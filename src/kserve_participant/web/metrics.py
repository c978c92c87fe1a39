"""Prometheus metrics on an injected registry, and the SDK observer that feeds them.

Why one module: the metric names are an operator-facing contract (docs/operations.md lists
them); defining them together keeps names, labels and help texts consistent. Nothing here uses
prometheus-client's global registry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from acm_participant.observe import Observer
from kserve_participant.web.health import HealthState

__all__ = ["PREFIX", "ParticipantMetrics", "PrometheusObserver"]

PREFIX = "kserve_participant"
_DURATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
READINESS_VALUES = ("Ready", "Progressing", "Failed", "Stopped", "Gone")


class _HeartbeatAge(Collector):
    """Seconds since the last heartbeat, computed at scrape time (NaN before the first one)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.last_sent: float | None = None

    def collect(self) -> Iterable[GaugeMetricFamily]:
        age = float("nan") if self.last_sent is None else self._clock() - self.last_sent
        yield GaugeMetricFamily(
            f"{PREFIX}_seconds_since_last_heartbeat",
            "Seconds since the last PARTICIPANT_STATUS (or REGISTER) was sent.",
            value=age,
        )


class _Sizes(Collector):
    """Entries of the participant's in-memory structures, read at scrape time."""

    def __init__(self) -> None:
        self.source: Callable[[], Mapping[str, int]] = dict

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            f"{PREFIX}_tracked_entries",
            "Entries of in-memory structures (watch cache, waits, tracked elements), by structure.",
            labels=["structure"],
        )
        for structure, size in sorted(self.source().items()):
            family.add_metric([structure], size)
        yield family


class ParticipantMetrics:
    """Every metric the participant exposes, registered on ``registry``."""

    def __init__(
        self, registry: CollectorRegistry, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.registry = registry
        self.messages_received = Counter(
            f"{PREFIX}_messages_received",
            "ACM messages addressed to this participant, by message type.",
            ["type"],
            registry=registry,
        )
        self.messages_sent = Counter(
            f"{PREFIX}_messages_sent",
            "ACM messages published by this participant, by message type.",
            ["type"],
            registry=registry,
        )
        self.decode_failures = Counter(
            f"{PREFIX}_message_decode_failures",
            "Records that could not be decoded and were skipped, by topic.",
            ["topic"],
            registry=registry,
        )
        self.operation_duration = Histogram(
            f"{PREFIX}_operation_duration_seconds",
            "Duration of element operations (deploy, undeploy, update, ...) until acked.",
            ["operation", "result"],
            buckets=_DURATION_BUCKETS,
            registry=registry,
        )
        self.inference_services = Gauge(
            f"{PREFIX}_inference_services",
            "InferenceServices managed by this participant, by readiness.",
            ["readiness"],
            registry=registry,
        )
        self.k8s_requests = Counter(
            f"{PREFIX}_kubernetes_requests",
            "Kubernetes API requests, by verb and HTTP status code (0: no answer).",
            ["verb", "code"],
            registry=registry,
        )
        self.k8s_errors = Counter(
            f"{PREFIX}_kubernetes_errors",
            "Kubernetes API requests that failed (status >= 400 or no answer), by verb and code.",
            ["verb", "code"],
            registry=registry,
        )
        self.broker_reconnects = Counter(
            f"{PREFIX}_broker_reconnects",
            "Times the broker connection was re-established after a loss.",
            registry=registry,
        )
        self.broker_connect_failures = Counter(
            f"{PREFIX}_broker_connect_failures",
            "Failed attempts to reach the broker while starting (it is retried with back-off).",
            registry=registry,
        )
        self.broker_connected = Gauge(
            f"{PREFIX}_broker_connected",
            "1 while the broker connection is up.",
            registry=registry,
        )
        self.registered = Gauge(
            f"{PREFIX}_registered",
            "1 once REGISTER_ACK was received, 0 before and after DEREGISTER.",
            registry=registry,
        )
        self.heartbeats = Counter(
            f"{PREFIX}_heartbeats_sent",
            "PARTICIPANT_STATUS heartbeats (or the REGISTER sent in their place) published.",
            registry=registry,
        )
        self._heartbeat_age = _HeartbeatAge(clock)
        registry.register(self._heartbeat_age)
        self._sizes = _Sizes()
        registry.register(self._sizes)
        self._clock = clock
        for readiness in READINESS_VALUES:
            self.inference_services.labels(readiness=readiness).set(0)

    def heartbeat_sent(self) -> None:
        self.heartbeats.inc()
        self._heartbeat_age.last_sent = self._clock()

    def track_sizes(self, source: Callable[[], Mapping[str, int]]) -> None:
        """Where ``tracked_entries`` reads its values at each scrape."""
        self._sizes.source = source

    def kubernetes_request(self, verb: str, code: int) -> None:
        """The K8s client's ``on_request(verb, status_code)`` callback."""
        self.k8s_requests.labels(verb=verb, code=str(code)).inc()
        if code == 0 or code >= 400:
            self.k8s_errors.labels(verb=verb, code=str(code)).inc()

    def set_inference_service_count(self, readiness: str, count: int) -> None:
        self.inference_services.labels(readiness=readiness).set(count)

    def set_inference_services(self, counts: Mapping[str, int]) -> None:
        """Replaces the readiness counts (readiness values not given are set to 0)."""
        for readiness in {*READINESS_VALUES, *counts}:
            self.inference_services.labels(readiness=readiness).set(counts.get(readiness, 0))


class PrometheusObserver(Observer):
    """The SDK's observation hooks, turned into metrics and health state."""

    def __init__(self, metrics: ParticipantMetrics, health: HealthState) -> None:
        self._metrics = metrics
        self._health = health

    def connection_changed(self, connected: bool) -> None:
        self._health.broker_connected = connected
        if connected:
            self._health.broker_failure = None
        self._metrics.broker_connected.set(1 if connected else 0)

    def connect_failed(self, reason: str) -> None:
        self._health.broker_failure = reason
        self._metrics.broker_connect_failures.inc()

    def reconnected(self) -> None:
        self._metrics.broker_reconnects.inc()

    def message_received(self, message_type: str) -> None:
        self._metrics.messages_received.labels(type=message_type).inc()

    def message_sent(self, message_type: str) -> None:
        self._metrics.messages_sent.labels(type=message_type).inc()

    def decode_failed(self, topic: str) -> None:
        self._metrics.decode_failures.labels(topic=topic).inc()

    def heartbeat_sent(self) -> None:
        self._metrics.heartbeat_sent()

    def registration_changed(self, registered: bool) -> None:
        self._health.registered = registered
        self._metrics.registered.set(1 if registered else 0)

    def operation_finished(self, operation: str, result: str, seconds: float) -> None:
        self._metrics.operation_duration.labels(operation=operation, result=result).observe(seconds)
