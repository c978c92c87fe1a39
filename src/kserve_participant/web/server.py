"""The participant's HTTP endpoints, at the Java participant's port and context path.

Routes (under ``server.servlet.context-path`` + ``management.endpoints.web.base-path``):
``health`` (components, basic auth), ``health/liveness`` and ``health/readiness`` (no auth, so
plain Kubernetes probes work), ``metrics`` and ``prometheus`` (Prometheus text, basic auth).
Handlers read the health state and the registry; they change nothing.
"""

from __future__ import annotations

import errno
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from kserve_participant.web.auth import BasicAuth
from kserve_participant.web.health import HealthState

__all__ = ["HttpServer", "HttpSettings", "ListenError"]

log = logging.getLogger(__name__)

_REALM = 'Basic realm="kserve-participant"'


class ListenError(OSError):
    """The HTTP server cannot listen where it was told to (a configuration error)."""


@dataclass(frozen=True, slots=True)
class HttpSettings:
    port: int = 6969
    address: str = "0.0.0.0"
    context_path: str = "/onap/policy/clamp/acm/kserveparticipant"
    base_path: str = "/"
    exposed: frozenset[str] = frozenset({"health", "metrics", "prometheus"})
    ssl_context: ssl.SSLContext | None = None

    def path(self, endpoint: str) -> str:
        base = self.base_path.strip("/")
        parts = [self.context_path.rstrip("/"), base, endpoint]
        return "/" + "/".join(part.strip("/") for part in parts if part.strip("/"))


class HttpServer:
    """Owns the aiohttp runner; ``start``/``stop`` are called by the composition root."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        health: HealthState,
        registry: CollectorRegistry,
        auth: BasicAuth,
    ) -> None:
        self._settings = settings
        self._health = health
        self._registry = registry
        self._auth = auth
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._authenticate])
        s = self._settings
        app.router.add_get(s.path("health/liveness"), self._liveness)
        app.router.add_get(s.path("health/readiness"), self._readiness)
        if "health" in s.exposed:
            app.router.add_get(s.path("health"), self._health_report)
        for name in ("metrics", "prometheus"):
            if name in s.exposed:
                app.router.add_get(s.path(name), self._metrics)
        return app

    def _is_open(self, path: str) -> bool:
        return path in (
            self._settings.path("health/liveness"),
            self._settings.path("health/readiness"),
        )

    @web.middleware
    async def _authenticate(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if self._is_open(request.path) or self._auth.allows(request.headers.get("Authorization")):
            return await handler(request)
        return web.json_response(
            {"status": 401, "error": "Unauthorized"},
            status=401,
            headers={"WWW-Authenticate": _REALM},
        )

    async def _liveness(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "UP"})

    async def _readiness(self, request: web.Request) -> web.Response:
        reasons = self._health.unready_reasons()
        if not reasons:
            return web.json_response({"status": "UP"})
        return web.json_response({"status": "OUT_OF_SERVICE", "reasons": reasons}, status=503)

    async def _health_report(self, request: web.Request) -> web.Response:
        components = self._health.components()
        healthy = self._health.healthy
        body = {
            "status": "UP" if healthy else "DOWN",
            "components": {name: c.as_json() for name, c in components.items()},
        }
        return web.json_response(body, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(self._registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    async def start(self) -> None:
        self._auth.explain_if_unconfigured()
        runner = web.AppRunner(self.application(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(
            runner,
            host=self._settings.address,
            port=self._settings.port,
            ssl_context=self._settings.ssl_context,
        )
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            where = f"{self._settings.address}:{self._settings.port}"
            if exc.errno == errno.EADDRINUSE:
                reason = "the address is already in use (server.port / server.address)"
            else:
                reason = exc.strerror or str(exc)
            raise ListenError(f"http server cannot listen on {where}: {reason}") from None
        self._runner = runner
        sockets = getattr(site._server, "sockets", None) or []  # bound port when 0 was asked
        self.port = sockets[0].getsockname()[1] if sockets else self._settings.port
        scheme = "https" if self._settings.ssl_context else "http"
        log.info(
            "http server listening on %s://%s:%s%s",
            scheme,
            self._settings.address,
            self.port,
            self._settings.context_path,
        )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
