"""The dev stack's API server is real: KServe's CRD schema, authentication and RBAC are enforced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from lightkube import ApiError, AsyncClient, KubeConfig
from lightkube.config.models import Cluster, User
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.models.rbac_v1 import PolicyRule, RoleRef, Subject
from lightkube.resources.core_v1 import Namespace
from lightkube.resources.rbac_authorization_v1 import Role, RoleBinding

from kserve_participant.devstack import StackInfo
from kserve_participant.devstack.access import grant_participant, write_participant_kubeconfig
from kserve_participant.devstack.audit import audited_requests
from kserve_participant.devstack.resources import InferenceService

pytestmark = pytest.mark.integration

FRAMEWORKS = ("sklearn", "xgboost", "lightgbm", "tensorflow", "pytorch", "onnx", "pmml", "triton")

SAMPLES = sorted(Path("/work/shared/samples/kserve").glob("docs__samples__*.yaml"))
SKLEARN = {
    "predictor": {"sklearn": {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model"}}
}


def _client_as(info: StackInfo, user: User, namespace: str = "default") -> AsyncClient:
    cluster = Cluster(server=info.api_server, certificate_auth=str(info.ca_file))
    return AsyncClient(KubeConfig.from_one(cluster=cluster, user=user, namespace=namespace))


def _missing_from(expected: Any, actual: Any, path: str = "spec") -> list[str]:
    """Paths of ``expected`` that ``actual`` lacks or changed (schema pruning would drop them)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [path]
        return [
            missing
            for key, value in expected.items()
            for missing in _missing_from(value, actual.get(key), f"{path}.{key}")
        ]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [path]
        return [
            missing
            for index, (want, got) in enumerate(zip(expected, actual, strict=True))
            for missing in _missing_from(want, got, f"{path}[{index}]")
        ]
    return [] if expected == actual else [path]


def _message(error: ApiError) -> str:
    return error.status.message or ""


def _name(obj: Any) -> str:
    return str(obj.metadata.name)


def test_samples_exist_when_collected():
    assert len(SAMPLES) >= 10


@pytest.mark.parametrize(
    "sample", SAMPLES, ids=lambda path: path.stem.removeprefix("docs__samples__")
)
async def test_api_server_stores_sample_unpruned_when_created(kube_admin, namespace, sample):
    document = yaml.safe_load(sample.read_text())
    document["metadata"]["namespace"] = namespace

    created = await kube_admin.create(InferenceService.from_dict(document))

    stored = await kube_admin.get(InferenceService, created.metadata.name, namespace=namespace)
    assert _missing_from(_as_kserve_defaults_it(document["spec"]), stored.spec) == []


def _as_kserve_defaults_it(spec: dict[str, Any]) -> dict[str, Any]:
    """KServe's defaulting webhook moves ``predictor.<framework>`` into ``predictor.model`` with
    that framework as ``modelFormat.name``; everything else is stored as sent."""
    predictor = dict(spec.get("predictor") or {})
    for framework in FRAMEWORKS:
        if framework in predictor:
            fields = dict(predictor.pop(framework))
            predictor["model"] = {**fields, "modelFormat": {"name": framework}}
    return {**spec, "predictor": predictor}


async def test_kserve_webhook_refuses_with_400_when_predictor_has_wrong_type(kube_admin, namespace):
    invalid = InferenceService(
        metadata=ObjectMeta(name="bad", namespace=namespace), spec={"predictor": "sklearn"}
    )

    with pytest.raises(ApiError) as refused:
        await kube_admin.create(invalid)

    # KServe's defaulting webhook decodes the object before the CRD schema is checked.
    assert refused.value.status.code == 400
    assert "inferenceservice.kserve-webhook-server.defaulter" in _message(refused.value)
    assert "spec.predictor of type v1beta1.PredictorSpec" in _message(refused.value)


async def test_api_server_refuses_request_when_unauthenticated(stack_info):
    anonymous = _client_as(stack_info, User())  # no token, no client certificate
    try:
        with pytest.raises(ApiError) as refused:
            await anonymous.get(Namespace, "default")
    finally:
        await anonymous.close()

    assert refused.value.status.code == 403
    assert "system:anonymous" in _message(refused.value)


async def test_api_server_refuses_request_when_token_is_unknown(stack_info):
    stranger = _client_as(stack_info, User(token="not-a-known-token"))
    try:
        with pytest.raises(ApiError) as refused:
            await stranger.get(Namespace, "default")
    finally:
        await stranger.close()

    assert refused.value.status.code == 401


async def _grant_read_on_inference_services(client: AsyncClient, namespace: str) -> None:
    await client.create(
        Role(
            metadata=ObjectMeta(name="isvc-reader", namespace=namespace),
            rules=[
                PolicyRule(
                    apiGroups=["serving.kserve.io"],
                    resources=["inferenceservices"],
                    verbs=["get", "list"],
                )
            ],
        )
    )
    await client.create(
        RoleBinding(
            metadata=ObjectMeta(name="participant-reads-isvc", namespace=namespace),
            roleRef=RoleRef(apiGroup="rbac.authorization.k8s.io", kind="Role", name="isvc-reader"),
            subjects=[
                Subject(kind="User", name="participant", apiGroup="rbac.authorization.k8s.io")
            ],
        )
    )


async def test_participant_token_reads_only_what_its_role_grants_when_bound_in_one_namespace(
    kube_admin, stack_info, namespace
):
    other = f"{namespace}-other"
    await kube_admin.create(Namespace(metadata=ObjectMeta(name=other)))
    await kube_admin.create(
        InferenceService(metadata=ObjectMeta(name="iris", namespace=namespace), spec=SKLEARN)
    )
    await _grant_read_on_inference_services(kube_admin, namespace)
    participant = _client_as(stack_info, User(token=stack_info.participant_token), namespace)
    try:
        names = [_name(obj) async for obj in participant.list(InferenceService)]
        assert names == ["iris"]
        assert _name(await participant.get(InferenceService, "iris")) == "iris"

        with pytest.raises(ApiError) as create_denied:
            await participant.create(
                InferenceService(
                    metadata=ObjectMeta(name="mine", namespace=namespace), spec=SKLEARN
                )
            )
        with pytest.raises(ApiError) as elsewhere_denied:
            _ = [obj async for obj in participant.list(InferenceService, namespace=other)]
    finally:
        await participant.close()

    assert create_denied.value.status.code == 403
    assert 'User "participant" cannot create resource "inferenceservices"' in (
        _message(create_denied.value)
    )
    assert elsewhere_denied.value.status.code == 403
    assert f'in the namespace "{other}"' in _message(elsewhere_denied.value)


async def test_audit_log_counts_the_participant_users_requests_and_nobody_elses(
    kube_admin, stack, namespace, tmp_path
):
    with stack.admin_client() as admin:
        grant_participant(admin, namespace)
    await kube_admin.create(
        InferenceService(metadata=ObjectMeta(name="seen", namespace=namespace), spec=SKLEARN)
    )
    participant = AsyncClient(
        KubeConfig.from_file(write_participant_kubeconfig(tmp_path / "kubeconfig", stack.info))
    )
    try:
        assert _name(await participant.get(InferenceService, "seen", namespace=namespace)) == "seen"
        await participant.delete(InferenceService, "seen", namespace=namespace)
    finally:
        await participant.close()

    audited = [r for r in audited_requests(stack.info.audit_log) if r.namespace == namespace]
    # the admin's create is not there; the participant's two requests are, with their answers
    assert sorted((r.verb, r.resource, r.code) for r in audited) == [
        ("delete", "inferenceservices", 200),
        ("get", "inferenceservices", 200),
    ]
