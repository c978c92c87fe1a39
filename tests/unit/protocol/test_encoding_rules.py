"""Encoding rules every runtime from Oslo to master accepts (docs/protocol.md §3.2, C1-C6, C12)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from acm_participant.protocol import (
    AcElementDeployAck,
    AutomationCompositionDeployAck,
    AutomationCompositionElementInfo,
    AutomationCompositionInfo,
    CompositionDto,
    DecodeError,
    ParticipantDeregisterAck,
    ParticipantPrimeAck,
    ParticipantRegister,
    ParticipantStatus,
    ParticipantStatusReq,
    ToscaConceptIdentifier,
    decode,
    encode,
)
from tests.unit.protocol.vectors import vector_json

UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INSTANT_TEXT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d{3}|\d{6})Z$")


def written(message: Any) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(encode(message))
    return parsed


def null_members(document: Any, path: str = "") -> list[str]:
    """Paths of object members whose value is null (null list items are allowed)."""
    if isinstance(document, dict):
        return [
            found
            for key, value in document.items()
            for found in (
                [f"{path}.{key}"] if value is None else null_members(value, f"{path}.{key}")
            )
        ]
    if isinstance(document, list):
        return [found for item in document for found in null_members(item, f"{path}[]")]
    return []


def status_req_at(timestamp: datetime) -> dict[str, Any]:
    return written(ParticipantStatusReq(timestamp=timestamp))


def with_member(name: str, **members: Any) -> bytes:
    return json.dumps({**vector_json(name), **members}).encode()


# --- C1, C2: envelopes


def test_request_messages_get_a_fresh_lowercase_message_id_when_built_without_one():
    first, second = written(ParticipantStatusReq()), written(ParticipantStatusReq())

    assert UUID_TEXT.match(first["messageId"])
    assert first["messageId"] != second["messageId"]
    assert INSTANT_TEXT.match(first["timestamp"])


def test_acks_carry_no_message_id_nor_legacy_members_when_encoded():
    for ack in (
        ParticipantDeregisterAck(response_to=uuid4()),
        ParticipantPrimeAck(response_to=uuid4()),
        AutomationCompositionDeployAck(response_to=uuid4()),
    ):
        document = written(ack)
        assert {"messageId", "result", "state"}.isdisjoint(document)
        assert INSTANT_TEXT.match(document["timestamp"])
        assert "responseTo" in document


def test_element_ack_defaults_to_statechange_ack_when_no_type_is_given():
    assert written(AutomationCompositionDeployAck())["messageType"] == (
        "AUTOMATION_COMPOSITION_STATECHANGE_ACK"
    )


# --- instants


@pytest.mark.parametrize(
    ("timestamp", "text"),
    [
        (datetime(2026, 9, 1, 8, 15, 30, 250000, tzinfo=UTC), "2026-09-01T08:15:30.250Z"),
        (datetime(2026, 9, 1, 8, 15, 30, tzinfo=UTC), "2026-09-01T08:15:30.000Z"),
        (datetime(2026, 9, 1, 8, 15, 30, 250348, tzinfo=UTC), "2026-09-01T08:15:30.250348Z"),
        (
            datetime(2026, 9, 1, 10, 15, 30, 1000, tzinfo=timezone(timedelta(hours=2))),
            "2026-09-01T08:15:30.001Z",
        ),
    ],
)
def test_timestamps_are_written_in_utc_with_3_or_6_digits_when_encoded(timestamp, text):
    assert status_req_at(timestamp)["timestamp"] == text


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2025-01-21T16:14:27.087474035Z", datetime(2025, 1, 21, 16, 14, 27, 87474, tzinfo=UTC)),
        ("2025-01-21T16:14:27Z", datetime(2025, 1, 21, 16, 14, 27, tzinfo=UTC)),
        ("2025-01-21T18:14:27.5+02:00", datetime(2025, 1, 21, 16, 14, 27, 500000, tzinfo=UTC)),
        (1737476067, datetime(2025, 1, 21, 16, 14, 27, tzinfo=UTC)),
    ],
)
def test_timestamps_decode_to_aware_utc_datetimes_when_given_java_instant_forms(text, instant):
    message = decode(with_member("participant_status_req", timestamp=text))

    assert message.timestamp == instant
    assert message.timestamp.utcoffset() == timedelta(0)
    assert message.timestamp.tzinfo is UTC


def test_decode_rejects_a_timestamp_when_it_has_no_zone():
    with pytest.raises(DecodeError, match="timestamp"):
        decode(with_member("participant_status_req", timestamp="2025-01-21T16:14:27.087"))


def test_building_a_message_fails_when_its_timestamp_has_no_zone():
    with pytest.raises(ValidationError):
        ParticipantStatusReq(timestamp=datetime(2026, 9, 1, 8, 0))


# --- C3: no nulls, empty lists written


def test_heartbeat_status_writes_empty_lists_and_no_null_when_nothing_is_reported():
    document = written(ParticipantStatus(participant_id=uuid4(), replica_id=uuid4()))

    assert document["participantIdList"] == []
    assert document["participantDefinitionUpdates"] == []
    assert document["automationCompositionInfoList"] == []
    assert document["participantSupportedElementType"] == []
    assert null_members(document) == []
    assert "compositionId" not in document


def test_out_properties_are_written_empty_and_without_nulls_when_encoded():
    info = AutomationCompositionElementInfo(automation_composition_element_id=uuid4())
    ack = AcElementDeployAck(
        out_properties={"gone": None, "kept": {"inner": None, "list": [None, {"deep": None}]}}
    )
    status = ParticipantStatus(
        automation_composition_info_list=[
            AutomationCompositionInfo(automation_composition_id=uuid4(), elements=[info])
        ]
    )
    element_id = uuid4()
    deploy_ack = AutomationCompositionDeployAck(automation_composition_result_map={element_id: ack})

    [entry] = written(status)["automationCompositionInfoList"][0]["elements"]
    assert entry["outProperties"] == {}
    written_ack = written(deploy_ack)["automationCompositionResultMap"][str(element_id)]
    assert written_ack["outProperties"] == {"kept": {"list": [None, {}]}}
    assert null_members(written(deploy_ack)) == []


# --- C4-C6: members ----------------------------------------------------------------------------


def test_decode_ignores_unknown_members_when_at_any_depth():
    document = vector_json("participant_status")
    document["partitionKey"] = "x"
    document["futureMember"] = {"a": 1}
    document["automationCompositionInfoList"][0]["elements"][0]["futureMember"] = [1]

    assert decode(json.dumps(document)) == decode(json.dumps(vector_json("participant_status")))


def test_free_form_maps_keep_numbers_and_json_strings_when_round_tripped():
    properties = {
        "timeout": 60,
        "ratio": 60.0,
        "big": 12345678901234567890123,
        "payload": '{"apiVersion": "serving.kserve.io/v1beta1", "spec": {"x": 1.50}}',
        "html": "<a href='x'>&</a>",
        "unicode": "modèle 模型",
        "nested": [{"a": [1, 2.5, True, "s"]}],
    }
    ack = AutomationCompositionDeployAck(
        automation_composition_result_map={uuid4(): AcElementDeployAck(out_properties=properties)}
    )

    data = encode(ack)
    [entry] = decode(data).automation_composition_result_map.values()  # type: ignore[union-attr]

    assert entry.out_properties == properties
    assert [type(entry.out_properties[k]) for k in ("timeout", "ratio")] == [int, float]
    assert b'"timeout":60,"ratio":60.0' in data
    assert "modèle 模型".encode() in data
    assert b"<a href='x'>&</a>" in data


def test_encode_writes_compact_utf8_json_when_given_any_message():
    data = encode(ParticipantRegister(participant_id=uuid4(), replica_id=uuid4()))

    assert isinstance(data, bytes)
    assert b": " not in data
    assert b", " not in data


# --- C12: "name version" keys


@pytest.mark.parametrize(
    ("key", "name", "version"),
    [
        ("ac.element.Kserve 1.2.3", "ac.element.Kserve", "1.2.3"),
        ("odd name 1.0.0", "odd", "name 1.0.0"),
    ],
)
def test_concept_keys_split_at_the_first_space_when_parsed(key, name, version):
    concept = ToscaConceptIdentifier.from_key(key)

    assert (concept.name, concept.version) == (name, version)
    assert concept.key == key


def test_concept_key_parsing_fails_when_the_key_has_no_space():
    with pytest.raises(ValueError, match="name version"):
        ToscaConceptIdentifier.from_key("nospace")


def test_composition_dto_maps_round_trip_concept_keys_when_encoded():
    concept = ToscaConceptIdentifier(name="ac.element.Kserve", version="1.2.3")
    dto = CompositionDto(composition_id=uuid4(), in_properties_map={concept: {"startPhase": 1}})

    document = json.loads(dto.model_dump_json(by_alias=True))
    assert document["inPropertiesMap"] == {"ac.element.Kserve 1.2.3": {"startPhase": 1}}
    assert CompositionDto.model_validate_json(json.dumps(document)) == dto


def test_decode_rejects_prime_when_a_dto_map_key_is_not_name_space_version():
    document = vector_json("participant_prime")
    document["primeDtoList"][0]["compositionDto"]["inPropertiesMap"] = {"nospace": {}}

    with pytest.raises(DecodeError, match="inPropertiesMap"):
        decode(json.dumps(document))


# --- C13 support: record keys


def test_partition_key_prefers_the_composition_id_then_the_participant_id():
    participant, composition = uuid4(), uuid4()

    assert ParticipantStatus(
        participant_id=participant, composition_id=composition
    ).partition_key == (str(composition))
    assert ParticipantStatus(participant_id=participant).partition_key == str(participant)
    assert ParticipantDeregisterAck().partition_key is None


def test_messages_are_immutable_when_built():
    message = ParticipantStatusReq()

    with pytest.raises(ValidationError):
        message.participant_id = UUID(int=1)
