"""What cannot be decoded raises DecodeError, with a reason and without the payload."""

from __future__ import annotations

import json
from typing import Any

import pytest

from acm_participant.errors import DecodeError, ParticipantError, ProtocolError
from acm_participant.protocol import decode
from tests.unit.protocol.vectors import vector_json

SECRET = "s3cr3t-Passw0rd"


def deploy_with(**members: Any) -> str:
    return json.dumps({**vector_json("automation_composition_deploy"), **members})


def element_with(**members: Any) -> str:
    document = vector_json("automation_composition_deploy")
    document["participantUpdatesList"][0]["acElementList"][0].update(members)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "EOF"),
        (b'{"messageType": "PARTICIPANT_STATUS"', "EOF"),
        (b"\xff\xfe{}", "Invalid JSON"),
        (b"[]", "dictionary|object"),
        (b"42", "dictionary|object"),
        (b"{}", "messageType"),
        (b'{"messageType": "PARTICIPANT_UNKNOWN"}', "PARTICIPANT_UNKNOWN"),
        (b'{"messageType": null}', "messageType"),
        (b'{"messageType": 3}', "messageType"),
        (b"[" * 10_000, "recursion|depth|EOF"),
    ],
)
def test_decode_raises_decode_error_when_bytes_are_not_a_message(data, reason):
    with pytest.raises(DecodeError, match=reason):
        decode(data)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (deploy_with(compositionId="not-a-uuid"), "compositionId"),
        (deploy_with(participantIdList=["2d9b5e7a-4c1f-4a8e-9b3d"]), "participantIdList"),
        (deploy_with(timestamp="yesterday"), "timestamp"),
        (deploy_with(timestamp="2026-09-01T08:30:00"), "timestamp"),
        (deploy_with(startPhase="first"), "startPhase"),
        (deploy_with(participantUpdatesList={}), "participantUpdatesList"),
        (element_with(orderedState="DEPLOY_NOW"), "orderedState"),
        (element_with(migrationState="MOVED"), "migrationState"),
        (element_with(properties=[1, 2]), "properties"),
        (element_with(definition={"name": "only"}), "definition.version"),
    ],
)
def test_decode_names_the_bad_member_when_a_value_is_invalid(data, where):
    with pytest.raises(DecodeError, match=where):
        decode(data)


def test_decode_rejects_the_retired_state_change_when_its_participant_id_is_a_concept():
    controlloop_era = {
        "messageType": "PARTICIPANT_STATE_CHANGE",
        "participantId": {"name": "org.onap.PM_Policy", "version": "1.0.0"},
    }

    with pytest.raises(DecodeError, match="participantId"):
        decode(json.dumps(controlloop_era))


def test_decode_rejects_text_when_it_cannot_be_utf8():
    with pytest.raises(DecodeError):
        decode('{"messageType": "PARTICIPANT_STATUS", "x": "\ud800"}')


def test_decode_error_reason_never_contains_the_input_when_a_value_is_invalid():
    with pytest.raises(DecodeError) as caught:
        decode(element_with(orderedState=SECRET, properties={"password": SECRET}, id=SECRET))

    assert SECRET not in str(caught.value)
    assert SECRET not in caught.value.reason
    assert "orderedState" in caught.value.reason
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_decode_error_belongs_to_the_protocol_errors_when_raised():
    with pytest.raises(ProtocolError) as caught:
        decode(b"{")

    assert isinstance(caught.value, ParticipantError)
    assert caught.value.retriable is False
