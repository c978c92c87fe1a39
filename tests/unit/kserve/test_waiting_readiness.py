"""Which observed state a waiter may judge after our write."""

from __future__ import annotations

from typing import Any

from kserve_participant.k8s.watch import Observed
from kserve_participant.kserve.readiness import Phase, WriteMark
from kserve_participant.kserve.waiting import readiness_of

READY: dict[str, Any] = {
    "metadata": {"name": "m", "uid": "u", "generation": 1},
    "status": {"conditions": [{"type": "Ready", "status": "True"}]},
}


def test_a_view_from_before_our_write_is_not_judged():
    # The watch's cache can still hold generation 1 when our write made generation 2: its
    # Deployments match its own older spec, so judging it would ack an update not rolled out.
    assert readiness_of(Observed(READY, True), "u", WriteMark(2, "9")) is None


def test_the_view_of_our_generation_is_judged():
    ours = {**READY, "metadata": {**READY["metadata"], "generation": 2}}
    readiness = readiness_of(Observed(ours, True), "u", WriteMark(2, "9"))
    assert readiness is not None
    assert readiness.phase is Phase.READY
