"""A stand-in for DMaaP Message Router, which cannot be installed here: its documented REST API.

``GET /events/{topic}/{consumerGroup}/{consumerId}?timeout=ms&limit=n`` long-polls: it answers
as soon as the group has unread messages (at most ``limit``), or ``[]`` after ``timeout`` ms.
Like MR, a group's position advances when messages are served, and each entry of the array is
the message as a JSON string. ``POST /events/{topic}`` takes a JSON array (each element becomes
one message) or a single JSON value. Optional basic auth answers 401 without valid credentials.

Test knobs: ``fail_next(count, status, method=)`` answers the next requests with an error,
``serve_objects`` serves entries as JSON values instead of strings, ``requests`` records what
was asked.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: bytes
    authorization: str | None


@dataclass
class _Topic:
    messages: list[str] = field(default_factory=list)
    cursors: dict[str, int] = field(default_factory=dict)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


class DmaapStandin:
    """Message Router's events API in memory; ``async with`` starts it on a free local port."""

    def __init__(self, *, username: str | None = None, password: str | None = None) -> None:
        self._credentials = (username, password) if username is not None else None
        self._topics: dict[str, _Topic] = {}
        self._failures: dict[str, list[int]] = {"GET": [], "POST": []}
        self._closing = False
        self.serve_objects = False
        self.requests: list[SeenRequest] = []
        self._runner: web.AppRunner | None = None
        self._polled = asyncio.Condition()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, count: int, status: int = 500, *, method: str = "POST") -> None:
        """Answers the next ``count`` requests of ``method`` with HTTP ``status``."""
        self._failures[method].extend([status] * count)

    def messages(self, topic: str) -> list[str]:
        return list(self._topic(topic).messages)

    async def wait_polled(self, topic: str, group: str) -> None:
        """Returns once ``group`` has a position on ``topic`` (so it will see what comes next)."""
        async with self._polled:
            await self._polled.wait_for(lambda: group in self._topic(topic).cursors)

    async def add(self, topic: str, *messages: str) -> None:
        """Publishes as another client would."""
        state = self._topic(topic)
        async with state.changed:
            state.messages.extend(messages)
            state.changed.notify_all()

    async def __aenter__(self) -> DmaapStandin:
        app = web.Application()
        app.router.add_get("/events/{topic}/{group}/{consumer}", self._get)
        app.router.add_post("/events/{topic}", self._post)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        self._closing = True  # pending long polls answer [] at once instead of at their timeout
        for state in self._topics.values():
            async with state.changed:
                state.changed.notify_all()
        await self._runner.cleanup()

    def _topic(self, topic: str) -> _Topic:
        return self._topics.setdefault(topic, _Topic())

    async def _admit(self, request: web.Request) -> web.Response | None:
        body = await request.read()
        self.requests.append(
            SeenRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                content_type=request.content_type,
                body=body,
                authorization=request.headers.get("Authorization"),
            )
        )
        failures = self._failures[request.method]
        if failures:
            return web.json_response({"error": "stand-in failure"}, status=failures.pop(0))
        if self._credentials is not None:
            user, password = self._credentials
            expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if request.headers.get("Authorization") != expected:
                return web.json_response({"error": "unauthorized"}, status=401)
        return None

    async def _get(self, request: web.Request) -> web.Response:
        refused = await self._admit(request)
        if refused is not None:
            return refused
        state = self._topic(request.match_info["topic"])
        group = request.match_info["group"]
        timeout_s = int(request.query.get("timeout", "15000")) / 1000
        limit = int(request.query.get("limit", "4096"))
        async with state.changed:
            # a new group starts at the end, as MR does for a never-seen consumer group
            if group not in state.cursors:
                state.cursors[group] = len(state.messages)
                async with self._polled:
                    self._polled.notify_all()
            try:
                async with asyncio.timeout(timeout_s):
                    await state.changed.wait_for(
                        lambda: self._closing or state.cursors[group] < len(state.messages)
                    )
            except TimeoutError:
                return web.json_response([])
            if self._closing:
                return web.json_response([])
            start = state.cursors[group]
            served = state.messages[start : start + limit]
            state.cursors[group] = start + len(served)
        entries: list[Any] = [json.loads(m) for m in served] if self.serve_objects else served
        return web.json_response(entries)

    async def _post(self, request: web.Request) -> web.Response:
        refused = await self._admit(request)
        if refused is not None:
            return refused
        try:
            payload = json.loads(await request.read())
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        items = payload if isinstance(payload, list) else [payload]
        await self.add(request.match_info["topic"], *(json.dumps(item) for item in items))
        return web.json_response({"serverTimeMs": 1, "count": len(items)})
