"""Property-based: whatever arrives, decode returns a message or raises DecodeError, only."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acm_participant.errors import DecodeError
from acm_participant.protocol import AnyMessage, AutomationCompositionDeploy, decode, encode
from tests.unit.protocol.vectors import MESSAGE_VECTORS, vector_bytes, vector_json

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WIRE_LOOKING = ["DEPLOYED", "NONE", "2026-09-01T08:00:00Z", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(WIRE_LOOKING),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)


def decode_or_reject(data: bytes | str) -> None:
    """Decode ``data``; a message must re-encode. Any exception but DecodeError fails the test."""
    outcome: AnyMessage | DecodeError
    try:
        outcome = decode(data)
    except DecodeError as error:
        outcome = error
    if isinstance(outcome, DecodeError):
        assert outcome.reason
    else:
        assert isinstance(encode(outcome), bytes)


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a member or list item of ``document``."""
    if isinstance(document, dict):
        items = list(document.items())
    elif isinstance(document, list):
        items = list(enumerate(document))
    else:
        return []
    found: list[tuple[Any, ...]] = []
    for key, value in items:
        found.append((*prefix, key))
        found.extend(paths(value, (*prefix, key)))
    return found


def mutated(document: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    *parents, last = path
    target = document
    for step in parents:
        target = target[step]
    if action == "delete":
        del target[last]
    elif action == "replace":
        target[last] = value
    elif isinstance(target, dict):
        target[f"{last}Extra"] = value
    else:
        target.insert(last, value)
    return document


@SETTINGS
@given(st.binary(max_size=2000))
def test_decode_raises_only_decode_error_when_given_random_bytes(data):
    decode_or_reject(data)


@SETTINGS
@given(st.text(max_size=500))
def test_decode_raises_only_decode_error_when_given_random_text(text):
    decode_or_reject(text)


@SETTINGS
@given(st.sampled_from(MESSAGE_VECTORS), st.data())
def test_decode_raises_only_decode_error_when_a_valid_message_is_mutated(name, data):
    document = vector_json(name)
    path = data.draw(st.sampled_from(paths(document)))
    action = data.draw(st.sampled_from(["delete", "replace", "insert"]))
    value = data.draw(json_values)

    decode_or_reject(json.dumps(mutated(document, path, action, value)))


@SETTINGS
@given(st.sampled_from(MESSAGE_VECTORS), st.data())
def test_decode_raises_only_decode_error_when_bytes_of_a_valid_message_are_corrupted(name, data):
    original = bytearray(vector_bytes(name))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        position = data.draw(st.integers(min_value=0, max_value=len(original) - 1))
        original[position] = data.draw(st.integers(min_value=0, max_value=255))

    decode_or_reject(bytes(original))


free_form_values = st.recursive(
    st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@SETTINGS
@given(st.dictionaries(st.text(max_size=12), free_form_values, max_size=5))
def test_free_form_properties_survive_a_round_trip_when_they_hold_any_json(properties):
    document = vector_json("automation_composition_deploy")
    document["participantUpdatesList"][0]["acElementList"][0]["properties"] = properties

    message = decode(json.dumps(document))
    again = decode(encode(message))

    assert isinstance(again, AutomationCompositionDeploy)
    [element] = again.participant_updates_list[0].ac_element_list
    assert element.properties == properties
    assert json.dumps(element.properties, sort_keys=True) == json.dumps(properties, sort_keys=True)
