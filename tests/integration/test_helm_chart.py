"""The Helm chart in deploy/helm/ with the real helm binary against the dev stack's kube-apiserver:
lint, template + server-side dry-run (default and OOM-style values), install until the
participant's Deployment is available, upgrade with changed values, uninstall leaving nothing
behind; and the plain manifests in deploy/kubernetes/ are exactly the chart's rendering."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import yaml
from lightkube import AsyncClient, codecs
from lightkube.core.exceptions import ApiError
from lightkube.generic_resource import create_namespaced_resource
from lightkube.resources.core_v1 import ConfigMap, Pod

from kserve_participant.devstack.cache import Cache
from kserve_participant.devstack.helm import differences, helm_binary
from tests.integration.helm_support import (
    CHART,
    DEPLOY,
    OOM_VALUES,
    Helm,
    deployment_available,
    nothing_left,
    secret_value,
    service_account_may,
    value_args,
)

pytestmark = pytest.mark.integration

# lightkube's codec learns Strimzi's kind (its CRD comes from the strimzi_crds fixture)
create_namespaced_resource("kafka.strimzi.io", "v1beta2", "KafkaUser", "kafkausers")


async def dry_run(client: AsyncClient, docs: list[dict[str, Any]]) -> list[str]:
    """Creates every document with dryRun=All; returns "Kind/name" of each one accepted."""
    accepted = []
    for doc in docs:
        await client.create(codecs.from_dict(doc), dry_run=True)
        accepted.append(f"{doc['kind']}/{doc['metadata']['name']}")
    return accepted


def test_chart_has_no_lint_finding_when_linted_strictly_with_default_and_oom_values(helm: Helm):
    for values in ([], ["--values", str(OOM_VALUES)]):
        result = helm.run("lint", "--strict", str(CHART), *values)
        assert "0 chart(s) failed" in result.stdout, result.stdout


def test_rendering_fails_when_namespace_scope_lists_no_namespace(helm: Helm):
    result = helm.run(
        "template",
        "ksp",
        str(CHART),
        "--set",
        "config.kserveParticipant.watchScope=namespace",
        check=False,
    )
    assert result.returncode != 0
    assert "config.kserveParticipant.namespaces must list the namespaces" in result.stderr


async def test_default_values_render_objects_the_api_server_accepts_when_dry_run(
    helm: Helm, kube_admin: AsyncClient, namespace: str
):
    docs = helm.template("ksp", namespace)
    accepted = await dry_run(kube_admin, docs)
    assert sorted(kind.split("/")[0] for kind in accepted) == sorted(
        [
            "ClusterRole",
            "ClusterRoleBinding",
            "ConfigMap",
            "Deployment",
            "NetworkPolicy",
            "Secret",
            "Service",
            "ServiceAccount",
        ]
    )


async def test_oom_values_render_objects_the_api_server_accepts_when_dry_run(
    helm: Helm, kube_admin: AsyncClient, namespace: str, strimzi_crds: None
):
    docs = helm.template("onap", namespace, values=[OOM_VALUES])
    accepted = await dry_run(kube_admin, docs)
    assert "KafkaUser/onap-policy-clamp-ac-kserve-ppnt-ku" in accepted
    (deployment,) = [doc for doc in docs if doc["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    assert env["KAFKA_SERVER"]["value"] == "onap-strimzi-kafka-bootstrap:9092"
    assert env["KAFKA_SASL_MECHANISM"]["value"] == "SCRAM-SHA-512"
    assert env["KAFKA_SASL_JAAS_CONFIG"]["valueFrom"]["secretKeyRef"] == {
        "name": "onap-policy-clamp-ac-kserve-ppnt-ku",
        "key": "sasl.jaas.config",
    }
    assert container["image"] == "nexus3.onap.org:10001/onap/kserve-participant:0.1.0"
    assert container["resources"]["limits"]["memory"] == "384Mi"  # global.flavor: large
    assert container["ports"] == [{"name": "kserve-api", "containerPort": 8087, "protocol": "TCP"}]


async def test_kafkauser_is_refused_when_an_acl_operation_is_unknown_to_strimzi(
    helm: Helm, kube_admin: AsyncClient, namespace: str, strimzi_crds: None
):
    docs = helm.template(
        "onap",
        namespace,
        values=[OOM_VALUES],
        settings={"kafkaUser.acls": [{"name": "x", "type": "topic", "operations": ["Publish"]}]},
    )
    (user,) = [doc for doc in docs if doc["kind"] == "KafkaUser"]
    with pytest.raises(ApiError) as refused:
        await dry_run(kube_admin, [user])
    assert "Publish" in str(refused.value.status.message)


def test_plain_manifests_are_the_charts_rendering_when_compared():
    binary = helm_binary(Cache.default())
    assert differences(binary, DEPLOY) == {}, "run `make manifests` and commit the result"


async def test_install_upgrade_uninstall_runs_the_participant_and_leaves_nothing_behind(
    helm: Helm, kube_admin: AsyncClient, namespace: str, other_namespace: str
):
    release = f"ksp-{secrets.token_hex(3)}"
    name = f"{release}-kserve-participant"
    helm.run("install", release, str(CHART), "--namespace", namespace)

    deployment = await deployment_available(kube_admin, name, namespace, replicas=1)
    pods = [
        pod.to_dict()
        async for pod in kube_admin.list(
            Pod, namespace=namespace, labels={"app.kubernetes.io/instance": release}
        )
    ]
    assert [(p["spec"]["serviceAccountName"], p["status"]["phase"]) for p in pods] == [
        (name, "Running")
    ]
    assert pods[0]["spec"]["nodeName"]  # scheduled onto the stack's (KWOK) node
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["resources"]["requests"] == {"cpu": "50m", "memory": "96Mi"}
    password = await secret_value(kube_admin, f"{name}-restserver-secret", namespace, "password")
    assert len(password) == 24
    for target in (other_namespace, None):
        assert await service_account_may(kube_admin, namespace, name, "create", target)

    helm.run(
        "upgrade",
        release,
        str(CHART),
        "--namespace",
        namespace,
        *value_args(
            [],
            {
                "flavor": "large",
                "replicaCount": 2,
                "config.kserveParticipant.watchScope": "namespace",
                "config.kserveParticipant.namespaces": [other_namespace],
            },
        ),
    )
    deployment = await deployment_available(kube_admin, name, namespace, replicas=2)
    assert deployment["spec"]["replicas"] == 2
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "192Mi"}
    configmap = await kube_admin.get(ConfigMap, f"{name}-config", namespace=namespace)
    application = yaml.safe_load((configmap.data or {})["application.yaml"])
    assert application["kserveParticipant"]["namespaces"] == [other_namespace]
    assert await secret_value(kube_admin, f"{name}-restserver-secret", namespace, "password") == (
        password
    )
    assert await service_account_may(kube_admin, namespace, name, "create", other_namespace)
    assert not await service_account_may(kube_admin, namespace, name, "create", None)

    helm.run("uninstall", release, "--namespace", namespace, "--wait")
    await nothing_left(kube_admin, release, (namespace, other_namespace))


async def test_kerberos_values_mount_keytab_and_krb5_conf_the_api_server_accepts_when_dry_run(
    helm: Helm, kube_admin: AsyncClient, namespace: str
):
    docs = helm.template(
        "ksp",
        namespace,
        settings={
            "kafka.securityProtocol": "SASL_PLAINTEXT",
            "kafka.saslMechanism": "GSSAPI",
            "kafka.saslJaasConfigSecret": {"name": "ksp-jaas", "key": "sasl.jaas.config"},
            "kafka.kerberos": {"keytabSecret": "ksp-keytab", "krb5ConfigMap": "ksp-krb5"},
        },
    )
    await dry_run(kube_admin, docs)
    (deployment,) = [doc for doc in docs if doc["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {item["name"]: item for item in container["env"]}
    assert env["KAFKA_SASL_MECHANISM"]["value"] == "GSSAPI"
    assert env["KAFKA_SASL_JAAS_CONFIG"]["valueFrom"]["secretKeyRef"]["name"] == "ksp-jaas"
    assert env["KRB5_CONFIG"]["value"] == "/etc/krb5/krb5.conf"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["keytab"] == "/etc/security/keytabs"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["keytab"]["secret"] == {"secretName": "ksp-keytab", "defaultMode": 0o440}
    assert volumes["krb5"]["configMap"] == {"name": "ksp-krb5"}
