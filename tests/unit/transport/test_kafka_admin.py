"""ensure_topics returns only once a created topic can be consumed: every partition led."""

from __future__ import annotations

from typing import Any

from acm_participant.transport.kafka_admin import _led


def _topic(name: str, leaders: list[int], error_code: int = 0) -> dict[str, Any]:
    partitions = [
        {"error_code": 0 if leader >= 0 else 5, "partition": index, "leader": leader}
        for index, leader in enumerate(leaders)
    ]
    return {"error_code": error_code, "topic": name, "partitions": partitions}


def test_a_topic_with_every_partition_led_is_ready() -> None:
    assert _led([_topic("ops", [1, 1, 1])], ["ops"])


def test_a_topic_with_a_leaderless_partition_is_not_ready() -> None:
    assert not _led([_topic("ops", [1, -1, 1])], ["ops"])


def test_a_topic_the_metadata_does_not_know_yet_is_not_ready() -> None:
    unknown = {"error_code": 3, "topic": "ops", "partitions": []}
    assert not _led([unknown], ["ops"])
    assert not _led([], ["ops"])


def test_every_topic_asked_for_must_be_led() -> None:
    assert not _led([_topic("ops", [1])], ["ops", "sync"])
    assert _led([_topic("ops", [1]), _topic("sync", [1])], ["ops", "sync"])
