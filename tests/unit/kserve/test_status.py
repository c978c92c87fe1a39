"""The live status an element publishes: one record per InferenceService, READY if all are."""

from __future__ import annotations

from kserve_participant.kserve.readiness import Phase, Readiness
from kserve_participant.kserve.status import (
    entity_status,
    operational_state,
    out_properties,
    use_state,
)


def ready_obj(url: str) -> dict[str, object]:
    return {"metadata": {"generation": 3}, "status": {"url": url}}


def test_out_properties_list_each_service_with_url_and_reason_when_one_is_not_ready():
    statuses = [
        entity_status("ns", "b", "e2 1", None, Readiness(Phase.GONE, "not found")),
        entity_status(
            "ns", "a", "e1 1", ready_obj("http://a.ns.example.com"), Readiness(Phase.READY)
        ),
    ]
    assert out_properties(statuses) == {
        "inferenceServices": [
            {
                "kserveInferenceEntityId": "e1 1",
                "name": "a",
                "namespace": "ns",
                "url": "http://a.ns.example.com",
                "ready": True,
                "state": "Ready",
                "reason": "",
                "generation": 3,
                "stopped": False,
            },
            {
                "kserveInferenceEntityId": "e2 1",
                "name": "b",
                "namespace": "ns",
                "url": None,
                "ready": False,
                "state": "Gone",
                "reason": "not found",
                "generation": None,
                "stopped": False,
            },
        ]
    }
    assert operational_state(statuses) == "NOT_READY"


def test_operational_state_is_ready_when_every_service_is_ready():
    statuses = [entity_status("ns", "a", "e", ready_obj("http://a"), Readiness(Phase.READY))]
    assert operational_state(statuses) == "READY"


def test_entity_status_falls_back_to_cluster_address_when_no_external_url():
    obj = {"metadata": {}, "status": {"address": {"url": "http://a.ns.svc.cluster.local"}}}
    status = entity_status("ns", "a", "e", obj, Readiness(Phase.READY))
    assert status.url == "http://a.ns.svc.cluster.local"


def _obj(annotations: dict[str, str] | None = None) -> dict[str, object]:
    return {"metadata": {"generation": 1, "annotations": annotations or {}}, "status": {}}


def test_use_state_says_serving_stopped_or_partly_stopped_from_kserves_stop_annotation():
    serving = entity_status("ns", "a", "e", _obj(), Readiness(Phase.READY))
    stopped = entity_status(
        "ns", "b", "e", _obj({"serving.kserve.io/stop": "true"}), Readiness(Phase.PROGRESSING)
    )
    assert stopped.stopped
    assert use_state([serving]) == "ACTIVE"
    assert use_state([stopped]) == "STOPPED"
    assert use_state([serving, stopped]) == "PARTLY_STOPPED"


def test_states_say_nothing_is_left_when_no_inference_service_exists():
    gone = entity_status("ns", "a", "e", None, Readiness(Phase.GONE, "not found"))
    assert operational_state([]) == "REMOVED"
    assert operational_state([gone]) == "REMOVED"
    assert use_state([]) == "NONE"
    assert out_properties([]) == {"inferenceServices": []}
