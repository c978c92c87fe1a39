"""The DMaaP Message Router transport: long-poll consume and publish over MR's REST API (httpx).

Message Router's documented API: ``GET {base}/events/{topic}/{consumerGroup}/{consumerId}
?timeout={ms}&limit={n}`` returns a JSON array whose entries are messages (each a JSON string
holding one message, or a JSON value), and ``POST {base}/events/{topic}`` with
``Content-Type: application/json`` publishes a JSON array. MR advances a group's position when
it serves a fetch, so there is nothing to commit and records carry no partition or offset.
With DMaaP, ONAP uses one topic for both directions. Keys have no place in that API: ignored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from acm_participant.errors import TransportAuthError, TransportError
from acm_participant.observe import Observer
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Record, Subscription

__all__ = ["DmaapSettings", "DmaapTransport", "DmaapTransportOptions"]

log = logging.getLogger(__name__)


class DmaapSettings(BaseModel):
    """Where Message Router is and how to authenticate to it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = Field(min_length=1)  # e.g. "https://message-router:3905"
    username: str | None = None
    password: SecretStr | None = None
    ca_file: Path | None = None  # verify the server with this CA bundle instead of the system's
    verify_tls: bool = True
    consumer_id: str = Field(default_factory=lambda: f"acm-{uuid.uuid4()}")
    poll_timeout_ms: int = Field(default=15_000, ge=0)
    poll_limit: int = Field(default=100, gt=0)

    def connect(self, subscriptions: list[Subscription], observer: Observer) -> DmaapTransport:
        """A DMaaP transport with these settings consuming ``subscriptions``."""
        return DmaapTransport(self, subscriptions, observer)


@dataclass(frozen=True, slots=True)
class DmaapTransportOptions:
    publish_timeout_s: float = 30.0
    request_timeout_s: float = 10.0  # besides the long-poll wait itself
    backoff: Backoff = field(default_factory=Backoff)


class _Stopped:
    """Marks the end of the record stream."""


_STOPPED = _Stopped()


def _entry_bytes(entry: Any) -> bytes:
    """One array entry as message bytes: a string is the message itself, else its JSON."""
    if isinstance(entry, str):
        return entry.encode()
    return json.dumps(entry, separators=(",", ":")).encode()


class DmaapTransport:
    """A :class:`~acm_participant.transport.base.Transport` over DMaaP Message Router."""

    def __init__(
        self,
        settings: DmaapSettings,
        subscriptions: list[Subscription],
        observer: Observer | None = None,
        *,
        options: DmaapTransportOptions | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._subscriptions = list(subscriptions)
        self._observer = observer or Observer()
        self._options = options or DmaapTransportOptions()
        self._http_transport = http_transport
        self._client: httpx.AsyncClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._inbox: asyncio.Queue[Record | _Stopped] = asyncio.Queue(maxsize=1)
        self._connected: bool | None = None
        self._stopped = False

    @property
    def connected(self) -> bool:
        return bool(self._connected)

    async def start(self) -> None:
        settings = self._settings
        auth = None
        if settings.username is not None and settings.password is not None:
            auth = httpx.BasicAuth(settings.username, settings.password.get_secret_value())
        verify: Any = settings.verify_tls
        if settings.verify_tls and settings.ca_file is not None:
            verify = str(settings.ca_file)
        self._client = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/"),
            auth=auth,
            verify=verify,
            timeout=self._options.request_timeout_s,
            transport=self._http_transport,
        )
        log.info("Using DMaaP Message Router at %s", settings.base_url)
        for subscription in self._subscriptions:
            task = asyncio.create_task(
                self._poll(subscription), name=f"dmaap-poll-{subscription.topic}"
            )
            self._tasks.append(task)

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._client is not None:
            await self._client.aclose()
        while not self._inbox.empty():
            self._inbox.get_nowait()
        self._inbox.put_nowait(_STOPPED)

    async def publish(self, topic: str, value: bytes, *, key: str | None = None) -> None:
        if self._client is None or self._stopped:
            raise TransportError(f"DMaaP transport not running: cannot publish to {topic!r}")
        body = b"[" + value + b"]"
        path = f"/events/{quote(topic, safe='')}"
        delays = self._options.backoff.delays()
        timeout_s = self._options.publish_timeout_s
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    failure = await self._post(path, body)
                    if failure is None:
                        return
                    log.warning("Publish to %s failed (%s); retrying", topic, failure)
                    await asyncio.sleep(next(delays))
        except TimeoutError as exc:
            raise TransportError(
                f"DMaaP did not accept a message for {topic!r} within {timeout_s:g} s"
            ) from exc

    async def _post(self, path: str, body: bytes) -> str | None:
        """Posts once; None on success, the retriable failure otherwise."""
        assert self._client is not None
        try:
            response = await self._client.post(
                path, content=body, headers={"Content-Type": "application/json"}
            )
        except httpx.TransportError as exc:
            self._set_connected(False)
            return repr(exc)
        self._check_auth(response)
        if response.status_code >= 500:
            self._set_connected(False)
            return f"HTTP {response.status_code}"
        if response.status_code >= 400:
            raise TransportError(f"DMaaP rejected a message: HTTP {response.status_code}")
        self._set_connected(True)
        return None

    def done(self, record: Record) -> None:
        """Nothing to commit: this broker has no offsets to hold back."""

    async def records(self) -> AsyncIterator[Record]:
        while True:
            item = await self._inbox.get()
            if isinstance(item, _Stopped):
                self._inbox.put_nowait(item)
                return
            yield item

    async def _poll(self, subscription: Subscription) -> None:
        assert self._client is not None
        settings = self._settings
        path = "/events/{}/{}/{}".format(
            *(quote(part, safe="") for part in (subscription.topic, subscription.group)),
            quote(settings.consumer_id, safe=""),
        )
        params = {"timeout": settings.poll_timeout_ms, "limit": settings.poll_limit}
        read_timeout = settings.poll_timeout_ms / 1000 + self._options.request_timeout_s
        delays = self._options.backoff.delays()
        while True:
            try:
                response = await self._client.get(path, params=params, timeout=read_timeout)
                self._check_auth(response)
                response.raise_for_status()
                entries = response.json()
            except (httpx.HTTPError, ValueError, TransportAuthError) as exc:
                self._set_connected(False)
                log.warning("Polling %s failed: %s", subscription.topic, _describe(exc))
                await asyncio.sleep(next(delays))
                continue
            self._set_connected(True)
            delays = self._options.backoff.delays()
            if not isinstance(entries, list):
                log.warning("DMaaP answered a poll of %s with a non-array", subscription.topic)
                continue
            for entry in entries:
                await self._inbox.put(Record(topic=subscription.topic, value=_entry_bytes(entry)))

    def _check_auth(self, response: httpx.Response) -> None:
        if response.status_code in (401, 403):
            who = self._settings.username
            raise TransportAuthError(
                f"DMaaP refused the credentials of {f'user {who!r}' if who else 'anonymous'}: "
                f"HTTP {response.status_code}"
            )

    def _set_connected(self, connected: bool) -> None:
        if connected == self._connected:
            return
        was_connected_before = self._connected is not None
        self._connected = connected
        self._observer.connection_changed(connected)
        if connected and was_connected_before:
            log.info("DMaaP reachable again")
            self._observer.reconnected()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return str(exc) or type(exc).__name__
