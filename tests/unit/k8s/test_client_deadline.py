"""A bounded client's requests and retries end by the operation's deadline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx2
import pytest
from lightkube.core.exceptions import ApiError

from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.errors import DeadlineReached, Invalid, ServerUnavailable
from kserve_participant.k8s.resources import InferenceServiceResource
from tests.unit.k8s.fake_api_server import FakeApiServer

# The client's back-off between attempts: 0.1 s, then x3 (0.3 s, 0.9 s); 4 attempts at most.
BACKOFF_S = (0.1, 0.3, 0.9)
HANG_GUARD_S = 20.0


def _client(api: FakeApiServer) -> K8sClient:
    return K8sClient(cast(Any, api), InferenceServiceResource())


async def test_retries_stop_when_the_next_attempt_could_not_start_before_the_deadline() -> None:
    api = FakeApiServer("refusing")
    deadline = asyncio.get_running_loop().time() + 0.6
    with pytest.raises(ServerUnavailable, match="Connection refused"):
        await _client(api).bounded(deadline).get("ns", "model")
    sent = [at for _, at in api.attempts]
    assert all(at < deadline for at in sent)
    assert len(sent) < 4  # an unbounded client makes 4 attempts (test below)
    # The attempt that would have followed the last one could not start before the deadline.
    assert sent[-1] + BACKOFF_S[len(sent) - 1] >= deadline


async def test_unbounded_client_makes_its_four_attempts() -> None:
    api = FakeApiServer("refusing")
    with pytest.raises(ServerUnavailable):
        await _client(api).get("ns", "model")
    assert len(api.attempts) == 4


async def test_request_without_answer_ends_at_the_deadline_and_is_not_retried() -> None:
    api = FakeApiServer("hung")
    client = _client(api).bounded(asyncio.get_running_loop().time() + 0.2)
    async with asyncio.timeout(HANG_GUARD_S):
        with pytest.raises(DeadlineReached, match="no answer before the element's deadline"):
            await client.get("ns", "model")
    assert len(api.attempts) == 1
    assert api.in_flight("get") == 0


async def test_no_request_is_sent_once_the_deadline_has_passed() -> None:
    api = FakeApiServer("refusing")
    client = _client(api).bounded(asyncio.get_running_loop().time() - 1)
    with pytest.raises(DeadlineReached, match="no time left"):
        await client.apply({"metadata": {"name": "model", "namespace": "ns"}})
    assert api.attempts == []


async def test_a_bounded_view_only_narrows_the_deadline() -> None:
    now = asyncio.get_running_loop().time()
    client = _client(FakeApiServer("hung"))
    assert client.deadline is None
    assert client.bounded(now + 5).bounded(now + 10).deadline == now + 5
    assert client.bounded(now + 5).bounded(now + 1).deadline == now + 1


async def test_failures_of_every_view_tell_one_outage() -> None:
    client = _client(FakeApiServer("refusing"))
    with pytest.raises(ServerUnavailable):
        await client.bounded(asyncio.get_running_loop().time() + 0.05).get("ns", "model")
    outage = client.outage()
    assert outage is not None
    assert outage.last_error == "ConnectError: [Errno 111] Connection refused"


class FakeSchemaRefusingApi(FakeApiServer):
    """Answers every apply with server-side apply's 500 for a field the schema does not declare."""

    async def apply(self, *_: Any, **__: Any) -> dict[str, Any]:
        message = (
            "failed to create typed patch object (x): .spec.typo: field not declared in schema"
        )
        request = httpx2.Request("PATCH", "https://api/x")
        body = {"kind": "Status", "code": 500, "message": message}
        raise ApiError(request, httpx2.Response(500, json=body, request=request))


async def test_a_500_that_judges_the_body_is_an_answer_not_an_outage() -> None:
    client = _client(FakeSchemaRefusingApi("hung"))
    with pytest.raises(Invalid):
        await client.apply({"metadata": {"name": "model", "namespace": "ns"}})
    assert client.outage() is None


class FakeBrokenWatchApi(FakeApiServer):
    """A watch stream the connection drops under (the API server went away mid-stream)."""

    def watch(self, *_: Any, **__: Any) -> Any:
        async def stream() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            yield "ADDED", {"metadata": {"name": "model", "namespace": "ns"}}
            raise httpx2.RemoteProtocolError("peer closed connection without response")

        return stream()


async def test_a_watch_stream_that_breaks_starts_an_outage() -> None:
    client = _client(FakeBrokenWatchApi("hung"))
    heard: list[object] = []

    async def follow() -> None:
        async for _ in client.watch("ns", resource_version="1", labels={}, server_timeout=60):
            heard.append(client.outage())

    with pytest.raises(ServerUnavailable):
        await follow()
    assert heard == [None]  # an event is an answer
    outage = client.outage()
    assert outage is not None
    assert (
        outage.last_error == "watch: RemoteProtocolError: peer closed connection without response"
    )
