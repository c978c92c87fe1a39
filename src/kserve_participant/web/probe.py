"""Periodic check of the Kubernetes API: is it reachable, and is the InferenceService CRD served.

Uses API discovery (``GET /apis/{group}/{version}``), which every authenticated user may read,
so the check needs no RBAC beyond what the participant has. The HTTP call is injected so the
same code runs against a real API server and in unit tests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable

from kserve_participant.web.health import HealthState

__all__ = ["Fetch", "KubernetesProbe"]

log = logging.getLogger(__name__)

# GET of an API path: returns (status code, body); raises OSError-like errors when unreachable.
Fetch = Callable[[str], Awaitable[tuple[int, bytes]]]


def _reason(exc: BaseException) -> str:
    """The error's name and text, plus the operating system's word for it when it has one
    (httpx says only "All connection attempts failed"; its cause says "Connection refused")."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno:
            return f"{text} ({os.strerror(cause.errno)})"
        cause = cause.__cause__ or cause.__context__
    return text


class KubernetesProbe:
    def __init__(
        self,
        fetch: Fetch,
        health: HealthState,
        *,
        group: str,
        version: str,
        plural: str,
        on_request: Callable[[str, int], None] | None = None,
        timeout: float = 5.0,
        server: str = "",
    ) -> None:
        self._fetch = fetch
        self._health = health
        self._path = f"/apis/{group}/{version}"
        self._plural = plural
        self._on_request = on_request
        self._timeout = timeout
        self._server = server or "the API server"
        self._checked = False

    async def check(self) -> None:
        """One check; updates the health state and logs the first result and transitions."""
        before = (self._health.kubernetes_reachable, self._health.crd_present)
        try:
            async with asyncio.timeout(self._timeout):
                code, body = await self._fetch(self._path)
        except Exception as exc:  # any failure to get an answer means "unreachable"
            self._count(0)
            self._set(False, False, f"API server {self._server} unreachable: {_reason(exc)}")
        else:
            self._count(code)
            self._interpret(code, body)
        after = (self._health.kubernetes_reachable, self._health.crd_present)
        first, self._checked = not self._checked, True
        if after != before or (first and not all(after)):
            level = logging.INFO if all(after) else logging.WARNING
            log.log(level, "kubernetes health changed: %s", self._health.kubernetes_detail)

    def _interpret(self, code: int, body: bytes) -> None:
        if code == 404:
            self._set(True, False, f"{self._path} is not served: InferenceService CRD missing")
            return
        if code != 200:
            self._set(code < 500, False, f"{self._path} answered HTTP {code}")
            return
        try:
            resources = json.loads(body).get("resources", [])
            names = {resource.get("name") for resource in resources}
        except (ValueError, AttributeError):
            self._set(True, False, f"{self._path} answered an unreadable discovery document")
            return
        if self._plural in names:
            self._set(True, True, "ok")
        else:
            self._set(True, False, f"{self._plural} not listed in {self._path}")

    def _set(self, reachable: bool, crd: bool, detail: str) -> None:
        self._health.kubernetes_reachable = reachable
        self._health.crd_present = crd
        self._health.kubernetes_detail = detail

    def _count(self, code: int) -> None:
        if self._on_request is not None:
            self._on_request("discover", code)

    async def run(self, interval: float, wake: asyncio.Event | None = None) -> None:
        """Checks every ``interval`` seconds (or when ``wake`` is set) until cancelled."""
        wake = wake or asyncio.Event()
        while True:
            await self.check()
            try:
                async with asyncio.timeout(interval):
                    await wake.wait()
            except TimeoutError:
                pass
            wake.clear()
