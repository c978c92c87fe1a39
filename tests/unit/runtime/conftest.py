"""A participant on the in-memory broker, and a peer playing ACM-R's side of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from uuid import UUID

import pytest

from acm_participant.handler import CompositionElement, ElementHandler, InstanceElement
from acm_participant.settings import ParticipantSettings, SupportedElementType
from acm_participant.testing import participant_under_test

PARTICIPANT_ID = UUID("2d9b5e7a-4c1f-4a8e-9b3d-6f0e1a2b3c4d")
ELEMENT_TYPE = SupportedElementType(type_name="org.example.Element", type_version="1.0.0")


def make_settings(**overrides: object) -> ParticipantSettings:
    values: dict[str, object] = {
        "participant_id": PARTICIPANT_ID,
        "supported_element_types": (ELEMENT_TYPE,),
        "reporting_time_interval_ms": 60_000,
        "register_retry_initial_ms": 50,
        "shutdown_grace_ms": 500,
    }
    values.update(overrides)
    return ParticipantSettings.model_validate(values)


class RecordingHandler(ElementHandler):
    """Succeeds, and remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, CompositionElement, InstanceElement]] = []

    async def deploy(self, composition, instance):
        self.calls.append(("deploy", composition, instance))
        return None

    async def undeploy(self, composition, instance):
        self.calls.append(("undeploy", composition, instance))
        return None


Started = Callable[..., object]


@pytest.fixture
async def peer_and_runtime() -> AsyncIterator[Callable[..., object]]:
    """Factory: ``await start(handler, **settings)`` gives a registered runtime and its peer."""
    stack = []

    async def start(handler: ElementHandler | None = None, *, register: bool = True, **overrides):
        context = participant_under_test(
            handler or RecordingHandler(), make_settings(**overrides), register=register
        )
        pair = await context.__aenter__()
        stack.append(context)
        return pair

    yield start
    for context in reversed(stack):
        await context.__aexit__(None, None, None)


__all__ = ["ELEMENT_TYPE", "PARTICIPANT_ID", "RecordingHandler", "make_settings"]
