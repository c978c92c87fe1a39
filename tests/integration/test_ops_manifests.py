"""The Kubernetes manifests (the Helm chart rendered as deploy/kubernetes/ holds it) against the
real kube-apiserver: accepted with server-side dry-run, RBAC proven with SubjectAccessReviews, and
a participant running with the ServiceAccount's own token (from the TokenRequest API) deploying
and undeploying a sample."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from lightkube import AsyncClient, codecs
from lightkube.core.exceptions import ApiError
from lightkube.models.authentication_v1 import TokenRequestSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace, ServiceAccount

from kserve_participant.devstack import Stack
from tests.integration import ops_support as ops
from tests.integration.helm_support import Helm, manifest_values
from tests.integration.kserve_support import entity
from tests.integration.rbac_support import allowed, granted_once_seen
from tests.unit.deploy.manifests import VARIANTS

pytestmark = pytest.mark.integration

PARTICIPANT_VERBS = ("get", "list", "watch", "create", "patch", "delete")
DEPLOYMENT_VERBS = ("get", "list", "watch")  # read-only: rollout status
GROUP = "serving.kserve.io"


@pytest_asyncio.fixture
async def fresh_namespaces(kube_admin: AsyncClient) -> AsyncIterator[tuple[str, str, str]]:
    """Three new namespaces: the participant's, the allowed one and another one."""
    names = tuple(f"t-{secrets.token_hex(4)}" for _ in range(3))
    for name in names:
        await kube_admin.create(Namespace(metadata=ObjectMeta(name=name)))
    yield names  # type: ignore[misc]


def relocated(
    helm: Helm, variant: str, home: str, allowed_namespace: str, suffix: str
) -> list[dict[str, Any]]:
    """The chart rendered as the variant's manifests are, but into our namespaces (names made
    unique for the cluster-wide objects; the ServiceAccount keeps its name)."""
    settings: dict[str, Any] = {
        "fullnameOverride": f"kserve-participant-{suffix}",
        "serviceAccount.nameOverride": "kserve-participant",
    }
    if variant == "namespaced":
        settings["config.kserveParticipant.namespaces"] = [allowed_namespace]
    return helm.template(
        "kserve-participant", home, values=[manifest_values(variant)], settings=settings
    )


async def create_all(client: AsyncClient, docs: list[dict[str, Any]], *, dry_run: bool) -> None:
    for doc in docs:
        await client.create(codecs.from_dict(doc), dry_run=dry_run)


async def apply_rbac(
    client: AsyncClient,
    docs: list[dict[str, Any]],
    kinds: tuple[str, ...],
    home: str,
    namespace: str,
) -> None:
    """Creates the manifests' RBAC objects of ``kinds`` and waits until the authorizer applies
    them (the participant's first verb in ``namespace``)."""
    await create_all(client, [d for d in docs if d["kind"] in kinds], dry_run=False)
    await granted_once_seen(
        client, home, verb="get", group=GROUP, resource="inferenceservices", namespace=namespace
    )


NAMESPACED_RBAC = ("ServiceAccount", "Role", "RoleBinding")
CLUSTER_RBAC = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding")


@pytest.mark.parametrize("variant", VARIANTS)
async def test_every_manifest_is_accepted_when_dry_run_on_the_api_server(
    variant, helm, kube_admin, fresh_namespaces
):
    home, allowed_namespace, _ = fresh_namespaces
    docs = relocated(helm, variant, home, allowed_namespace, secrets.token_hex(3))
    assert {doc["kind"] for doc in docs} >= {"Deployment", "ServiceAccount", "Service", "ConfigMap"}
    await create_all(kube_admin, docs, dry_run=True)


async def test_dry_run_refuses_a_broken_manifest_when_selector_misses_the_pod_labels(
    helm, kube_admin, fresh_namespaces
):
    home, allowed_namespace, _ = fresh_namespaces
    docs = relocated(helm, "namespaced", home, allowed_namespace, secrets.token_hex(3))
    (deployment,) = [doc for doc in docs if doc["kind"] == "Deployment"]
    deployment["spec"]["template"]["metadata"]["labels"] = {"app.kubernetes.io/name": "other"}
    with pytest.raises(ApiError):
        await create_all(kube_admin, [deployment], dry_run=True)


async def test_namespaced_rbac_allows_exactly_the_participant_verbs_when_reviewed(
    helm, kube_admin, fresh_namespaces
):
    home, allowed_namespace, other = fresh_namespaces
    docs = relocated(helm, "namespaced", home, allowed_namespace, secrets.token_hex(3))
    await apply_rbac(kube_admin, docs, NAMESPACED_RBAC, home, allowed_namespace)

    for verb in PARTICIPANT_VERBS:
        assert await allowed(
            kube_admin,
            home,
            verb=verb,
            group=GROUP,
            resource="inferenceservices",
            namespace=allowed_namespace,
        ), verb
    for verb in ("update", "deletecollection"):
        assert not await allowed(
            kube_admin,
            home,
            verb=verb,
            group=GROUP,
            resource="inferenceservices",
            namespace=allowed_namespace,
        ), verb
    assert not await allowed(
        kube_admin,
        home,
        verb="patch",
        group=GROUP,
        resource="inferenceservices",
        subresource="status",
        namespace=allowed_namespace,
    )
    for namespace in (other, home):
        assert not await allowed(
            kube_admin,
            home,
            verb="get",
            group=GROUP,
            resource="inferenceservices",
            namespace=namespace,
        ), namespace
    assert not await allowed(
        kube_admin, home, verb="list", group=GROUP, resource="inferenceservices", namespace=None
    )
    for verb in DEPLOYMENT_VERBS:
        assert await allowed(
            kube_admin, home, verb=verb, group="apps", resource="deployments",
            namespace=allowed_namespace,
        ), verb  # fmt: skip
    for verb in ("create", "patch", "delete"):
        assert not await allowed(
            kube_admin, home, verb=verb, group="apps", resource="deployments",
            namespace=allowed_namespace,
        ), verb  # fmt: skip
    assert not await allowed(
        kube_admin, home, verb="get", group="apps", resource="deployments", namespace=other
    )
    for resource in ("pods", "secrets", "configmaps"):
        for verb in ("get", "list", "create"):
            assert not await allowed(
                kube_admin, home, verb=verb, resource=resource, namespace=allowed_namespace
            ), (verb, resource)


async def test_cluster_rbac_allows_participant_verbs_everywhere_and_nothing_else_when_reviewed(
    helm, kube_admin, fresh_namespaces
):
    home, allowed_namespace, other = fresh_namespaces
    docs = relocated(helm, "cluster", home, allowed_namespace, secrets.token_hex(3))
    await apply_rbac(kube_admin, docs, CLUSTER_RBAC, home, allowed_namespace)

    for verb in PARTICIPANT_VERBS:
        for namespace in (allowed_namespace, other, None):
            assert await allowed(
                kube_admin,
                home,
                verb=verb,
                group=GROUP,
                resource="inferenceservices",
                namespace=namespace,
            ), (verb, namespace)
    assert not await allowed(
        kube_admin, home, verb="update", group=GROUP, resource="inferenceservices", namespace=other
    )
    for verb in DEPLOYMENT_VERBS:
        assert await allowed(
            kube_admin, home, verb=verb, group="apps", resource="deployments", namespace=other
        ), verb
    assert not await allowed(
        kube_admin, home, verb="patch", group="apps", resource="deployments", namespace=other
    )
    for resource in ("pods", "secrets", "configmaps"):
        assert not await allowed(kube_admin, home, verb="get", resource=resource, namespace=other)


def token_kubeconfig(path: Path, server: str, ca_file: Path, token: str, namespace: str) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "dev",
                        "cluster": {"server": server, "certificate-authority": str(ca_file)},
                    }
                ],
                "users": [{"name": "sa", "user": {"token": token}}],
                "contexts": [
                    {
                        "name": "sa",
                        "context": {"cluster": "dev", "user": "sa", "namespace": namespace},
                    }
                ],
                "current-context": "sa",
            }
        )
    )
    path.chmod(0o600)
    return path


async def test_participant_with_service_account_token_deploys_and_undeploys_when_rbac_applied(
    stack: Stack, helm, kube_admin, fresh_namespaces, tmp_path
):
    home, allowed_namespace, _ = fresh_namespaces
    docs = relocated(helm, "namespaced", home, allowed_namespace, secrets.token_hex(3))
    await apply_rbac(kube_admin, docs, NAMESPACED_RBAC, home, allowed_namespace)
    token_request = await kube_admin.create(
        ServiceAccount.Token(
            metadata=ObjectMeta(), spec=TokenRequestSpec(audiences=[], expirationSeconds=3600)
        ),
        "kserve-participant",
        namespace=home,
    )
    assert token_request.status is not None
    kubeconfig = token_kubeconfig(
        tmp_path / "sa.kubeconfig",
        stack.info.api_server,
        stack.info.ca_file,
        token_request.status.token,
        home,
    )
    topics = ops.Topics.fresh()
    config = ops.stack_config(
        stack.info,
        topics,
        kubeconfig=kubeconfig,
        extra={"kserveParticipant": {"namespaces": [allowed_namespace], "watchScope": "namespace"}},
    )
    async with (
        ops.runtime_driver(stack.info.kafka_bootstrap, topics) as driver,
        ops.participant_process(tmp_path, config) as participant,
    ):
        await participant.wait_ready()
        composition_id = await ops.prime_kserve(driver, participant.participant_id)
        instance_id = ops.kserve_instance(
            driver, composition_id, [entity("sa-model", allowed_namespace)]
        )
        acks = await driver.deploy(instance_id)
        assert ops.element_results(acks) == [("DEPLOYED", "NO_ERROR")]
        acks = await driver.undeploy(instance_id)
        assert ops.element_results(acks) == [("UNDEPLOYED", "NO_ERROR")]
        forbidden = await participant.metric(
            "kserve_participant_kubernetes_errors_total", {"verb": "get", "code": "403"}
        )
        assert forbidden is None
    assert token_request.status.token not in participant.output()
