"""The HTTP endpoints as a client (a kubelet, Prometheus, an operator) sees them."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from kserve_participant.web.auth import BasicAuth
from kserve_participant.web.health import HealthState
from kserve_participant.web.metrics import ParticipantMetrics, PrometheusObserver
from kserve_participant.web.server import HttpServer, HttpSettings

CONTEXT = "/onap/policy/clamp/acm/kserveparticipant"


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


GOOD = _basic("ops", "pw-1")


class Participant:
    def __init__(self, password: str | None = "pw-1", **settings: object) -> None:
        self.health = HealthState()
        self.registry = CollectorRegistry()
        self.metrics = ParticipantMetrics(self.registry)
        self.observer = PrometheusObserver(self.metrics, self.health)
        auth = BasicAuth("ops", SecretStr(password) if password else None)
        self.server = HttpServer(
            HttpSettings(**settings),  # type: ignore[arg-type]
            health=self.health,
            registry=self.registry,
            auth=auth,
        )

    def all_up(self) -> None:
        self.observer.connection_changed(True)
        self.observer.registration_changed(True)
        self.health.kubernetes_reachable = True
        self.health.crd_present = True


@pytest.fixture
async def participant() -> AsyncIterator[
    tuple[Participant, TestClient[web.Request, web.Application]]
]:
    p = Participant()
    async with TestClient(TestServer(p.server.application())) as client:
        yield p, client


@pytest.mark.parametrize("probe", ["health/liveness", "health/readiness"])
async def test_probe_answers_without_credentials_when_called_by_kubelet(participant, probe):
    p, client = participant
    p.all_up()
    response = await client.get(f"{CONTEXT}/{probe}")
    assert response.status == 200


@pytest.mark.parametrize("endpoint", ["health", "metrics", "prometheus"])
async def test_endpoint_refuses_401_when_credentials_are_missing(participant, endpoint):
    _, client = participant
    response = await client.get(f"{CONTEXT}/{endpoint}")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("endpoint", ["health", "metrics", "prometheus"])
async def test_endpoint_refuses_401_when_password_is_wrong(participant, endpoint):
    _, client = participant
    response = await client.get(f"{CONTEXT}/{endpoint}", headers=_basic("ops", "nope"))
    assert response.status == 401


async def test_endpoint_refuses_401_when_header_is_not_base64(participant):
    _, client = participant
    response = await client.get(f"{CONTEXT}/health", headers={"Authorization": "Basic %%%"})
    assert response.status == 401


async def test_protected_endpoints_refuse_everyone_when_no_password_is_configured():
    p = Participant(password=None)
    p.all_up()
    async with TestClient(TestServer(p.server.application())) as client:
        assert (await client.get(f"{CONTEXT}/health", headers=_basic("ops", ""))).status == 401
        assert (await client.get(f"{CONTEXT}/prometheus", headers=GOOD)).status == 401
        assert (await client.get(f"{CONTEXT}/health/readiness")).status == 200


async def test_readiness_is_503_until_registered_when_api_server_answers(participant):
    p, client = participant
    p.health.kubernetes_reachable = True
    assert (await client.get(f"{CONTEXT}/health/readiness")).status == 503
    p.observer.registration_changed(True)
    assert (await client.get(f"{CONTEXT}/health/readiness")).status == 200


async def test_readiness_says_the_broker_is_unreachable_while_liveness_stays_up(participant):
    p, client = participant
    p.health.kubernetes_reachable = True
    p.observer.connect_failed("Kafka unreachable at kafka.internal:9092: TimeoutError()")
    readiness = await client.get(f"{CONTEXT}/health/readiness")
    assert readiness.status == 503
    # fixed words only: the probe is open to anyone, so no address and no error text
    assert await readiness.json() == {
        "status": "OUT_OF_SERVICE",
        "reasons": ["Kafka broker unreachable"],
    }
    assert (await client.get(f"{CONTEXT}/health/liveness")).status == 200
    health = await (await client.get(f"{CONTEXT}/health", headers=GOOD)).json()
    assert health["components"]["broker"] == {
        "status": "DOWN",
        "details": {"detail": "Kafka unreachable at kafka.internal:9092: TimeoutError()"},
    }
    p.observer.connection_changed(True)
    assert (await (await client.get(f"{CONTEXT}/health/readiness")).json())["reasons"] == [
        "waiting for the ACM runtime to acknowledge REGISTER"
    ]
    p.observer.registration_changed(True)
    ready = await client.get(f"{CONTEXT}/health/readiness")
    assert (ready.status, await ready.json()) == (200, {"status": "UP"})
    health = await (await client.get(f"{CONTEXT}/health", headers=GOOD)).json()
    assert health["components"]["broker"] == {"status": "UP"}


async def test_readiness_names_every_reason_when_several_hold(participant):
    _, client = participant
    body = await (await client.get(f"{CONTEXT}/health/readiness")).json()
    assert body["reasons"] == ["connecting to the broker", "Kubernetes API server unreachable"]


async def test_readiness_says_shutting_down_alone_during_shutdown(participant):
    p, client = participant
    p.all_up()
    p.health.shutting_down = True
    readiness = await client.get(f"{CONTEXT}/health/readiness")
    assert (readiness.status, await readiness.json()) == (
        503,
        {"status": "OUT_OF_SERVICE", "reasons": ["shutting down"]},
    )


async def test_readiness_is_503_when_api_server_is_unreachable(participant):
    p, client = participant
    p.all_up()
    p.health.kubernetes_reachable = False
    assert (await client.get(f"{CONTEXT}/health/readiness")).status == 503


async def test_health_lists_components_and_is_down_when_broker_is_lost(participant):
    p, client = participant
    p.all_up()
    ok = await client.get(f"{CONTEXT}/health", headers=GOOD)
    assert ok.status == 200
    assert (await ok.json())["status"] == "UP"
    p.observer.connection_changed(False)
    down = await client.get(f"{CONTEXT}/health", headers=GOOD)
    body = await down.json()
    assert down.status == 503
    assert body["components"]["broker"]["status"] == "DOWN"
    assert body["components"]["registration"]["status"] == "UP"
    assert set(body["components"]) == {
        "broker",
        "registration",
        "kubernetes",
        "inferenceServiceCrd",
    }


@pytest.mark.parametrize("endpoint", ["metrics", "prometheus"])
async def test_metrics_show_observed_messages_when_authenticated(participant, endpoint):
    p, client = participant
    p.observer.message_received("PARTICIPANT_PRIME")
    p.observer.operation_finished("deploy", "NO_ERROR", 1.5)
    response = await client.get(f"{CONTEXT}/{endpoint}", headers=GOOD)
    text = await response.text()
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert 'kserve_participant_messages_received_total{type="PARTICIPANT_PRIME"} 1.0' in text
    assert (
        'kserve_participant_operation_duration_seconds_count{operation="deploy",result="NO_ERROR"}'
        " 1.0" in text
    )


async def test_endpoint_is_absent_when_not_in_exposure_include():
    p = Participant(exposed=frozenset({"health"}))
    async with TestClient(TestServer(p.server.application())) as client:
        assert (await client.get(f"{CONTEXT}/prometheus", headers=GOOD)).status == 404
        assert (await client.get(f"{CONTEXT}/health", headers=GOOD)).status == 503


async def test_routes_follow_context_and_base_path_when_configured():
    p = Participant(context_path="/ctx", base_path="/actuator")
    p.all_up()
    async with TestClient(TestServer(p.server.application())) as client:
        assert (await client.get("/ctx/actuator/health/liveness")).status == 200
        assert (await client.get("/ctx/actuator/health", headers=GOOD)).status == 200
        assert (await client.get(f"{CONTEXT}/health/liveness", headers=GOOD)).status == 404


async def test_server_binds_a_free_port_and_stops_when_port_zero_is_asked():
    p = Participant(port=0, address="127.0.0.1")
    await p.server.start()
    try:
        assert p.server.port
        assert p.server.port != 0
    finally:
        await p.server.stop()
