"""API refusals keep the API server's code, reason and message, and say whether to retry."""

from __future__ import annotations

import pytest

from kserve_participant.k8s.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ServerUnavailable,
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
