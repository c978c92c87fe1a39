"""Deploy failures: each reaches the FAILED ack (an ElementFailure) with entity and reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from acm_participant import ElementFailure
from acm_participant.testing import element_context
from kserve_participant.devstack.faults import UNSERVED_FORMAT, PodFault
from tests.integration.kserve_support import (
    element,
    entity,
    harness,
    load_sample,
    with_entities,
)

pytestmark = pytest.mark.integration


async def admin_names(stack: Any, namespace: str) -> list[str]:
    async with harness(stack.info) as admin:
        return await admin.names(namespace)


def _bad_entities(namespace: str) -> list[tuple[dict[str, Any], str]]:
    valid = entity("bad-input", namespace)
    sklearn = load_sample("docs__samples__istio-dex__sklearn.yaml")
    v1alpha2 = dict(
        valid, payload=json.dumps({**sklearn, "apiVersion": "serving.kserve.io/v1alpha2"})
    )
    return [
        (
            {k: v for k, v in valid.items() if k != "kserveInferenceEntityId"},
            "kserveInferenceEntityId is missing",
        ),
        (dict(valid, payload="{oops"), "payload is not valid JSON"),
        (dict(valid, payload="42"), "payload must be a JSON object"),
        (
            dict(valid, payload=json.dumps({"kind": "Pod", "apiVersion": "v1"})),
            "payload.kind is 'Pod'",
        ),
        (v1alpha2, "payload.apiVersion is 'serving.kserve.io/v1alpha2'"),
        (dict(valid, name=""), "name must be a non-empty string"),
        (dict(valid, name="Not_A_Name"), 'name "Not_A_Name" is not a valid'),
        (dict(valid, namespace="other-ns"), "not allowed"),
        (
            dict(valid, payload=json.dumps({**sklearn, "metadata": {"namespace": "elsewhere"}})),
            "payload.metadata.namespace 'elsewhere' differs from the entity namespace",
        ),
    ]


@pytest.mark.parametrize("case", range(9))
async def test_deploy_fails_before_creating_anything_when_input_is_bad(
    stack: Any, namespace: str, case: int
) -> None:
    from kserve_participant.kserve.entities import EntityPolicy

    bad, expected = _bad_entities(namespace)[case]
    policy = EntityPolicy(namespaces=frozenset({namespace}))
    async with harness(stack.info, policy=policy) as h:
        composition, instance = element(entity("good-one", namespace), bad)
        with pytest.raises(ElementFailure, match="entity #2") as failed:
            await h.handler.deploy(element_context(composition, instance))
        assert expected in str(failed.value)
        assert await h.names(namespace) == []

        composition, instance = element(entity("good-one", namespace))
        assert await h.handler.deploy(element_context(composition, instance)) is not None


async def test_deploy_fails_on_duplicate_entities_before_creating_anything(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("twin", namespace), entity("twin", namespace))
        with pytest.raises(ElementFailure, match="same name and namespace"):
            await h.handler.deploy(element_context(composition, instance))
        assert await h.names(namespace) == []


async def test_deploy_quotes_kserve_webhook_at_once_when_it_refuses_the_payload(
    stack: Any, namespace: str
) -> None:
    payload = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "spec": {"transformer": {"containers": [{"image": "x"}]}},
    }
    async with harness(stack.info) as h:
        composition, instance = element(entity("schema-bad", namespace, payload))
        with pytest.raises(ElementFailure) as failed:
            await h.handler.deploy(element_context(composition, instance))
        text = str(failed.value)
        assert "(" + namespace + "/schema-bad)" in text
        # KServe's defaulting webhook runs before the CRD schema and fails on a missing predictor.
        assert 'admission webhook "inferenceservice.kserve-webhook-server.defaulter"' in text
        assert h.requests["apply"] == 1  # a refused body is not sent again


async def test_deploy_quotes_api_server_when_namespace_does_not_exist(stack: Any) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(entity("orphan", "no-such-namespace"))
        with pytest.raises(ElementFailure, match='namespaces "no-such-namespace" not found'):
            await h.handler.deploy(element_context(composition, instance))


async def test_deploy_fails_fast_quoting_kserve_when_model_fails_to_load(
    stack: Any, namespace: str
) -> None:
    failing = entity("fails", namespace, fault=PodFault.LOAD_FAILURE)
    async with harness(stack.info) as h:
        composition, instance = element(entity("fine", namespace), failing, timeout=120)
        with pytest.raises(ElementFailure) as failed:
            await h.handler.deploy(element_context(composition, instance))
        text = str(failed.value)
        assert f"{namespace}/fails failed" in text
        assert "BlockedByFailedLoad" in text
        assert "FailedToLoad" in text
        assert "ModelLoadFailed" in text
        assert "model download failed" in text  # the storage-initializer's termination message
        assert "not Ready within" not in text


async def test_deploy_fails_fast_when_spec_is_invalid_for_kserve(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        unserved = load_sample("docs__samples__istio-dex__sklearn.yaml")
        unserved["spec"]["predictor"]["model"]["modelFormat"]["name"] = UNSERVED_FORMAT
        composition, instance = element(entity("no-runtime", namespace, unserved), timeout=120)
        with pytest.raises(ElementFailure, match=r"InvalidSpec.*NoSupportingRuntime"):
            await h.handler.deploy(element_context(composition, instance))


async def test_deploy_names_unready_services_and_conditions_when_timeout_expires(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(
            entity("ready-one", namespace),
            entity("stuck-one", namespace, fault=PodFault.NEVER_READY),
            timeout=20,  # room for ready-one (KServe, KWOK, scheduler) on a loaded machine
            interval=1,
        )
        with pytest.raises(ElementFailure) as failed:
            await h.handler.deploy(element_context(composition, instance))
        text = str(failed.value)
        assert f"not Ready within 20s: {namespace}/stuck-one (Ready=" in text
        assert "ready-one" not in text


async def test_deploy_fails_without_touching_object_when_name_is_taken_by_someone_else(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        foreign = load_sample("docs__samples__istio-dex__sklearn.yaml")
        foreign["metadata"] = {"name": "taken", "namespace": namespace}
        created = await h.client.apply(foreign)  # another writer, without our labels
        composition, instance = element(entity("taken", namespace))
        with pytest.raises(ElementFailure, match="not managed by this element"):
            await h.handler.deploy(element_context(composition, instance))
        await h.handler.undeploy(element_context(composition, instance))
        still = await h.client.get(namespace, "taken")
        assert still["metadata"]["uid"] == created["metadata"]["uid"]
        assert "labels" not in still["metadata"]  # not even our ownership labels


async def test_retry_after_failed_deploy_adopts_leftovers_and_undeploy_removes_them(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info) as h:
        composition, instance = element(
            entity("kept", namespace),
            entity("flaky", namespace, fault=PodFault.LOAD_FAILURE),
        )
        with pytest.raises(ElementFailure):
            await h.handler.deploy(element_context(composition, instance))
        assert await h.names(namespace) == ["flaky", "kept"]
        uid = (await h.client.get(namespace, "kept"))["metadata"]["uid"]

        repaired = load_sample("docs__samples__istio-dex__sklearn.yaml")
        repaired["spec"]["predictor"]["model"]["storageUri"] = "gs://models/sklearn/2.0/model"
        fixed = with_entities(
            instance, entity("kept", namespace), entity("flaky", namespace, repaired)
        )
        outcome = await h.handler.deploy(element_context(composition, fixed))
        assert outcome is not None
        assert "updated" in (outcome.message or "")
        assert (await h.client.get(namespace, "kept"))["metadata"]["uid"] == uid

        await h.handler.delete(element_context(composition, fixed))
        assert await h.names(namespace) == []


async def test_deploy_quotes_rbac_refusal_when_participant_has_no_rights(
    stack: Any, namespace: str
) -> None:
    async with harness(stack.info, token=stack.info.participant_token) as h:
        composition, instance = element(entity("forbidden", namespace))
        with pytest.raises(ElementFailure) as failed:
            await h.handler.deploy(element_context(composition, instance))
        text = str(failed.value)
        assert text.startswith(f"cannot watch InferenceServices in {namespace}: 403 Forbidden")
        assert 'User "participant" cannot list resource "inferenceservices"' in text
        assert await admin_names(stack, namespace) == []


async def test_deploy_refuses_a_typo_in_the_payload_as_the_users_error_naming_the_entity(
    stack: Any, namespace: str
) -> None:
    payload = load_sample("docs__samples__istio-dex__sklearn.yaml")
    payload["spec"]["predictor"]["minReplica"] = 2  # for minReplicas
    async with harness(stack.info) as h:
        composition, instance = element(entity("typo", namespace, payload))
        with pytest.raises(ElementFailure) as failed:
            await h.handler.deploy(element_context(composition, instance))
        text = str(failed.value)
        assert text.startswith(f'entity "entity-typo 1.0.0" ({namespace}/typo): ')
        assert 'unknown field "spec.predictor.minReplica"' in text
        assert "500" not in text
        assert "typed patch" not in text
        assert await h.names(namespace) == []


async def test_migrate_precheck_refuses_a_typo_in_the_payload_naming_the_field(
    stack: Any, namespace: str
) -> None:
    payload = load_sample("docs__samples__istio-dex__sklearn.yaml")
    payload["spec"]["predictor"]["model"]["storageUrl"] = "gs://x"
    async with harness(stack.info) as h:
        composition, instance = element(entity("typo-dry", namespace, payload))
        with pytest.raises(ElementFailure) as failed:
            await h.handler.migrate_precheck(
                element_context(composition, instance, updated=instance, target=composition)
            )
        assert 'unknown field "spec.predictor.model.storageUrl"' in str(failed.value)


async def test_api_server_warnings_about_a_write_reach_the_ack_message_and_the_log(
    stack: Any, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The API server warns about a finalizer name without a domain (and stores it anyway).
    payload = load_sample("docs__samples__istio-dex__sklearn.yaml")
    payload["metadata"]["finalizers"] = ["cleanup"]
    async with harness(stack.info) as h:
        composition, instance = element(entity("warned", namespace, payload))
        with caplog.at_level("WARNING", logger="kserve_participant.kserve.handler"):
            outcome = await h.handler.migrate_precheck(
                element_context(composition, instance, updated=instance, target=composition)
            )
        assert outcome is not None
        expected = f'entity "entity-warned 1.0.0" ({namespace}/warned): metadata.finalizers'
        assert expected in (outcome.message or "")
        assert "prefer a domain-qualified finalizer name" in (outcome.message or "")
        logged = [r.getMessage() for r in caplog.records if "API server warning" in r.getMessage()]
        assert len(logged) == 1
        assert "prefer a domain-qualified finalizer name" in logged[0]
        assert await h.names(namespace) == []


async def test_kserve_webhook_refusal_is_the_users_error_naming_entity_and_verdict(
    stack: Any, namespace: str
) -> None:
    payload = load_sample("docs__samples__istio-dex__sklearn.yaml")
    payload["spec"]["predictor"].update({"minReplicas": 3, "maxReplicas": 1})
    async with harness(stack.info) as h:
        composition, instance = element(entity("inverted", namespace, payload))
        with pytest.raises(ElementFailure) as failed:
            await h.handler.deploy(element_context(composition, instance))
        assert str(failed.value) == (
            f'entity "entity-inverted 1.0.0" ({namespace}/inverted): admission webhook '
            "inferenceservice.kserve-webhook-server.validator refused it: "
            "'MinReplicas' cannot be greater than MaxReplicas"
        )
        assert await h.names(namespace) == []
