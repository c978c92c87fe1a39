"""The HTTP example participant and a REST service for it to call (aiohttp, on a free port)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from aiohttp import web

EXAMPLE_DIR = Path(__file__).parents[3] / "examples" / "02-http-participant"


def load_http_example() -> ModuleType:
    """``examples/02-http-participant/http_participant.py`` imported as a user would."""
    name = "http_participant"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EXAMPLE_DIR / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class RestService:
    """A REST collection at ``/things``: keeps what was PUT, answers with scripted statuses."""

    url: str = ""
    things: dict[str, Any] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    """Statuses to answer first (one per request), before behaving normally."""

    async def handle(self, request: web.Request) -> web.Response:
        thing = request.match_info["thing"]
        self.requests.append((request.method, thing))
        if self.script:
            status = self.script.pop(0)
            return web.Response(status=status, text=f"scripted {status}")
        if request.method == "PUT":
            self.things[thing] = await request.json()
            return web.Response(status=201)
        if self.things.pop(thing, None) is None:
            return web.Response(status=404)
        return web.Response(status=204)


@asynccontextmanager
async def rest_service() -> AsyncIterator[RestService]:
    service = RestService()
    app = web.Application()
    app.router.add_route("*", "/things/{thing}", service.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    service.url = f"http://127.0.0.1:{port}/things"
    try:
        yield service
    finally:
        await runner.cleanup()
