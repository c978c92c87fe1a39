"""The statuses the stand-in KServe controller writes, per knob, without an API server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kserve_participant.devstack.standin_status import Knobs, Phase, build_status, plan

NOW = datetime(2026, 11, 29, 20, 0, 0, tzinfo=UTC)
KNOB = "standin.kserve-participant.dev/"


def _status(phase: Phase, previous: dict[str, Any] | None = None, **knobs: Any) -> dict[str, Any]:
    return build_status(
        phase,
        name="iris",
        namespace="ns1",
        generation=3,
        knobs=Knobs(**knobs),
        previous=previous,
        now=NOW,
    )


def _by_type(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in status["conditions"]}


def test_knobs_use_defaults_when_no_annotations():
    assert Knobs.from_annotations(None) == Knobs(ready_after_ms=100)


def test_knobs_read_every_annotation_when_set():
    knobs = Knobs.from_annotations(
        {
            KNOB + "ready-after-ms": "2500",
            KNOB + "fail": "InvalidSpec",
            KNOB + "fail-message": "no runtime",
            KNOB + "delete-delay-ms": "700",
            KNOB + "never-ready": "TRUE",
            "serving.kserve.io/stop": "true",
        }
    )

    assert knobs == Knobs(
        ready_after_ms=2500,
        never_ready=True,
        fail="InvalidSpec",
        fail_message="no runtime",
        delete_delay_ms=700,
        stopped=True,
    )


def test_knobs_fall_back_to_defaults_when_values_are_malformed():
    knobs = Knobs.from_annotations(
        {KNOB + "ready-after-ms": "soon", KNOB + "fail": "Crash", KNOB + "delete-delay-ms": "-5"}
    )

    assert (knobs.ready_after_ms, knobs.fail, knobs.delete_delay_ms) == (100, None, 0)


@pytest.mark.parametrize(
    ("knobs", "expected"),
    [
        (Knobs(ready_after_ms=250), [(0, Phase.PROGRESSING), (250, Phase.READY)]),
        (Knobs(never_ready=True), [(0, Phase.UNKNOWN)]),
        (Knobs(fail="FailedToLoad"), [(0, Phase.PROGRESSING), (100, Phase.FAILED_TO_LOAD)]),
        (Knobs(fail="InvalidSpec"), [(0, Phase.UNKNOWN), (100, Phase.INVALID_SPEC)]),
        (Knobs(stopped=True, fail="FailedToLoad"), [(0, Phase.STOPPED)]),
    ],
    ids=["ready", "never-ready", "failed-to-load", "invalid-spec", "stopped"],
)
def test_plan_lists_phases_in_order_when_knobs_are_set(knobs, expected):
    assert plan(knobs) == expected


def test_ready_status_has_kserve_standard_mode_shape_when_ready():
    status = _status(Phase.READY)

    assert [c["type"] for c in status["conditions"]] == [
        "IngressReady",
        "PredictorReady",
        "Ready",
        "Stopped",
    ]
    assert _by_type(status)["Stopped"] == {
        "type": "Stopped",
        "status": "False",
        "severity": "Info",
        "lastTransitionTime": "2026-11-29T20:00:00Z",
    }
    assert all(_by_type(status)[kind]["status"] == "True" for kind in ("IngressReady", "Ready"))
    assert status["url"] == "http://iris-ns1.example.com"
    assert status["address"] == {"url": "http://iris-predictor.ns1.svc.cluster.local"}
    assert status["components"]["predictor"]["address"] == status["address"]
    assert status["modelStatus"] == {
        "transitionStatus": "UpToDate",
        "states": {"targetModelState": "Loaded", "activeModelState": "Loaded"},
        "copies": {"failedCopies": 0, "totalCopies": 1},
    }
    assert (status["observedGeneration"], status["deploymentMode"]) == (3, "Standard")


def test_progressing_status_carries_startup_reasons_when_not_ready_yet():
    conditions = _by_type(_status(Phase.PROGRESSING))

    assert conditions["Ready"]["status"] == "False"
    assert conditions["IngressReady"]["reason"] == "Predictor ingress not created"
    assert conditions["PredictorReady"]["reason"] == "MinimumReplicasUnavailable"


def test_failed_status_quotes_failure_when_fail_knob_is_failed_to_load():
    status = _status(Phase.FAILED_TO_LOAD, fail="FailedToLoad", fail_message="bucket not found")
    model = status["modelStatus"]

    assert model["transitionStatus"] == "BlockedByFailedLoad"
    assert model["states"]["targetModelState"] == "FailedToLoad"
    assert model["lastFailureInfo"]["reason"] == "ModelLoadFailed"
    assert model["lastFailureInfo"]["message"] == "bucket not found"
    assert _by_type(status)["Ready"]["status"] == "False"


def test_invalid_spec_status_keeps_conditions_unknown_when_fail_knob_is_invalid_spec():
    status = _status(Phase.INVALID_SPEC, fail="InvalidSpec")

    assert {c["status"] for c in status["conditions"]} == {"Unknown"}
    assert status["modelStatus"]["transitionStatus"] == "InvalidSpec"
    assert status["modelStatus"]["lastFailureInfo"]["reason"] == "NoSupportingRuntime"


def test_stopped_status_clears_addresses_when_stop_annotation_is_set():
    status = _status(Phase.STOPPED)

    assert _by_type(status)["Stopped"]["status"] == "True"
    assert _by_type(status)["Ready"]["reason"] == "Stopped"
    assert (status["url"], status["address"], status["components"]) == (None, None, None)


def test_transition_time_is_kept_when_condition_status_is_unchanged():
    previous = {
        "conditions": [
            {"type": "Stopped", "status": "False", "lastTransitionTime": "2026-01-01T00:00:00Z"},
            {"type": "Ready", "status": "False", "lastTransitionTime": "2026-01-01T00:00:00Z"},
        ]
    }

    conditions = _by_type(_status(Phase.READY, previous))

    assert conditions["Stopped"]["lastTransitionTime"] == "2026-01-01T00:00:00Z"
    assert conditions["Ready"]["lastTransitionTime"] == "2026-11-29T20:00:00Z"


def test_active_model_state_survives_when_a_new_generation_is_progressing():
    previous = {"modelStatus": {"states": {"activeModelState": "Loaded"}}}

    status = _status(Phase.PROGRESSING, previous)

    assert status["modelStatus"]["states"] == {
        "targetModelState": "Pending",
        "activeModelState": "Loaded",
    }
