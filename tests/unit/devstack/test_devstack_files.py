"""Files the dev stack writes or ships: PKI, kubeconfig, the packaged CRD, the cache layout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from kserve_participant.devstack.build import BuildError, build_all
from kserve_participant.devstack.cache import Cache, ToolsDir
from kserve_participant.devstack.crd import CRD_NAME, load_crd, packaged_crd_path
from kserve_participant.devstack.kubeconfig import write_admin_kubeconfig
from kserve_participant.devstack.pki import create_pki
from kserve_participant.devstack.seed import seed_path
from kserve_participant.devstack.session import find_repo_root

SHARED_CRD = Path(
    "/work/shared/samples/kserve/config__crd__full__serving.kserve.io_inferenceservices.yaml"
)


def _openssl_text(cert: Path) -> str:
    return subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_pki_issues_server_cert_for_loopback_when_created(tmp_path):
    pki = create_pki(tmp_path / "pki")

    text = _openssl_text(pki.apiserver_cert)
    assert "IP Address:127.0.0.1" in text
    assert "DNS:localhost" in text
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", str(pki.ca_cert), str(pki.apiserver_cert)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr


def test_pki_admin_cert_is_in_system_masters_when_created(tmp_path):
    pki = create_pki(tmp_path / "pki")

    assert "O=system:masters" in _openssl_text(pki.admin_cert).replace(" = ", "=")


def test_pki_token_file_names_admin_and_participant_with_private_mode_when_created(tmp_path):
    pki = create_pki(tmp_path / "pki")

    rows = pki.token_file.read_text().splitlines()
    assert rows[0].startswith(f"{pki.admin_token},admin,")
    assert rows[0].endswith('"system:masters"')
    assert rows[1] == f"{pki.participant_token},participant,participant-uid"
    assert pki.admin_token != pki.participant_token
    assert pki.token_file.stat().st_mode & 0o077 == 0
    assert pki.admin_key.stat().st_mode & 0o077 == 0


def test_kubeconfig_uses_absolute_paths_and_client_cert_when_written(tmp_path):
    pki = create_pki(tmp_path / "pki")

    path = write_admin_kubeconfig(tmp_path / "kubeconfig", server="https://127.0.0.1:6443", pki=pki)

    config = yaml.safe_load(path.read_text())
    user = config["users"][0]["user"]
    assert Path(user["client-certificate"]).is_absolute()
    assert Path(user["client-key"]).is_file()
    assert config["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443"
    assert config["contexts"][0]["context"]["namespace"] == "default"


def test_packaged_crd_is_kserve_full_crd_when_loaded():
    crd = load_crd()

    assert crd["metadata"]["name"] == CRD_NAME
    assert [v["name"] for v in crd["spec"]["versions"]] == ["v1beta1"]
    assert "openAPIV3Schema" in crd["spec"]["versions"][0]["schema"]


@pytest.mark.skipif(not SHARED_CRD.is_file(), reason="shared KServe samples not on this machine")
def test_packaged_crd_matches_shared_sample_when_both_exist():
    assert packaged_crd_path().read_bytes() == SHARED_CRD.read_bytes()


def test_build_reuses_artefacts_when_present_in_cache(tmp_path):
    cache = Cache(tmp_path / "cache")
    cache.kafka_lib.mkdir(parents=True)
    (cache.kafka_lib / "kafka_2.13-4.1.2.jar").write_bytes(b"jar")
    cache.etcd_binary.parent.mkdir(parents=True)
    for binary in cache.binaries:
        binary.write_bytes(binary.name.encode())
    cache.kserve_source.mkdir(parents=True)
    (cache.kserve_source / "go.mod").write_text("module github.com/kserve/kserve\n")
    said: list[str] = []

    build_all(cache, ToolsDir.locate(), say=said.append)

    assert len(said) == 1 + len(cache.binaries)  # the Kafka jars and each binary
    assert all(": cached at " in line for line in said)


def test_build_names_missing_tool_when_go_is_not_on_path(tmp_path, monkeypatch):
    cache = Cache(tmp_path / "cache")
    cache.kafka_lib.mkdir(parents=True)
    (cache.kafka_lib / "kafka_2.13-4.1.2.jar").write_bytes(b"jar")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))

    with pytest.raises(BuildError, match="`go` not found"):
        build_all(cache, ToolsDir.locate(), say=lambda _: None)


def test_cache_paths_are_keyed_by_version_when_derived(tmp_path):
    cache = Cache(tmp_path)

    assert cache.kafka_lib == tmp_path / "kafka-4.1.2" / "lib"
    assert cache.etcd_binary.name == "etcd-v3.6.16"
    assert cache.kube_apiserver_binary.name == "kube-apiserver-v1.34.4"
    assert cache.kube_controller_manager_binary.name == "kube-controller-manager-v1.34.4"
    assert cache.kube_scheduler_binary.name == "kube-scheduler-v1.34.4"
    assert cache.kwok_binary.name == "kwok-v0.7.0"
    assert cache.kserve_manager_binary.name == "kserve-manager-v0.20.0"
    assert cache.kserve_config == tmp_path / "src" / "kserve-v0.20.0" / "config"


def test_cache_root_follows_xdg_cache_home_when_set(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    assert Cache.default().root == tmp_path / "kserve-participant"


def test_repo_root_is_found_when_started_below_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)

    assert find_repo_root(nested) == tmp_path


def test_repo_root_search_fails_clearly_when_no_pyproject_above(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"pyproject\.toml"):
        find_repo_root(tmp_path)


def test_seed_path_is_keyed_by_versions_and_crd_content_when_derived(tmp_path):
    path = seed_path(Cache(tmp_path))

    assert path.parent == tmp_path / "seed"
    assert path.name.startswith("etcd-v3.6.16-kube-apiserver-v1.34.4-kserve-v0.20.0-")
    assert len(path.name.rsplit("-", 1)[1]) == 12
