"""API refusals keep the API server's code, reason and message, and say whether to retry."""

from __future__ import annotations

import pytest

from kserve_participant.k8s.errors import (
    AdmissionDenied,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ServerUnavailable,
    UnknownFields,
    error_for_status,
)


@pytest.mark.parametrize(
    ("code", "cls", "retriable"),
    [
        (403, Forbidden, False),
        (404, NotFound, False),
        (409, Conflict, False),
        (422, Invalid, False),
        (429, ServerUnavailable, True),
        (503, ServerUnavailable, True),
    ],
)
def test_error_for_status_picks_class_and_retry_when_api_refuses(code, cls, retriable):
    error = error_for_status(code, "Reason", "the API server said so")
    assert type(error) is cls
    assert error.retriable is retriable
    assert str(error) == f"{code} Reason: the API server said so"


def test_error_for_status_is_permanent_when_apply_cannot_type_the_body():
    error = error_for_status(500, "", "failed to create typed patch object (x): .spec: bad")
    assert isinstance(error, Invalid)
    assert not error.retriable
    assert str(error).startswith("500: failed to create typed patch object")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            500,
            "failed to create typed patch object (ns/typo; serving.kserve.io/v1beta1, "
            "Kind=InferenceService): .spec.predictor.minReplica: field not declared in schema",
        ),
        (
            400,
            'InferenceService in version "v1beta1" cannot be handled as a InferenceService: '
            'strict decoding error: unknown field "spec.predictor.minReplica"',
        ),
    ],
    ids=["server-side apply", "strict create"],
)
def test_unknown_field_is_named_as_such_whichever_write_found_it(code, message):
    error = error_for_status(code, "", message)
    assert isinstance(error, UnknownFields)
    assert not error.retriable
    assert str(error) == 'unknown field "spec.predictor.minReplica"'


def test_admission_webhook_denial_names_the_webhook_and_its_verdict_not_rbac():
    # As KServe v0.20's validator answers minReplicas 3 with maxReplicas 1 (dev stack, real KServe).
    error = error_for_status(
        403,
        "Forbidden",
        'admission webhook "inferenceservice.kserve-webhook-server.validator" denied the request: '
        "'MinReplicas' cannot be greater than MaxReplicas",
    )
    assert isinstance(error, AdmissionDenied)
    assert not error.retriable
    assert str(error) == (
        "admission webhook inferenceservice.kserve-webhook-server.validator refused it: "
        "'MinReplicas' cannot be greater than MaxReplicas"
    )


def test_error_for_status_is_permanent_when_a_webhook_fails_on_the_body():
    message = (
        'admission webhook "inferenceservice.kserve-webhook-server.defaulter" denied the '
        "request: panic: runtime error: index out of range [0] with length 0 [recovered]"
    )
    error = error_for_status(500, "", message)
    assert isinstance(error, Invalid)
    assert not error.retriable
