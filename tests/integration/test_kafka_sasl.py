"""SASL on the dev stack's real broker: SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN over SASL_PLAINTEXT
and SASL_SSL (TLS with the broker's certificate only), as Strimzi's ``scram-sha-512`` listeners and
managed Kafka services (PLAIN over TLS) are reached."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from pydantic import SecretStr

from acm_participant.errors import TransportAuthError
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka import KafkaTransport, KafkaTransportOptions
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.devstack import Stack, StackInfo
from tests.integration.ops_support import (
    Topics,
    free_port,
    kafka_properties,
    participant_config,
    participant_process,
    runtime_driver,
)

pytestmark = pytest.mark.integration

OPTIONS = KafkaTransportOptions(
    connect_timeout_s=20,
    publish_timeout_s=20,
    stop_timeout_s=5,
    backoff=Backoff(initial_s=0.2, max_s=2),
)
LOGIN_MODULES = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
}
HANG_GUARD_S = 60


def jaas(mechanism: str, username: str, password: str) -> str:
    return f'{LOGIN_MODULES[mechanism]} required username="{username}" password="{password}";'


def sasl(
    info: StackInfo, protocol: str, mechanism: str, *, password: str | None = None
) -> KafkaSettings:
    over_tls = protocol == "SASL_SSL"
    fields: dict[str, Any] = {
        "bootstrap_servers": (
            info.kafka_sasl_ssl_bootstrap if over_tls else info.kafka_sasl_bootstrap,
        ),
        "security_protocol": protocol,
        "sasl_mechanism": mechanism,
        "sasl_jaas_config": SecretStr(
            jaas(mechanism, info.scram_username, password or info.scram_password)
        ),
        "client_id": "sasl-test",
    }
    if over_tls:
        fields["ssl_cafile"] = info.kafka_ssl_ca_file
    return KafkaSettings(**fields)


@asynccontextmanager
async def running(
    settings: KafkaSettings, *subscriptions: Subscription
) -> AsyncIterator[KafkaTransport]:
    transport = KafkaTransport(settings, list(subscriptions), options=OPTIONS)
    await transport.start()
    try:
        yield transport
    finally:
        await transport.stop()


@pytest.mark.parametrize(
    ("protocol", "mechanism"),
    [
        ("SASL_SSL", "SCRAM-SHA-512"),
        ("SASL_SSL", "SCRAM-SHA-256"),
        ("SASL_SSL", "PLAIN"),
        ("SASL_PLAINTEXT", "SCRAM-SHA-256"),
        ("SASL_PLAINTEXT", "PLAIN"),
    ],
)
async def test_kafka_delivers_keyed_record_when_sasl_mechanism_and_protocol_are_configured(
    stack_info: StackInfo, protocol: str, mechanism: str
):
    settings = sasl(stack_info, protocol, mechanism)
    topic = f"sasl-{uuid4().hex[:10]}"
    await ensure_topics(settings, [topic])
    value = f'{{"over":"{protocol} {mechanism}"}}'.encode()
    async with running(settings, Subscription(topic, f"g-{uuid4()}")) as transport:
        await transport.publish(topic, value, key="c0ffee00-9abc")
        async with asyncio.timeout(30):
            record = await anext(aiter(transport.records()))
    assert (record.topic, record.value, record.key) == (topic, value, b"c0ffee00-9abc")


async def test_kafka_start_raises_one_auth_error_without_the_password_when_sasl_ssl_password_wrong(
    stack_info: StackInfo, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    wrong = "not-the-password-5e1d"
    options = KafkaTransportOptions(
        connect_timeout_s=600, auth_attempts=2, backoff=Backoff(initial_s=0.05, max_s=0.1)
    )
    transport = KafkaTransport(
        sasl(stack_info, "SASL_SSL", "SCRAM-SHA-256", password=wrong),
        [Subscription("never-used", "g")],
        options=options,
    )
    try:
        with pytest.raises(TransportAuthError) as caught:
            async with asyncio.timeout(HANG_GUARD_S):
                await transport.start()
    finally:
        await transport.stop()

    message = str(caught.value)
    assert message.startswith(
        f"Kafka authentication failed for user '{stack_info.scram_username}' with SCRAM-SHA-256: "
    )
    assert "SaslAuthenticationFailed" in message
    assert wrong not in message
    assert wrong not in caplog.text
    retries = [r for r in caplog.records if "Kafka authentication failed" in r.getMessage()]
    # the first refusal is retried and logged once; the second is raised
    assert [r.getMessage().rsplit(" (", 1)[1] for r in retries] == ["attempt 1 of 2)"]


async def test_participant_process_registers_over_sasl_ssl_when_configured_with_java_env(
    stack: Stack, tmp_path: Path
):
    info = stack.info
    topics = Topics.fresh()
    participant_id = uuid4()
    config = participant_config(
        topics=topics,
        participant_id=participant_id,
        bootstrap=info.kafka_sasl_ssl_bootstrap,
        kubeconfig=info.kubeconfig,
        port=free_port(),
        extra=kafka_properties(
            {
                "ssl.truststore.type": "PEM",
                "ssl.truststore.location": str(info.kafka_ssl_ca_file),
            }
        ),
    )
    env = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
        "KAFKA_SASL_JAAS_CONFIG": jaas("SCRAM-SHA-256", info.scram_username, info.scram_password),
    }
    async with (
        runtime_driver(sasl(info, "SASL_SSL", "SCRAM-SHA-512"), topics, options=OPTIONS) as driver,
        participant_process(tmp_path, config, env=env) as participant,
    ):
        register = await driver.wait_for_register(participant_id=participant_id)
        await participant.wait_ready()

    assert register.participant_id == participant_id
    log = participant.output()
    assert (
        f"Connecting to Kafka {info.kafka_sasl_ssl_bootstrap} SASL_SSL SCRAM-SHA-256 "
        f"user '{info.scram_username}'"
    ) in log
    assert info.scram_password not in log
