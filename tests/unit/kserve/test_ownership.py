"""Ownership labels: what marks an object as an element's, and the payload hash."""

from __future__ import annotations

from uuid import uuid4

from kserve_participant.kserve.ownership import (
    Owner,
    is_owned_by,
    payload_hash,
    stamp,
    stamped_hash,
)


def test_stamp_marks_object_owned_by_its_element_only():
    owner = Owner(uuid4(), uuid4(), uuid4())
    body = {"metadata": {"name": "m", "labels": {"team": "a"}}, "spec": {}}
    stamped = stamp(body, owner, "entity1 1.0.0")
    assert is_owned_by(stamped, owner)
    assert stamped["metadata"]["labels"]["team"] == "a"
    assert not is_owned_by(stamped, Owner(owner.participant_id, owner.instance_id, uuid4()))
    assert body["metadata"]["labels"] == {"team": "a"}


def test_stamp_keeps_hash_of_what_was_sent_when_payload_changes():
    owner = Owner(uuid4(), uuid4(), uuid4())
    first = {"metadata": {"name": "m"}, "spec": {"a": 1}}
    second = {"metadata": {"name": "m"}, "spec": {"a": 2}}
    assert stamped_hash(stamp(first, owner, "e")) == payload_hash(first)
    assert payload_hash(first) != payload_hash(second)
