"""Secrets planted in the configuration and the environment never reach the participant's output,
also at DEBUG level, in the configuration dump, and after Kafka rejects the credentials."""

from __future__ import annotations

import base64
import signal

import pytest

from kserve_participant.devstack import Stack
from tests.integration.ops_support import (
    HTTP_USER,
    Topics,
    basic,
    participant_process,
    runtime_driver,
    stack_config,
)

pytestmark = pytest.mark.integration

HTTP_SECRET = "Planted-Http-Pw-7731"
JAAS_SECRET = "Planted-Scram-Pw-4419"
KEY_SECRET = "Planted-Key-Pw-2288"


def _jaas(username: str, password: str) -> str:
    return (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{username}" password="{password}";'
    )


def _assert_no_secret(output: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in output, f"secret {secret[:8]}... leaked"
    basic_token = base64.b64encode(f"{HTTP_USER}:{HTTP_SECRET}".encode()).decode()
    assert basic_token not in output


async def test_no_secret_is_logged_when_kafka_rejects_the_credentials(stack: Stack, tmp_path):
    topics = Topics.fresh()
    config = stack_config(
        stack.info,
        topics,
        bootstrap=stack.info.kafka_sasl_bootstrap,
        extra={
            "spring": {"security": {"user": {"password": HTTP_SECRET}}},
            "participant": {
                "intermediaryParameters": {
                    "kafka": {"properties": {"ssl.key.password": KEY_SECRET}}
                }
            },
        },
    )
    env = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_JAAS_CONFIG": _jaas(stack.info.scram_username, JAAS_SECRET),
    }
    async with participant_process(
        tmp_path, config, password=HTTP_SECRET, env=env, args=("--log-level", "DEBUG")
    ) as participant:
        code = await participant.wait_exit(within=120)
        output = participant.output()
    assert code == 3, output[-3000:]
    assert "authentication failed" in output.lower()
    assert stack.info.scram_username in output
    assert "config=" in output
    _assert_no_secret(output, HTTP_SECRET, JAAS_SECRET, KEY_SECRET, _jaas("x", JAAS_SECRET)[:60])


async def test_no_secret_is_logged_when_participant_serves_and_stops_at_debug_level(
    stack: Stack, tmp_path
):
    topics = Topics.fresh()
    config = stack_config(stack.info, topics)
    env = {"KAFKA_SASL_JAAS_CONFIG": _jaas("someone", JAAS_SECRET)}
    async with (
        runtime_driver(stack.info.kafka_bootstrap, topics),
        participant_process(
            tmp_path, config, password=HTTP_SECRET, env=env, args=("--log-level", "DEBUG")
        ) as participant,
    ):
        await participant.wait_ready()
        assert (
            await participant.client.get(
                participant.url("health"), headers=basic(HTTP_USER, "wrong-" + HTTP_SECRET)
            )
        ).status_code == 401
        assert (await participant.get("prometheus")).status_code == 200
        participant.signal(signal.SIGTERM)
        assert await participant.wait_exit(within=60) == 0
        output = participant.output()
    assert "config=" in output
    _assert_no_secret(output, HTTP_SECRET, JAAS_SECRET)


async def test_invalid_configuration_exits_2_before_touching_the_broker_when_value_is_bad(
    stack: Stack, tmp_path
):
    topics = Topics.fresh()
    config = stack_config(
        stack.info,
        topics,
        bootstrap="127.0.0.1:1",
        extra={"participant": {"intermediaryParameters": {"reportingTimeIntervalMs": "abc"}}},
    )
    async with participant_process(tmp_path, config, password=HTTP_SECRET) as participant:
        code = await participant.wait_exit(within=30)
        output = participant.output()
    assert code == 2
    assert output.strip() == (
        "configuration error: participant.intermediaryParameters.reportingTimeIntervalMs: "
        'must be a positive integer, got "abc"'
    )
