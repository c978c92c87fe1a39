"""Fixtures shared by several integration test files (the stack's own: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kserve_participant.devstack import Stack
from tests.integration.conformance_harness import Harness, kafka_harness


@pytest.fixture
async def harness(stack: Stack) -> AsyncIterator[Harness]:
    """Conformance tests: participants and runtime peers on the stack's PLAINTEXT listener."""
    async with kafka_harness(stack.info.kafka_bootstrap) as h:
        yield h
