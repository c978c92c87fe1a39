"""The endpoints over TLS when ``server.ssl`` is configured with PEM files, as in Spring Boot."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from kserve_participant.app.mapping import http_settings
from kserve_participant.config import ConfigError, load_settings
from kserve_participant.web.auth import BasicAuth
from kserve_participant.web.health import HealthState
from kserve_participant.web.server import HttpServer

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "tls.crt", directory / "tls.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _config(tmp_path: Path, cert: Path, key: Path) -> Path:
    path = tmp_path / "application.yaml"
    path.write_text(
        "server:\n  port: 0\n  address: 127.0.0.1\n  ssl:\n    enabled: true\n"
        f"    certificate: {cert}\n    certificate-private-key: {key}\n"
    )
    return path


async def test_endpoints_answer_over_https_when_server_ssl_is_enabled(tmp_path):
    cert, key = _self_signed(tmp_path)
    settings = load_settings(_config(tmp_path, cert, key), {})
    server = HttpServer(
        http_settings(settings),
        health=HealthState(),
        registry=CollectorRegistry(),
        auth=BasicAuth("u", None),
    )
    await server.start()
    try:
        url = f"https://127.0.0.1:{server.port}{settings.server.servlet.context_path}"
        context = ssl.create_default_context(cafile=str(cert))
        async with httpx.AsyncClient(verify=context) as client:
            response = await client.get(f"{url}/health/liveness")
        assert response.status_code == 200
        async with httpx.AsyncClient() as plain:
            with pytest.raises(httpx.HTTPError):
                await plain.get(url.replace("https://", "http://") + "/health/liveness")
    finally:
        await server.stop()


def test_unreadable_certificate_names_the_key_when_ssl_is_enabled(tmp_path):
    settings = load_settings(_config(tmp_path, tmp_path / "no.crt", tmp_path / "no.key"), {})
    with pytest.raises(ConfigError, match=r"^server\.ssl\.certificate: cannot load"):
        http_settings(settings)


def test_java_key_store_is_refused_with_pem_hint_when_ssl_is_enabled(tmp_path):
    path = tmp_path / "application.yaml"
    path.write_text("server:\n  ssl:\n    enabled: true\n    key-store: classpath:ks.p12\n")
    with pytest.raises(ConfigError, match="certificate-private-key"):
        load_settings(path, {})
