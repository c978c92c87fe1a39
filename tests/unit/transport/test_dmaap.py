"""The DMaaP transport against a stand-in for DMaaP Message Router (tests/dmaap_standin.py).

DMaaP MR itself cannot be installed here; the stand-in implements its documented events API.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from pydantic import SecretStr

from acm_participant.errors import TransportAuthError, TransportError
from acm_participant.observe import Observer
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Record, Subscription
from acm_participant.transport.dmaap import DmaapSettings, DmaapTransport, DmaapTransportOptions
from tests.dmaap_standin import DmaapStandin

TOPIC = "POLICY-ACRUNTIME-PARTICIPANT"
FAST = DmaapTransportOptions(publish_timeout_s=5, backoff=Backoff(initial_s=0.01, max_s=0.05))


class RecordingObserver(Observer):
    def __init__(self) -> None:
        self.events: list[str] = []

    def connection_changed(self, connected: bool) -> None:
        self.events.append("up" if connected else "down")

    def reconnected(self) -> None:
        self.events.append("reconnected")


@asynccontextmanager
async def transport_on(
    standin: DmaapStandin,
    *,
    group: str = "participant",
    observer: Observer | None = None,
    options: DmaapTransportOptions = FAST,
    **settings: object,
) -> AsyncIterator[DmaapTransport]:
    settings.setdefault("poll_timeout_ms", 2000)
    config = DmaapSettings(base_url=standin.base_url, **settings)  # type: ignore[arg-type]
    transport = DmaapTransport(config, [Subscription(TOPIC, group)], observer, options=options)
    await transport.start()
    try:
        yield transport
    finally:
        await transport.stop()


async def next_records(transport: DmaapTransport, count: int) -> list[Record]:
    got: list[Record] = []
    async with asyncio.timeout(10):
        async for record in transport.records():
            got.append(record)
            if len(got) == count:
                return got
    return got


async def test_dmaap_yields_string_entries_as_message_bytes_when_polled():
    async with DmaapStandin() as standin, transport_on(standin) as transport:
        await standin.wait_polled(TOPIC, "participant")
        await standin.add(TOPIC, '{"messageType":"PARTICIPANT_STATUS_REQ"}', '{"n":2}')
        records = await next_records(transport, 2)
    assert [json.loads(r.value) for r in records] == [
        {"messageType": "PARTICIPANT_STATUS_REQ"},
        {"n": 2},
    ]
    assert all(r.topic == TOPIC and r.partition is None and r.offset is None for r in records)


async def test_dmaap_yields_object_entries_as_json_bytes_when_server_serves_objects():
    async with DmaapStandin() as standin, transport_on(standin) as transport:
        standin.serve_objects = True
        await standin.wait_polled(TOPIC, "participant")
        await standin.add(TOPIC, '{"messageType": "PARTICIPANT_STATUS_REQ"}')
        (record,) = await next_records(transport, 1)
    assert json.loads(record.value) == {"messageType": "PARTICIPANT_STATUS_REQ"}


async def test_dmaap_long_polls_with_group_consumer_timeout_and_limit_when_consuming():
    async with DmaapStandin() as standin:
        async with transport_on(standin, group="grp", consumer_id="c-1", poll_limit=7):
            await standin.wait_polled(TOPIC, "grp")
        get = next(r for r in standin.requests if r.method == "GET")
    assert get.path == f"/events/{TOPIC}/grp/c-1"
    assert get.query == {"timeout": "2000", "limit": "7"}


async def test_dmaap_posts_a_json_array_when_publishing():
    async with DmaapStandin() as standin, transport_on(standin) as transport:
        await transport.publish(TOPIC, b'{"messageType":"PARTICIPANT_REGISTER"}', key="ignored")
        post = next(r for r in standin.requests if r.method == "POST")
    assert post.path == f"/events/{TOPIC}"
    assert post.content_type == "application/json"
    assert json.loads(post.body) == [{"messageType": "PARTICIPANT_REGISTER"}]
    assert standin.messages(TOPIC) == [json.dumps({"messageType": "PARTICIPANT_REGISTER"})]


async def test_dmaap_delivers_to_every_group_once_when_two_groups_poll():
    async with (
        DmaapStandin() as standin,
        transport_on(standin, group="a") as one,
        transport_on(standin, group="b") as two,
    ):
        await standin.wait_polled(TOPIC, "a")
        await standin.wait_polled(TOPIC, "b")
        await one.publish(TOPIC, b'{"x":1}')
        got_one = await next_records(one, 1)
        got_two = await next_records(two, 1)
    assert json.loads(got_one[0].value) == json.loads(got_two[0].value) == {"x": 1}


async def test_dmaap_sends_basic_auth_when_credentials_configured():
    async with (
        DmaapStandin(username="mr", password="s3cret") as standin,
        transport_on(standin, username="mr", password=SecretStr("s3cret")) as transport,
    ):
        await transport.publish(TOPIC, b"{}")
        await standin.wait_polled(TOPIC, "participant")
        expected = "Basic " + base64.b64encode(b"mr:s3cret").decode()
    assert {r.authorization for r in standin.requests} == {expected}


async def test_dmaap_publish_raises_auth_error_without_password_when_credentials_wrong():
    async with (
        DmaapStandin(username="mr", password="right") as standin,
        transport_on(standin, username="mr", password=SecretStr("wrong-pw")) as transport,
    ):
        with pytest.raises(TransportAuthError) as caught:
            await transport.publish(TOPIC, b"{}")
    assert "'mr'" in str(caught.value)
    assert "wrong-pw" not in str(caught.value)


async def test_dmaap_publish_retries_when_server_answers_500_then_succeeds():
    observer = RecordingObserver()
    async with (
        DmaapStandin() as standin,
        transport_on(standin, observer=observer, poll_timeout_ms=60_000) as transport,
    ):
        await standin.wait_polled(TOPIC, "participant")  # its one long poll is now in flight
        await transport.publish(TOPIC, b'{"before":"errors"}')
        standin.fail_next(2, status=500)
        await transport.publish(TOPIC, b'{"after":"errors"}')
        posts = [r for r in standin.requests if r.method == "POST"]
    assert len(posts) == 4
    assert standin.messages(TOPIC) == ['{"before": "errors"}', '{"after": "errors"}']
    assert observer.events == ["up", "down", "up", "reconnected"]


async def test_dmaap_keeps_polling_when_server_answers_500():
    async with DmaapStandin() as standin:
        standin.fail_next(3, status=503, method="GET")
        async with transport_on(standin) as transport:
            await standin.wait_polled(TOPIC, "participant")
            await standin.add(TOPIC, '{"still":"here"}')
            (record,) = await next_records(transport, 1)
        failed_gets = [r for r in standin.requests if r.method == "GET"][:3]
    assert len(failed_gets) == 3
    assert json.loads(record.value) == {"still": "here"}


async def test_dmaap_publish_raises_transport_error_when_server_unreachable():
    async with DmaapStandin() as standin:
        base_url = standin.base_url
    settings = DmaapSettings(base_url=base_url)  # the stand-in is gone: connection refused
    options = DmaapTransportOptions(publish_timeout_s=0.3, backoff=Backoff(initial_s=0.05))
    transport = DmaapTransport(settings, [], options=options)
    await transport.start()
    try:
        with pytest.raises(TransportError, match=r"within 0\.3 s"):
            await transport.publish(TOPIC, b"{}")
    finally:
        await transport.stop()
