"""Metrics an operator alerts on, and the Kubernetes health probe."""

from __future__ import annotations

import json
import logging
import socket

import httpx2
from prometheus_client import CollectorRegistry, generate_latest

from kserve_participant.web.health import HealthState
from kserve_participant.web.metrics import ParticipantMetrics, PrometheusObserver
from kserve_participant.web.probe import KubernetesProbe


def _value(registry: CollectorRegistry, name: str, labels: dict[str, str] | None = None) -> float:
    value = registry.get_sample_value(name, labels or {})
    assert value is not None, f"{name}{labels} not exposed"
    return value


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_metrics_use_only_the_injected_registry_when_created_twice():
    first, second = CollectorRegistry(), CollectorRegistry()
    ParticipantMetrics(first).messages_sent.labels(type="X").inc()
    ParticipantMetrics(second)
    assert _value(first, "kserve_participant_messages_sent_total", {"type": "X"}) == 1
    assert second.get_sample_value("kserve_participant_messages_sent_total", {"type": "X"}) is None


def test_heartbeat_age_grows_with_time_when_no_heartbeat_follows():
    registry, clock = CollectorRegistry(), Clock()
    metrics = ParticipantMetrics(registry, clock=clock)
    metrics.heartbeat_sent()
    clock.now += 42
    assert _value(registry, "kserve_participant_seconds_since_last_heartbeat") == 42


def test_heartbeat_age_is_nan_when_no_heartbeat_was_sent():
    registry = CollectorRegistry()
    ParticipantMetrics(registry)
    age = _value(registry, "kserve_participant_seconds_since_last_heartbeat")
    assert age != age


def test_kubernetes_errors_count_by_verb_and_code_when_requests_fail():
    registry = CollectorRegistry()
    metrics = ParticipantMetrics(registry)
    metrics.kubernetes_request("create", 201)
    metrics.kubernetes_request("create", 403)
    metrics.kubernetes_request("get", 0)
    assert (
        _value(
            registry,
            "kserve_participant_kubernetes_requests_total",
            {"verb": "create", "code": "201"},
        )
        == 1
    )
    assert (
        _value(
            registry,
            "kserve_participant_kubernetes_errors_total",
            {"verb": "create", "code": "403"},
        )
        == 1
    )
    assert (
        _value(registry, "kserve_participant_kubernetes_errors_total", {"verb": "get", "code": "0"})
        == 1
    )
    assert (
        registry.get_sample_value(
            "kserve_participant_kubernetes_errors_total", {"verb": "create", "code": "201"}
        )
        is None
    )


def test_inference_service_counts_reset_missing_readiness_when_replaced():
    registry = CollectorRegistry()
    metrics = ParticipantMetrics(registry)
    metrics.set_inference_services({"Ready": 2, "Failed": 1})
    metrics.set_inference_services({"Ready": 3})
    assert _value(registry, "kserve_participant_inference_services", {"readiness": "Ready"}) == 3
    assert _value(registry, "kserve_participant_inference_services", {"readiness": "Failed"}) == 0


def test_observer_sets_registration_and_reconnects_when_sdk_reports():
    registry, health = CollectorRegistry(), HealthState()
    observer = PrometheusObserver(ParticipantMetrics(registry), health)
    observer.registration_changed(True)
    observer.connection_changed(True)
    observer.reconnected()
    observer.decode_failed("policy-acruntime-participant")
    assert health.registered
    assert health.broker_connected
    assert _value(registry, "kserve_participant_registered") == 1
    assert _value(registry, "kserve_participant_broker_reconnects_total") == 1
    assert (
        _value(
            registry,
            "kserve_participant_message_decode_failures_total",
            {"topic": "policy-acruntime-participant"},
        )
        == 1
    )
    observer.registration_changed(False)
    assert _value(registry, "kserve_participant_registered") == 0
    assert b"kserve_participant_registered 0.0" in generate_latest(registry)


def _probe(
    health: HealthState, answer: tuple[int, bytes] | Exception, calls: list[tuple[str, int]]
) -> KubernetesProbe:
    async def fetch(path: str) -> tuple[int, bytes]:
        assert path == "/apis/serving.kserve.io/v1beta1"
        if isinstance(answer, Exception):
            raise answer
        return answer

    return KubernetesProbe(
        fetch,
        health,
        group="serving.kserve.io",
        version="v1beta1",
        plural="inferenceservices",
        on_request=lambda verb, code: calls.append((verb, code)),
    )


DISCOVERY = json.dumps(
    {"resources": [{"name": "inferenceservices"}, {"name": "inferenceservices/status"}]}
).encode()


async def test_probe_reports_crd_present_when_discovery_lists_the_plural():
    health = HealthState()
    calls: list[tuple[str, int]] = []
    await _probe(health, (200, DISCOVERY), calls).check()
    assert health.kubernetes_reachable
    assert health.crd_present
    assert calls == [("discover", 200)]


async def test_probe_reports_crd_missing_but_api_reachable_when_group_is_404():
    health = HealthState()
    await _probe(health, (404, b"{}"), []).check()
    assert health.kubernetes_reachable
    assert not health.crd_present
    assert "CRD missing" in health.kubernetes_detail


async def test_probe_reports_unreachable_when_connection_fails():
    health = HealthState(kubernetes_reachable=True, crd_present=True)
    calls: list[tuple[str, int]] = []
    await _probe(health, ConnectionRefusedError("refused"), calls).check()
    assert not health.kubernetes_reachable
    assert not health.crd_present
    assert calls == [("discover", 0)]


async def test_probe_reports_unreachable_when_api_server_answers_5xx():
    health = HealthState()
    await _probe(health, (503, b""), []).check()
    assert not health.kubernetes_reachable


async def test_probe_logs_an_unreachable_api_server_on_its_first_check_with_the_url(caplog):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    health = HealthState()
    async with httpx2.AsyncClient(base_url=url) as client:

        async def fetch(path: str) -> tuple[int, bytes]:
            response = await client.get(path)
            return response.status_code, response.content

        probe = KubernetesProbe(
            fetch,
            health,
            group="serving.kserve.io",
            version="v1beta1",
            plural="inferenceservices",
            server=url,
        )
        with caplog.at_level(logging.INFO, logger="kserve_participant.web.probe"):
            await probe.check()
            await probe.check()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"API server {url} unreachable: ConnectError" in warnings[0].getMessage()
    assert "Connection refused" in health.kubernetes_detail


def test_tracked_entries_are_read_from_the_handler_at_each_scrape():
    registry = CollectorRegistry()
    metrics = ParticipantMetrics(registry)
    sizes = {"cached objects": 500, "tracked elements": 100}
    metrics.track_sizes(lambda: sizes)
    assert (
        registry.get_sample_value(
            "kserve_participant_tracked_entries", {"structure": "cached objects"}
        )
        == 500
    )

    sizes = {"cached objects": 0, "tracked elements": 0}
    assert (
        registry.get_sample_value(
            "kserve_participant_tracked_entries", {"structure": "cached objects"}
        )
        == 0
    )


def test_readiness_tally_follows_objects_through_ready_and_deletion():
    from kserve_participant.app.components import ReadinessTally
    from kserve_participant.k8s.watch import Observed

    registry = CollectorRegistry()
    tally = ReadinessTally(ParticipantMetrics(registry))

    def count(readiness: str) -> float | None:
        return _value(registry, "kserve_participant_inference_services", {"readiness": readiness})

    ready = {"status": {"conditions": [{"type": "Ready", "status": "True"}]}, "metadata": {}}
    assert count("Ready") == 0
    tally(("ns", "a"), Observed({"metadata": {}}, True))
    tally(("ns", "b"), Observed(ready, True))
    assert (count("Progressing"), count("Ready")) == (1, 1)
    tally(("ns", "a"), Observed(ready, True))
    assert (count("Progressing"), count("Ready")) == (0, 2)
    tally(("ns", "a"), Observed(ready, False))
    tally(("ns", "b"), Observed(None, False))
    assert (count("Progressing"), count("Ready")) == (0, 0)
