"""The fault suite, reduced (3 deploys per outage, a burst of 9 over 3 replicas, 1,000 hostile
records). Full sizes and the figures table: `python -m tests.integration.faults`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.faults import REDUCED, SCENARIOS

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_fault_every_order_acked_once_nothing_orphaned_when(
    name: str, stack: Any, namespace: str, tmp_path: Path
) -> None:
    figures = await SCENARIOS[name](stack, namespace, tmp_path, REDUCED)
    measured = figures.measured
    assert (measured.lost, measured.conflicting, measured.orphans) == (0, 0, 0)
