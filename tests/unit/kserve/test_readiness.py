"""KServe status -> Ready / Progressing / Failed / Stopped / Gone (rules of kserve-facts.md (b))."""

from __future__ import annotations

from typing import Any

import pytest

from kserve_participant.kserve.readiness import Phase, WriteMark, assess


def isvc(
    *conditions: tuple[str, str, str],
    generation: int = 1,
    observed: int | None = None,
    model: dict[str, Any] | None = None,
    **metadata: Any,
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "conditions": [
            {"type": t, "status": s, "reason": r, "lastTransitionTime": "2026-11-29T10:00:05Z"}
            for t, s, r in conditions
        ]
    }
    if observed is not None:
        status["observedGeneration"] = observed
    if model is not None:
        status["modelStatus"] = model
    return {"metadata": {"name": "m", "generation": generation, **metadata}, "status": status}


READY = (("IngressReady", "True", ""), ("PredictorReady", "True", ""), ("Ready", "True", ""))


def test_assess_is_ready_when_ready_condition_true_wherever_it_sits():
    # Explainer shape: Ready is not at index 2.
    obj = isvc(("ExplainerReady", "True", ""), *READY, ("Stopped", "False", ""))
    assert assess(obj).phase is Phase.READY


def test_assess_progressing_when_no_status_yet():
    assert assess({"metadata": {"name": "m"}}).phase is Phase.PROGRESSING


def test_assess_progressing_when_standard_mode_starts_up():
    obj = isvc(
        ("IngressReady", "False", "Predictor ingress not created"),
        ("PredictorReady", "False", "MinimumReplicasUnavailable"),
        ("Ready", "False", "MinimumReplicasUnavailable"),
    )
    readiness = assess(obj)
    assert readiness.phase is Phase.PROGRESSING
    assert "MinimumReplicasUnavailable" in readiness.reason


@pytest.mark.parametrize(
    "model",
    [
        {"states": {"targetModelState": "FailedToLoad"}, "transitionStatus": "BlockedByFailedLoad"},
        {"states": {"targetModelState": "FailedToLoad"}, "transitionStatus": "InvalidSpec"},
        {"states": {"activeModelState": "FailedToLoad"}},
    ],
)
def test_assess_fails_fast_quoting_kserve_when_model_cannot_load(model: dict[str, Any]):
    model["lastFailureInfo"] = {"reason": "ModelLoadFailed", "message": "exit code 1"}
    obj = isvc(("Ready", "Unknown", ""), model=model)
    readiness = assess(obj)
    assert readiness.phase is Phase.FAILED
    assert "ModelLoadFailed: exit code 1" in readiness.reason


def test_assess_ignores_sticky_failure_info_when_ready():
    model = {
        "states": {"targetModelState": "Loaded", "activeModelState": "Loaded"},
        "transitionStatus": "UpToDate",
        "lastFailureInfo": {"reason": "ModelLoadFailed", "message": "old"},
    }
    assert assess(isvc(*READY, model=model)).phase is Phase.READY


def test_assess_fails_when_component_fails_for_good():
    obj = isvc(
        ("PredictorReady", "False", "ProgressDeadlineExceeded"),
        ("Ready", "False", "ProgressDeadlineExceeded"),
    )
    assert assess(obj).phase is Phase.FAILED


def test_assess_stopped_when_stop_annotation_in_effect():
    obj = isvc(
        ("PredictorReady", "False", "Stopped"),
        ("Ready", "False", "Stopped"),
        ("Stopped", "True", ""),
    )
    assert assess(obj).phase is Phase.STOPPED


def test_assess_gone_when_absent_or_being_deleted():
    assert assess(None).phase is Phase.GONE
    deleting = isvc(*READY, deletionTimestamp="2026-11-29T10:00:00Z")
    assert assess(deleting).phase is Phase.GONE


UNSERVED = {
    "transitionStatus": "InvalidSpec",
    "states": {"activeModelState": "Loaded", "targetModelState": "FailedToLoad"},
    "lastFailureInfo": {
        "reason": "NoSupportingRuntime",
        "message": "No runtime found to support specified framework/version",
    },
}


def test_assess_fails_fast_on_unserved_format_although_ready_stays_true():
    # KServe after an update to a format no runtime serves: Ready keeps the old spec's True.
    obj = isvc(*READY, generation=2, observed=1, model=UNSERVED, resourceVersion="12")
    readiness = assess(obj, WriteMark(2, "11"))
    assert readiness.phase is Phase.FAILED
    assert "NoSupportingRuntime" in readiness.reason


def test_assess_judges_no_failure_on_the_status_our_write_carried():
    # The object as the apply returned it still shows the previous spec's verdict.
    failed_before = {**UNSERVED, "states": {"targetModelState": "FailedToLoad"}}
    obj = isvc(("Ready", "False", ""), generation=3, model=failed_before, resourceVersion="20")
    assert assess(obj, WriteMark(3, "20")).phase is Phase.PROGRESSING
    assert assess(obj, WriteMark(3, "19")).phase is Phase.FAILED


def test_assess_keeps_ready_through_a_rolling_update_for_the_rollout_gate_to_decide():
    # Standard mode: Ready stays True; rollout.rollout_pending holds the ack, not assess.
    obj = isvc(*READY, generation=2, observed=2, resourceVersion="30")
    assert assess(obj, WriteMark(2, "30")).phase is Phase.READY


def test_assess_waits_for_knative_to_reconcile_when_serverless_status_is_ours():
    obj = isvc(*READY, generation=2, observed=1, resourceVersion="40")
    obj["status"]["deploymentMode"] = "Serverless"
    assert assess(obj, WriteMark(2, "40")).phase is Phase.PROGRESSING
    assert assess(obj, WriteMark(2, "39")).phase is Phase.READY


def test_assess_waits_for_transformer_when_it_exists():
    obj = isvc(*READY, ("TransformerReady", "Unknown", ""))
    assert assess(obj).phase is Phase.PROGRESSING
