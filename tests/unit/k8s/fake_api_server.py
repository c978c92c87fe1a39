"""Fakes of lightkube's AsyncClient for a K8sClient: an API server that refuses connections, one
that never answers, and one that answers lists and watches but never a write or a GET."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx2


class _Listed:
    def __init__(self, items: list[dict[str, Any]]) -> None:
        self._items = items
        self.resourceVersion = "1"

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        async def items() -> AsyncIterator[dict[str, Any]]:
            for item in self._items:
                yield item

        return items()


class _HttpClientFake:
    def __init__(self) -> None:
        self.event_hooks: dict[str, list[Any]] = {}


class _SilentStream:
    """A watch stream that stays open and never says anything."""

    def __aiter__(self) -> _SilentStream:
        return self

    async def __anext__(self) -> tuple[str, dict[str, Any]]:
        await asyncio.Event().wait()
        raise StopAsyncIteration

    async def aclose(self) -> None:
        return None


class FakeApiServer:
    """lightkube's AsyncClient as K8sClient uses it; ``mode`` says how the API server behaves:

    * ``refusing``: every request fails at once with a connection error;
    * ``hung``: every request is accepted and never answered (a SIGSTOPped API server);
    * ``hung_writes``: lists (of ``objects``) and watches are answered, GETs and writes never.
    """

    def __init__(self, mode: str, objects: list[dict[str, Any]] | None = None) -> None:
        self.mode = mode
        self.objects = list(objects or [])
        self.attempts: list[tuple[str, float]] = []  # verb, loop time it was sent
        self.pending: dict[str, int] = {}  # verb -> requests sent and not answered yet
        self._client = type("Wrapper", (), {"_client": _HttpClientFake()})()

    async def _request(self, verb: str) -> None:
        self.attempts.append((verb, asyncio.get_running_loop().time()))
        if self.mode == "refusing":
            raise httpx2.ConnectError("[Errno 111] Connection refused")
        if self.mode == "hung" or verb not in ("list", "watch"):
            self.pending[verb] = self.pending.get(verb, 0) + 1
            try:
                await asyncio.Event().wait()
            finally:
                self.pending[verb] -= 1

    async def get(self, *_: Any, **__: Any) -> dict[str, Any]:
        await self._request("get")
        raise AssertionError("unreachable")

    async def apply(self, *_: Any, **__: Any) -> dict[str, Any]:
        await self._request("apply")
        raise AssertionError("unreachable")

    async def delete(self, *_: Any, **__: Any) -> None:
        await self._request("delete")

    def list(self, *_: Any, **__: Any) -> Any:
        server = self

        class _Lazy:
            resourceVersion = "1"

            def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
                async def items() -> AsyncIterator[dict[str, Any]]:
                    await server._request("list")
                    async for item in _Listed(server.objects):
                        yield item

                return items()

        return _Lazy()

    def watch(self, *_: Any, **__: Any) -> Any:
        server = self

        class _Stream(_SilentStream):
            async def __anext__(self) -> tuple[str, dict[str, Any]]:
                await server._request("watch")
                return await super().__anext__()

        return _Stream()

    async def close(self) -> None:
        return None

    def in_flight(self, *verbs: str) -> int:
        return sum(self.pending.get(verb, 0) for verb in verbs)
