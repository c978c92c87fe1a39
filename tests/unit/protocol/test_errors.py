"""The SDK's error tree: one root, and a retriable flag on every class."""

from __future__ import annotations

import pytest

from acm_participant import errors


@pytest.mark.parametrize(
    ("error", "parent", "retriable"),
    [
        (errors.ConfigError, errors.ParticipantError, False),
        (errors.ProtocolError, errors.ParticipantError, False),
        (errors.DecodeError, errors.ProtocolError, False),
        (errors.TransportError, errors.ParticipantError, True),
        (errors.TransportAuthError, errors.TransportError, False),
        (errors.ElementError, errors.ParticipantError, False),
    ],
)
def test_error_classes_sit_in_the_tree_with_their_retriable_flag(error, parent, retriable):
    assert issubclass(error, parent)
    assert error.retriable is retriable


def test_decode_error_keeps_its_reason_when_raised():
    error = errors.DecodeError("unknown messageType 'X'")

    assert error.reason == "unknown messageType 'X'"
    assert str(error) == error.reason
