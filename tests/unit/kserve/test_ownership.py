"""Ownership labels: what marks an object as an element's, and the template hash."""

from __future__ import annotations

from uuid import uuid4

from kserve_participant.kserve.ownership import (
    Owner,
    is_owned_by,
    stamp,
    stamped_template_hash,
    template_hash,
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
    first = {"metadata": {"name": "m"}, "spec": {"predictor": {"a": 1}}}
    second = {"metadata": {"name": "m"}, "spec": {"predictor": {"a": 2}}}
    assert stamped_template_hash(stamp(first, owner, "e")) == template_hash(first)
    assert template_hash(first) != template_hash(second)


def test_template_hash_ignores_replica_bounds_which_reach_only_the_hpa():
    base = {"spec": {"predictor": {"model": {"storageUri": "s3://m"}, "minReplicas": 1}}}
    scaled = {
        "spec": {
            "predictor": {"model": {"storageUri": "s3://m"}, "minReplicas": 3, "maxReplicas": 5}
        }
    }
    assert template_hash(base) == template_hash(scaled)
    assert base["spec"]["predictor"]["minReplicas"] == 1  # the body itself is left alone
