"""Runs one participant process: start order, signals, graceful shutdown, exit code.

Start: HTTP server first (so the liveness probe answers while the broker is away), then the SDK
runtime (connect, register), and the Kubernetes probe once it has registered. An unreachable
broker is retried until it answers (readiness says why it is not ready meanwhile), or until
``kserveParticipant.brokerStartDeadline`` when one is set; refused credentials or a refused TLS
handshake end the process at once, as no retry fixes them. The first
SIGTERM/SIGINT marks the process not ready, lets the runtime finish or cancel in-flight
operations within the shutdown deadline, send DEREGISTER and close; then the HTTP server stops
and the exit code is 0. A second signal exits at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable

from acm_participant.errors import TransportAuthError, TransportError
from kserve_participant.app.components import Components
from kserve_participant.web.server import ListenError

__all__ = ["EXIT_BROKER", "EXIT_BROKER_UNREACHABLE", "EXIT_CONFIG", "EXIT_OK", "serve"]

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CONFIG = 2  # as `run` exits on any other configuration error
EXIT_BROKER = 3  # the broker refused the credentials or the TLS handshake
EXIT_STOP_TIMEOUT = 4  # shutdown did not finish within its deadline
EXIT_BROKER_UNREACHABLE = 5  # no broker answered within brokerStartDeadline (when one is set)
# Time beyond the configured deadline for DEREGISTER and closing the clients.
_CLOSE_MARGIN_S = 15.0
_PROBE_GRACE_S = 2.0


def _install_signals(loop: asyncio.AbstractEventLoop, on_first: Callable[[str], None]) -> None:
    seen: list[str] = []

    def handle(signum: signal.Signals) -> None:
        if seen:
            log.warning("second %s: exiting at once", signum.name)
            logging.shutdown()
            os._exit(128 + signum.value)
        seen.append(signum.name)
        on_first(signum.name)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, handle, signum)


async def _run_runtime(components: Components, started: asyncio.Event) -> int:
    runtime = components.runtime
    try:
        await runtime.start()
        started.set()
        log.info("participant started, registering with the ACM runtime")
        await runtime.run_until_stopped()
    except TransportAuthError as exc:
        log.error("broker refused the participant's credentials: %s", exc)
        return EXIT_BROKER
    except TransportError as exc:
        log.error("broker unavailable: %s", exc)
        return EXIT_BROKER_UNREACHABLE
    return EXIT_OK


async def _probe_after(components: Components, started: asyncio.Event) -> None:
    """Probe Kubernetes once the runtime has registered (or after a grace period).

    The first request loads the HTTP client's transport and TLS stack (about 0.1 s of CPU);
    done first, it delayed the REGISTER by as much. Readiness needs both anyway, and the probe
    still runs while the broker is away.
    """
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(started.wait(), _PROBE_GRACE_S)
    await components.probe.run(components.settings.kserve_participant.kubernetes_check_interval)


async def _stop_runtime(
    components: Components, started: asyncio.Event, run: asyncio.Task[int]
) -> int:
    components.health.shutting_down = True
    if not started.is_set():
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        return EXIT_OK
    deadline = components.settings.kserve_participant.shutdown_deadline + _CLOSE_MARGIN_S
    try:
        async with asyncio.timeout(deadline):
            await components.runtime.stop()
            return await run
    except TimeoutError:
        log.error("shutdown did not finish within %.0f s", deadline)
        return EXIT_STOP_TIMEOUT


async def serve(components: Components) -> int:
    """Runs until a signal or a fatal broker error; returns the process exit code."""
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()

    def on_signal(name: str) -> None:
        log.info("%s received: shutting down gracefully", name)
        stop_requested.set()

    _install_signals(loop, on_signal)
    started = asyncio.Event()
    try:
        await components.http.start()
    except ListenError as exc:
        log.error("%s", exc)
        await components.close()
        return EXIT_CONFIG
    try:
        async with asyncio.TaskGroup() as group:
            run = group.create_task(_run_runtime(components, started), name="participant")
            probe = group.create_task(_probe_after(components, started), name="kubernetes-probe")
            stop = group.create_task(stop_requested.wait(), name="stop-requested")
            await asyncio.wait({run, stop}, return_when=asyncio.FIRST_COMPLETED)
            if stop.done():
                code = await _stop_runtime(components, started, run)
            else:
                stop.cancel()
                code = run.result()
            probe.cancel()
    finally:
        await components.http.stop()
        await components.close()
    log.info("participant exited with code %d", code)
    return code
