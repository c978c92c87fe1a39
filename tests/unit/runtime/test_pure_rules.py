"""The runtime's pure rules: property merge, phases and stages, addressing, settings defaults."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from acm_participant._core.adapters.filter import addressed_to
from acm_participant._core.state.merge import merge_properties
from acm_participant._core.state.outcomes import Operation, failure_states, success_states
from acm_participant._core.state.phases import next_stage, previous_stage, stages, start_phase
from acm_participant.protocol.enums import DeployState, LockState
from acm_participant.settings import ParticipantSettings, SupportedElementType

ME = UUID("2d9b5e7a-4c1f-4a8e-9b3d-6f0e1a2b3c4d")
MY_REPLICA = UUID("b7e4c2a1-9f3d-4e6b-8a5c-1d2e3f4a5b6c")


def test_merge_properties_merges_maps_key_by_key_when_both_sides_are_maps():
    current = {"a": {"x": 1, "y": 2}, "keep": True}
    merged = merge_properties(current, {"a": {"y": 3, "z": 4}})
    assert merged == {"a": {"x": 1, "y": 3, "z": 4}, "keep": True}
    assert current == {"a": {"x": 1, "y": 2}, "keep": True}


def test_merge_properties_merges_lists_item_by_item_when_lengths_match():
    merged = merge_properties({"l": [{"a": 1, "b": 1}, 5]}, {"l": [{"a": 2}, 6]})
    assert merged == {"l": [{"a": 2, "b": 1}, 6]}


def test_merge_properties_replaces_list_when_lengths_differ():
    assert merge_properties({"l": [1, 2, 3]}, {"l": [9]}) == {"l": [9]}


def test_merge_properties_replaces_value_when_types_differ():
    assert merge_properties({"a": {"x": 1}}, {"a": "flat"}) == {"a": "flat"}


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({}, 0),
        ({"startPhase": 2}, 2),
        ({"startPhase": "1"}, 1),
        ({"startPhase": " 3 "}, 3),
        ({"startPhase": "x"}, 0),
        ({"startPhase": 1.0}, 1),
        ({"startPhase": True}, 0),
    ],
)
def test_start_phase_reads_ints_and_numeric_strings_when_present(properties, expected):
    assert start_phase(properties) == expected


def test_stages_reads_the_kind_from_a_map_when_stage_is_a_map():
    props = {"stage": {"migrate": [2, 0], "prepare": [0, "1"]}}
    assert stages(props, "migrate") == [0, 2]
    assert stages(props, "prepare") == [0, 1]


def test_stages_treats_a_plain_list_as_migrate_stages_when_legacy():
    assert stages({"stage": [0, 2]}, "migrate") == [0, 2]
    assert stages({"stage": [0, 2]}, "prepare") == [0]


def test_stages_defaults_to_zero_when_absent():
    assert stages({}, "migrate") == [0]


def test_next_and_previous_stage_walk_the_element_set():
    assert next_stage([0, 2, 5], 0) == 2
    assert next_stage([0, 2, 5], 5) is None
    assert next_stage([0, 2], 1) == 2
    assert previous_stage([0, 2, 5], 5) == 2
    assert previous_stage([0, 2, 5], 0) is None


@pytest.mark.parametrize(
    ("pid", "rid", "plist", "expected"),
    [
        (None, None, [], True),
        (ME, None, [], True),
        (ME, MY_REPLICA, [], True),
        (ME, uuid4(), [], False),
        (uuid4(), None, [], False),
        (None, None, [uuid4()], False),
        (None, None, [ME], True),
    ],
)
def test_addressed_to_follows_section_3_3_when_checking_ids(pid, rid, plist, expected):
    assert (
        addressed_to(
            participant_id=ME,
            replica_id=MY_REPLICA,
            msg_participant_id=pid,
            msg_replica_id=rid,
            participant_id_list=plist,
        )
        is expected
    )


def test_outcome_table_never_holds_transitional_states():
    for operation in Operation:
        for pair in (success_states(operation), failure_states(operation)):
            assert not pair.deploy.is_transitional
            assert not pair.lock.is_transitional
    assert success_states(Operation.DEPLOY).deploy is DeployState.DEPLOYED
    assert failure_states(Operation.LOCK).lock is LockState.UNLOCKED


def test_supported_type_id_is_stable_when_not_configured():
    a = SupportedElementType(type_name="t.A", type_version="1.0.0")
    b = SupportedElementType(type_name="t.A", type_version="1.0.0")
    c = SupportedElementType(type_name="t.A", type_version="1.0.1")
    assert a.stable_id == b.stable_id != c.stable_id
    fixed = uuid4()
    assert SupportedElementType(type_name="t", type_version="1", id=fixed).stable_id == fixed


def test_settings_require_a_supported_element_type_when_built():
    with pytest.raises(ValidationError):
        ParticipantSettings(participant_id=uuid4(), supported_element_types=())


def test_settings_require_a_participant_id_when_built():
    with pytest.raises(ValidationError, match="participant_id"):
        ParticipantSettings(  # type: ignore[call-arg]
            supported_element_types=(SupportedElementType(type_name="t", type_version="1"),)
        )


def test_settings_subscribe_sync_in_a_group_per_replica_when_asked():
    participant = uuid4()
    settings = ParticipantSettings(
        participant_id=participant,
        supported_element_types=(SupportedElementType(type_name="t", type_version="1"),),
    )
    first = settings.subscriptions(uuid4())
    second = settings.subscriptions(uuid4())
    assert first[0] == second[0]
    assert first[0].group == f"acm-participant-{participant}"
    assert first[1].topic == "acm-ppnt-sync"
    assert first[1].group != second[1].group


def test_two_participants_never_share_the_operation_group_when_left_to_defaults():
    types = (SupportedElementType(type_name="t", type_version="1"),)
    one = ParticipantSettings(participant_id=uuid4(), supported_element_types=types)
    two = ParticipantSettings(participant_id=uuid4(), supported_element_types=types)
    assert one.subscriptions(uuid4())[0].group != two.subscriptions(uuid4())[0].group


def test_settings_keep_a_configured_operation_group_when_given():
    settings = ParticipantSettings(
        participant_id=uuid4(),
        supported_element_types=(SupportedElementType(type_name="t", type_version="1"),),
        operation_group="policy-clamp-ac-kserve-ppnt",
    )
    assert settings.subscriptions(uuid4())[0].group == "policy-clamp-ac-kserve-ppnt"


def test_settings_subscribe_once_in_own_group_when_both_topics_are_one():
    settings = ParticipantSettings(
        participant_id=uuid4(),
        supported_element_types=(SupportedElementType(type_name="t", type_version="1"),),
        operation_topic="POLICY-ACRUNTIME-PARTICIPANT",
        sync_topic="POLICY-ACRUNTIME-PARTICIPANT",
    )
    replica = uuid4()
    (only,) = settings.subscriptions(replica)
    assert only.topic == "POLICY-ACRUNTIME-PARTICIPANT"
    assert only.group == settings.sync_group(replica)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)
_maps = st.dictionaries(st.text(max_size=3), _json, max_size=4)


@given(_maps, _maps)
def test_merge_properties_keeps_every_update_key_and_every_untouched_key(current, update):
    merged = merge_properties(current, update)
    assert set(merged) == set(current) | set(update)
    for key in set(current) - set(update):
        assert merged[key] == current[key]
    assert merge_properties(merged, update) == merged  # merging the same update twice is a no-op


@given(_maps)
def test_merge_properties_is_identity_when_update_is_empty_or_the_same(current):
    assert merge_properties(current, {}) == current
    assert merge_properties({}, current) == current
    assert merge_properties(current, current) == current
