"""The Kubernetes client's aiohttp transport: what httpx2 callers see is what its own transport
gave them (status, headers, decoded bodies, streamed lines, the same exception types)."""

from __future__ import annotations

import asyncio
import gzip
import socket
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx2
import pytest
from aiohttp import web

from kserve_participant.k8s.transport import AiohttpTransport


async def _objects(request: web.Request) -> web.Response:
    return web.json_response(
        {"query": request.query_string, "method": request.method, "body": await request.text()},
        headers={"Warning": '299 - "unknown field"'},
    )


async def _gzipped(_: web.Request) -> web.Response:
    body = gzip.compress(b'{"kind": "List"}' * 1000)
    return web.Response(body=body, headers={"Content-Encoding": "gzip"})


async def _watch(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    for n in range(3):
        await response.write(f'{{"type": "ADDED", "n": {n}}}\n'.encode())
        await asyncio.sleep(0.01)
    if request.query.get("cut"):  # the server goes away mid-stream
        assert request.transport is not None
        request.transport.close()
    return response


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/objects", _objects)
    app.router.add_get("/gzipped", _gzipped)
    app.router.add_get("/watch", _watch)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def client(server: str) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=server, transport=AiohttpTransport(None)) as client:
        yield client


async def test_a_request_arrives_as_sent_and_its_answer_as_returned(client):
    selector = "app.kubernetes.io/managed-by=kserve-participant,tier!=x"
    response = await client.patch(
        "/objects", params={"labelSelector": selector}, content=b'{"spec": {}}'
    )

    assert response.status_code == 200
    assert response.reason_phrase == "OK"
    assert response.headers["warning"] == '299 - "unknown field"'
    sent = response.json()
    assert httpx2.QueryParams(sent["query"])["labelSelector"] == selector
    assert (sent["method"], sent["body"]) == ("PATCH", '{"spec": {}}')


async def test_a_gzipped_answer_is_decoded_once(client):
    response = await client.get("/gzipped")

    assert response.content == b'{"kind": "List"}' * 1000


async def test_a_watch_is_read_line_by_line_as_it_arrives(client):
    lines = await _read_all(client, {})

    assert lines == [f'{{"type": "ADDED", "n": {n}}}' for n in range(3)]


async def _read_all(client: httpx2.AsyncClient, params: dict[str, str]) -> list[str]:
    async with client.stream("GET", "/watch", params=params) as response:
        return [line async for line in response.aiter_lines()]


async def test_a_stream_the_server_cuts_ends_in_an_httpx2_transport_error(client):
    # a clean end is not what happened: the chunked body was never terminated
    with pytest.raises(httpx2.TransportError):
        await _read_all(client, {"cut": "1"})


async def test_an_unreachable_server_is_an_httpx2_connect_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nobody listens there once closed
    transport = AiohttpTransport(None)
    async with httpx2.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx2.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


async def test_an_answer_that_never_comes_is_an_httpx2_read_timeout():
    release = asyncio.Event()

    async def slow(_: web.Request) -> web.Response:
        await release.wait()  # no answer while the client waits
        return web.Response()

    app = web.Application()
    app.router.add_get("/", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        timeout = httpx2.Timeout(5.0, read=0.2)
        async with httpx2.AsyncClient(transport=AiohttpTransport(None), timeout=timeout) as client:
            with pytest.raises(httpx2.ReadTimeout):
                await client.get(f"http://127.0.0.1:{port}/")
    finally:
        release.set()
        await runner.cleanup()


def test_the_transport_does_not_load_an_http2_stack():
    code = (
        "import sys, httpx2, lightkube\n"
        "from kserve_participant.k8s.transport import AiohttpTransport\n"
        "httpx2.AsyncClient(transport=AiohttpTransport(None))\n"
        "print(sorted(m for m in ('h2', 'httpcore2', 'anyio') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
