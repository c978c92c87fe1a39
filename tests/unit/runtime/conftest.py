"""A participant on the in-memory broker, and a peer playing ACM-R's side of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from acm_participant import ElementHandler
from acm_participant.testing import participant_under_test

from .builders import RecordingHandler, make_settings


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
