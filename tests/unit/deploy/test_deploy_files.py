"""The container file and manifests an operator deploys: linted, consistent with the defaults."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kserve_participant.config import load_settings
from tests.unit.deploy.manifests import DEPLOY, DOCKERFILE, VARIANTS, documents, of_kind

PARTICIPANT_VERBS = {"get", "list", "watch", "create", "patch", "delete"}


def test_dockerfile_has_no_hadolint_finding_when_linted():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifests_have_no_checkov_finding_when_checkov_is_available():
    """checkov cannot share the test environment (it pins packaging<24, pytest needs >=24):
    run when a checkov executable is given by KSP_CHECKOV or found on PATH."""
    checkov = os.environ.get("KSP_CHECKOV") or shutil.which("checkov")
    if not checkov:
        pytest.skip("no checkov executable (set KSP_CHECKOV); hadolint and the dry-run still run")
    result = subprocess.run(
        [checkov, "--directory", str(DEPLOY), "--quiet", "--compact", "--skip-download"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_dockerfile_defaults_match_java_port_and_config_path_when_read():
    text = DOCKERFILE.read_text()
    defaults = load_settings(None, {})
    assert f"EXPOSE {defaults.server.port}" in text
    assert "KSERVE_PARTICIPANT_CONFIG=/opt/app/policy/clamp/config/application.yaml" in text
    assert "USER 10001:10001" in text
    assert text.count("FROM ") == 2


def test_image_default_config_loads_when_read_by_the_participant():
    settings = load_settings(DEPLOY / "application.yaml", {"HTTP_PASSWORD": "x-secret"})
    assert settings.server.port == 6969


@pytest.mark.parametrize("variant", VARIANTS)
def test_configmap_application_yaml_loads_when_read_by_the_participant(variant, tmp_path):
    (configmap,) = of_kind(variant, "ConfigMap")
    path = tmp_path / "application.yaml"
    path.write_text(configmap["data"]["application.yaml"])
    settings = load_settings(path, {})
    expected_scope = "namespace" if variant == "namespaced" else "cluster"
    assert settings.kserve_participant.watch_scope == expected_scope


def test_namespaced_roles_cover_exactly_the_configured_namespaces_when_compared(tmp_path):
    (configmap,) = of_kind("namespaced", "ConfigMap")
    path = tmp_path / "application.yaml"
    path.write_text(configmap["data"]["application.yaml"])
    allowed = set(load_settings(path, {}).kserve_participant.namespaces)
    role_namespaces = {role["metadata"]["namespace"] for role in of_kind("namespaced", "Role")}
    binding_namespaces = {b["metadata"]["namespace"] for b in of_kind("namespaced", "RoleBinding")}
    assert role_namespaces == allowed == binding_namespaces


@pytest.mark.parametrize(("variant", "kind"), [("namespaced", "Role"), ("cluster", "ClusterRole")])
def test_rbac_grants_only_participant_verbs_and_reading_deployments_when_read(variant, kind):
    for role in of_kind(variant, kind):
        rule, deployments = role["rules"]
        assert rule["apiGroups"] == ["serving.kserve.io"]
        assert rule["resources"] == ["inferenceservices"]
        assert set(rule["verbs"]) == PARTICIPANT_VERBS
        assert deployments == {
            "apiGroups": ["apps"],
            "resources": ["deployments"],
            "verbs": ["get", "list", "watch"],
        }


@pytest.mark.parametrize("variant", VARIANTS)
def test_deployment_probes_hit_the_open_probe_paths_when_defaults_apply(variant):
    (deployment,) = of_kind(variant, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    context = load_settings(None, {}).server.servlet.context_path
    assert container["livenessProbe"]["httpGet"]["path"] == f"{context}/health/liveness"
    assert container["readinessProbe"]["httpGet"]["path"] == f"{context}/health/readiness"
    assert container["ports"][0]["containerPort"] == 6969


@pytest.mark.parametrize("variant", VARIANTS)
def test_deployment_selector_and_service_match_the_pod_labels_when_read(variant):
    (deployment,) = of_kind(variant, "Deployment")
    (service,) = of_kind(variant, "Service")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()


@pytest.mark.parametrize("variant", VARIANTS)
def test_deployment_runs_unprivileged_with_sized_resources_when_read(variant):
    (deployment,) = of_kind(variant, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_secrets_are_referenced_never_inlined_when_deployment_sets_env(variant):
    (deployment,) = of_kind(variant, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    for name in ("HTTP_PASSWORD", "KAFKA_SASL_JAAS_CONFIG"):
        assert "value" not in env[name]
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "kserve-participant-credentials"
    assert not [doc for doc in documents(variant) if doc["kind"] == "Secret"]
