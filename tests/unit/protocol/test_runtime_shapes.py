"""Every deployed runtime line is understood: master, 9.0.1 (explicit nulls) and Gson shapes.

The shape files carry the same information; master adds members only it sends (DTO lists,
``primeOrder``, ``outPropertiesUpdated``), which are reset before comparing. Acks written
before 9.0.2 have no ``timestamp``: like Java, decoding then stamps the current time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from acm_participant.protocol import AutomationCompositionDeploy, decode
from acm_participant.protocol.messages import ParticipantAckMessage, ParticipantMessage
from tests.unit.protocol.vectors import MESSAGE_VECTORS, shape_bytes, vector_json

SHAPED = [
    "automation_composition_deploy",
    "automation_composition_statechange_ack",
    "participant_prime",
    "participant_status",
    "participant_sync_msg",
]
MASTER_ONLY: dict[str, Any] = {
    "participant_dto_list": [],
    "prime_dto_list": [],
    "prime_order": None,
    "out_properties_updated": False,
}
SOME_INSTANT = datetime(2026, 9, 1, tzinfo=UTC)


def comparable(message: ParticipantMessage | ParticipantAckMessage) -> Any:
    reset = {
        name: value for name, value in MASTER_ONLY.items() if name in type(message).model_fields
    }
    if isinstance(message, ParticipantAckMessage):
        reset["timestamp"] = SOME_INSTANT
    return message.model_copy(update=reset)


@pytest.mark.parametrize("name", SHAPED)
def test_decode_gives_equal_messages_when_given_master_9_0_1_and_gson_shapes(name):
    master, nulls, gson = (decode(shape_bytes(name, shape)) for shape in ("master", "v901", "gson"))

    assert comparable(nulls) == comparable(gson)
    assert comparable(master) == comparable(gson)


def test_decode_ignores_legacy_members_when_a_gson_runtime_sends_them():
    gson = json.loads(shape_bytes("automation_composition_deploy", "gson"))
    element = gson["participantUpdatesList"][0]["acElementList"][0]

    message = decode(shape_bytes("automation_composition_deploy", "gson"))

    assert "toscaServiceTemplateFragment" in element
    assert message == decode(shape_bytes("automation_composition_deploy", "v901"))


def _with_absent_members_as_null(document: Any, model: Any) -> Any:
    """Write every member the model knows and the document lacks, and every empty list or map,
    as an explicit null (what a 9.0.1 runtime does for absent members)."""
    if not isinstance(document, dict) or model is None:
        return document
    filled = dict(document)
    for name, field in type(model).model_fields.items():
        alias = field.serialization_alias or field.alias or name
        value = getattr(model, name)
        if alias not in filled or filled[alias] in ([], {}):
            filled[alias] = None
            continue
        if isinstance(value, list) and isinstance(filled[alias], list):
            filled[alias] = [
                _with_absent_members_as_null(item, entry)
                for item, entry in zip(filled[alias], value, strict=True)
            ]
        elif isinstance(value, BaseModel):
            filled[alias] = _with_absent_members_as_null(filled[alias], value)
    return filled


@pytest.mark.parametrize("name", MESSAGE_VECTORS)
def test_decode_reads_null_members_as_absent_when_every_optional_member_is_null(name):
    document = vector_json(name)
    message = decode(json.dumps(document))
    with_nulls = _with_absent_members_as_null(document, message)

    assert json.dumps(with_nulls).count("null") > 0
    assert decode(json.dumps(with_nulls)) == message


@pytest.mark.parametrize("name", MESSAGE_VECTORS)
def test_decode_gives_empty_lists_when_lists_are_null(name):
    document = vector_json(name)
    emptied = {key: None if value == [] else value for key, value in document.items()}

    assert decode(json.dumps(emptied)) == decode(json.dumps(document))


def test_decode_keeps_null_values_inside_free_form_maps_when_members_are_null_too():
    document = vector_json("automation_composition_deploy")
    document["participantIdList"] = None
    element = document["participantUpdatesList"][0]["acElementList"][0]
    element["properties"]["optional"] = None

    message = decode(json.dumps(document))

    assert isinstance(message, AutomationCompositionDeploy)
    [decoded] = message.participant_updates_list[0].ac_element_list
    assert message.participant_id_list == []
    assert decoded.properties["optional"] is None


def test_decode_drops_a_result_map_entry_when_it_is_null():
    document = vector_json("automation_composition_statechange_ack")
    document["automationCompositionResultMap"]["e1e2e3e4-0002-4a00-8b00-00000000abcd"] = None

    message = decode(json.dumps(document))

    assert message == decode(json.dumps(vector_json("automation_composition_statechange_ack")))
