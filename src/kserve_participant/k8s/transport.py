"""The Kubernetes client's HTTP/1.1 transport, over aiohttp.

Why: lightkube speaks httpx2, whose default transport (httpcore2) imports an HTTP/2 stack (h2,
hpack, hyperframe), anyio and h11 whether or not HTTP/2 is used: measured 3.2 MiB of resident
memory and 50-80 ms of start-up, about a fifth of what the participant weighs beyond its
libraries (docs/benchmarks.md). The participant talks HTTP/1.1 to the API server and already
loads aiohttp for its own HTTP server, so requests go through an aiohttp session instead.
httpx2 still builds the requests (authentication, headers, content decoding); this transport
only moves bytes. Proxies configured in the environment keep httpx2's own transports.

Transport failures become httpx2's exceptions, so callers see the same errors as before.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx2
from yarl import URL

__all__ = ["AiohttpTransport"]

# As httpx2's defaults: connections at most, and how long an idle one is kept.
_MAX_CONNECTIONS = 100
_KEEPALIVE_S = 5.0


@contextmanager
def _mapped(request: httpx2.Request) -> Iterator[None]:
    """aiohttp's and the socket's failures as the httpx2 exceptions lightkube's callers expect."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx2.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
    except (aiohttp.SocketTimeoutError, TimeoutError) as exc:
        raise httpx2.ReadTimeout(str(exc) or "read timed out", request=request) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx2.ConnectError(str(exc), request=request) from exc
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
        raise httpx2.RemoteProtocolError(str(exc), request=request) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise httpx2.ReadError(f"{type(exc).__name__}: {exc}", request=request) from exc


class _Body(httpx2.AsyncByteStream):
    """A response body read as it arrives (a watch stream is one long response)."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx2.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped(self._request):
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx2.AsyncBaseTransport):
    """HTTP/1.1 through one aiohttp session, opened on the first request (in the running loop).

    ``ssl_context`` verifies the API server and carries the client certificate, if any.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None) -> None:
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                ssl=self._ssl,
                limit=_MAX_CONNECTIONS,
                limit_per_host=0,
                keepalive_timeout=_KEEPALIVE_S,
            )
            # httpx2 decodes gzip itself, from the headers it is given.
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        return self._session

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=timeouts.get("connect"), sock_read=timeouts.get("read")
        )
        body = await request.aread()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        with _mapped(request):
            response = await self._open().request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=timeout,
            )
        return httpx2.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_Body(response, request),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("ascii", "ignore"),
            },
        )

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
            # Lets the connector's TLS connections finish closing before the loop ends.
            await asyncio.sleep(0)
