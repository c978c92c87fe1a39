"""The payload policy: what element properties are accepted, and how each refusal reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kserve_participant.kserve.entities import EntityPolicy, InvalidElement, parse_element

SAMPLES = Path("/work/shared/samples/onap")


def onap_instance_properties() -> dict[str, Any]:
    text = (SAMPLES / "automation-composition-kserve.yml").read_text()
    doc = yaml.safe_load(text.replace("{{compositionId}}", "c0ffee00-0000-4000-8000-000000000000"))
    element = next(iter(doc["elements"].values()))
    return dict(element["properties"])


def payload(name: str = "sklearn-iris", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": name},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}}}},
    }
    body.update(overrides)
    return body


def entity(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "kserveInferenceEntityId": {"name": "entity1", "version": "1.0.0"},
        "name": "sklearn-iris",
        "namespace": "kserve-test",
        "payload": json.dumps(payload()),
    }
    raw.update(overrides)
    return raw


def problems_of(properties: dict[str, Any], policy: EntityPolicy | None = None) -> str:
    with pytest.raises(InvalidElement) as caught:
        parse_element(properties, policy or EntityPolicy())
    return str(caught.value)


def test_parse_accepts_onap_instance_sample_with_entity_name_winning():
    spec = parse_element(onap_instance_properties(), EntityPolicy())
    (only,) = spec.entities
    assert only.name == "demo-inference-service"
    assert only.body["metadata"]["name"] == "demo-inference-service"
    assert only.body["metadata"]["namespace"] == only.namespace
    assert "sklearn-iris" in spec.warnings[0]


def test_parse_refuses_onap_sample_mismatch_when_policy_is_refuse():
    text = problems_of(onap_instance_properties(), EntityPolicy(name_mismatch="refuse"))
    assert "payload.metadata.name 'sklearn-iris' differs" in text


def test_parse_reads_timing_properties_as_seconds_when_given():
    spec = parse_element(
        {
            "kserveInferenceEntities": [entity()],
            "uninitializedToPassiveTimeout": 5,
            "statusCheckInterval": "2",
        },
        EntityPolicy(),
    )
    assert (spec.timeout_s, spec.check_interval_s) == (5.0, 2.0)


def test_parse_uses_java_defaults_when_timing_properties_absent():
    spec = parse_element({"kserveInferenceEntities": [entity()]}, EntityPolicy())
    assert (spec.timeout_s, spec.check_interval_s) == (60.0, 30.0)


def test_parse_accepts_alias_id_string_and_mapping_payload():
    raw = entity(payload=payload())
    del raw["kserveInferenceEntityId"]
    raw["kserveEntityId"] = "entity1 1.0.0"
    (only,) = parse_element({"kserveInferenceEntities": [raw]}, EntityPolicy()).entities
    assert only.entity_id == "entity1 1.0.0"
    assert only.body["spec"]["predictor"]["model"]["modelFormat"]["name"] == "sklearn"


def test_parse_fills_missing_payload_name_and_namespace_from_entity():
    body = payload()
    del body["metadata"]
    (only,) = parse_element(
        {"kserveInferenceEntities": [entity(payload=body)]}, EntityPolicy()
    ).entities
    assert only.body["metadata"] == {"name": "sklearn-iris", "namespace": "kserve-test"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (entity(kserveInferenceEntityId=None), "kserveInferenceEntityId is missing"),
        (entity(name=None), "name is missing"),
        (entity(namespace=""), "namespace must be a non-empty string"),
        (entity(payload=None), "payload is missing"),
        (entity(payload="{not json"), "payload is not valid JSON"),
        (entity(payload="[1, 2]"), "payload must be a JSON object, got list"),
        (entity(payload=json.dumps(payload(kind="Deployment"))), "payload.kind is 'Deployment'"),
        (
            entity(payload=json.dumps(payload(apiVersion="serving.kserve.io/v1alpha2"))),
            "payload.apiVersion is 'serving.kserve.io/v1alpha2'",
        ),
        (
            entity(payload=json.dumps(payload(apiVersion="serving.kubeflow.org/v1beta1"))),
            "payload.apiVersion is 'serving.kubeflow.org/v1beta1'",
        ),
        (entity(name="Sklearn_Iris"), 'name "Sklearn_Iris" is not a valid InferenceService'),
        (entity(name="a" * 64), "is not a valid InferenceService name"),
        (entity(namespace="Bad_NS"), 'namespace "Bad_NS" is not a valid namespace name'),
        (
            entity(
                payload=json.dumps(payload(metadata={"name": "sklearn-iris", "namespace": "other"}))
            ),
            "payload.metadata.namespace 'other' differs from the entity namespace",
        ),
    ],
)
def test_parse_names_entity_and_field_when_entity_is_invalid(raw: dict[str, Any], expected: str):
    text = problems_of({"kserveInferenceEntities": [raw]})
    assert expected in text
    assert "entity #1" in text


def test_parse_refuses_namespace_outside_allow_list():
    text = problems_of(
        {"kserveInferenceEntities": [entity()]},
        EntityPolicy(namespaces=frozenset({"models"})),
    )
    assert 'namespace "kserve-test" is not allowed (allowed: models)' in text


def test_parse_refuses_two_entities_with_same_name_and_namespace():
    text = problems_of({"kserveInferenceEntities": [entity(), entity()]})
    assert 'entity #2 "sklearn-iris": same name and namespace as entity #1' in text


def test_parse_reports_every_problem_when_several_entities_are_invalid():
    text = problems_of(
        {"kserveInferenceEntities": [entity(payload="x"), entity(name="b", namespace=None)]}
    )
    assert "entity #1" in text
    assert 'entity #2 "b": namespace is missing' in text


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({}, "kserveInferenceEntities is missing"),
        ({"kserveInferenceEntities": "1"}, "kserveInferenceEntities must be a list"),
        (
            {"kserveInferenceEntities": [], "uninitializedToPassiveTimeout": -1},
            "uninitializedToPassiveTimeout: must be a positive number of seconds",
        ),
        (
            {"kserveInferenceEntities": [], "statusCheckInterval": "soon"},
            "statusCheckInterval: must be a positive number of seconds",
        ),
    ],
)
def test_parse_refuses_element_level_problems(properties: dict[str, Any], expected: str):
    assert expected in problems_of(properties)


def test_parse_accepts_empty_entity_list_as_java_does():
    assert parse_element({"kserveInferenceEntities": []}, EntityPolicy()).entities == ()
