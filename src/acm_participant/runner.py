"""The one-call entry point: run a handler as a participant until SIGTERM/SIGINT.

    acm.run(MyHandler(), settings, acm.KafkaSettings(bootstrap_servers=("kafka:9092",)))

It builds the runtime (which picks this process's replica id and subscribes the transport with
it), registers, serves, and on a signal lets running operations finish, sends DEREGISTER and
closes. ``python -m acm_participant run module:Handler`` does the same from the command line.
"""

from __future__ import annotations

import asyncio
import logging

from acm_participant.handler import ElementHandler
from acm_participant.observe import Observer
from acm_participant.runtime import ParticipantRuntime
from acm_participant.settings import ParticipantSettings
from acm_participant.transport.base import TransportFactory, TransportSettings

__all__ = ["run", "serve"]

_log = logging.getLogger(__name__)


async def serve(
    handler: ElementHandler,
    settings: ParticipantSettings,
    transport: TransportSettings | TransportFactory,
    *,
    observer: Observer | None = None,
) -> None:
    """Run the participant in the current event loop until a signal stops it."""
    runtime = ParticipantRuntime(settings, transport, handler, observer=observer)
    await runtime.run_until_stopped(handle_signals=True)


def run(
    handler: ElementHandler,
    settings: ParticipantSettings,
    transport: TransportSettings | TransportFactory,
    *,
    observer: Observer | None = None,
) -> None:
    """Run the participant in a new event loop until SIGTERM or SIGINT (blocking)."""
    asyncio.run(serve(handler, settings, transport, observer=observer))
