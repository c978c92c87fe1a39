"""The dev stack's SASL_SSL listener and its SASL mechanisms: the broker configuration written, and
how the listener is handed to clients (StackInfo, ``.dev/env``)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from kserve_participant.devstack.cache import Cache, ToolsDir
from kserve_participant.devstack.info import StackInfo
from kserve_participant.devstack.kafka import KafkaBroker
from kserve_participant.devstack.session import _env_lines


def _info(tmp_path: Path, **extra: object) -> StackInfo:
    return StackInfo(
        kafka_bootstrap="127.0.0.1:1",
        kafka_sasl_bootstrap="127.0.0.1:2",
        scram_username="u",
        scram_password="p",
        api_server="https://127.0.0.1:3",
        kubeconfig=tmp_path / "kubeconfig",
        ca_file=tmp_path / "ca.crt",
        admin_token="a",
        participant_token="t",
        run_dir=tmp_path,
        **extra,  # type: ignore[arg-type]
    )


def _configured_broker(tmp_path: Path) -> KafkaBroker:
    broker = KafkaBroker(
        tmp_path / "kafka",
        Cache(tmp_path / "cache"),
        ToolsDir.locate(),
        port=9001,
        sasl_port=9002,
        sasl_ssl_port=9003,
        ssl_port=9004,
        controller_port=9005,
    )
    broker._configure()
    return broker


def _properties(path: Path) -> dict[str, str]:
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_broker_config_offers_every_mechanism_on_both_sasl_listeners_when_written(tmp_path):
    broker = _configured_broker(tmp_path)

    props = _properties(broker.directory / "server.properties")

    assert "SASL_SSL://127.0.0.1:9003" in props["advertised.listeners"].split(",")
    assert props["listener.name.sasl_ssl.ssl.client.auth"] == "none"
    assert props["sasl.enabled.mechanisms"].split(",") == [
        "SCRAM-SHA-512",
        "SCRAM-SHA-256",
        "PLAIN",
    ]
    for listener in ("sasl_plaintext", "sasl_ssl"):
        for mechanism in ("scram-sha-512", "scram-sha-256", "plain"):
            assert f"listener.name.{listener}.{mechanism}.sasl.jaas.config" in props
        plain = props[f"listener.name.{listener}.plain.sasl.jaas.config"]
        assert f'user_{broker.scram_username}="{broker.scram_password}";' in plain


def test_broker_config_is_private_to_its_owner_when_it_holds_the_plain_password(tmp_path):
    broker = _configured_broker(tmp_path)

    assert (broker.directory / "server.properties").stat().st_mode & 0o077 == 0


def test_stack_info_keeps_sasl_ssl_listener_when_saved_and_read_back(tmp_path):
    info = _info(tmp_path, kafka_sasl_ssl_bootstrap="127.0.0.1:5")

    assert StackInfo.from_json(info.to_json()) == info


def test_stack_info_has_no_sasl_ssl_listener_when_json_predates_it(tmp_path):
    raw = json.loads(_info(tmp_path).to_json())
    del raw["kafka_sasl_ssl_bootstrap"]

    assert StackInfo.from_json(json.dumps(raw)).kafka_sasl_ssl_bootstrap == ""


def test_dev_env_names_sasl_ssl_listener_when_stack_has_one(tmp_path):
    info = _info(tmp_path, kafka_sasl_ssl_bootstrap="127.0.0.1:5")

    lines = [line for line in _env_lines(info).splitlines() if not line.startswith("#")]
    env = dict(line.split("=", 1) for line in lines)

    assert shlex.split(env["KAFKA_SASL_SSL_SERVER"]) == ["127.0.0.1:5"]
