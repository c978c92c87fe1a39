"""Composition root: builds transport, Kubernetes client, handler, runtime and HTTP server.

:func:`prepare` turns Settings into wired components (ConfigError before any I/O);
:func:`run` logs the redacted configuration, builds and serves until a signal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from kserve_participant import __version__
from kserve_participant.app import mapping
from kserve_participant.app.components import Components, build
from kserve_participant.app.lifecycle import EXIT_BROKER, EXIT_OK, serve
from kserve_participant.config import Settings
from kserve_participant.logs import bind_globally

__all__ = ["EXIT_BROKER", "EXIT_OK", "Components", "prepare", "redacted_config", "run"]

log = logging.getLogger(__name__)


def redacted_config(settings: Settings) -> str:
    """The effective configuration as one JSON line; every secret shows as ``**********``."""
    return json.dumps(settings.model_dump(mode="json", by_alias=True), sort_keys=True)


def prepare(settings: Settings, *, add_secrets: Callable[[list[str]], None]) -> Components:
    """Validates the cross-cutting settings and builds the components (no network I/O)."""
    add_secrets(mapping.secret_values(settings))
    return build(settings, add_secrets=add_secrets)


async def run(components: Components) -> int:
    """Runs the prepared participant until stopped; returns the exit code."""
    settings = components.settings
    bind_globally(participant=settings.intermediary.participant_id)
    log.info(
        "kserve-participant %s starting transport=%s config=%s",
        __version__,
        settings.transport_kind,
        redacted_config(settings),
    )
    return await serve(components)
