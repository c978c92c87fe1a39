"""Kafka over TLS with client certificates (mTLS, as Strimzi's ``tls`` authentication) on the dev
stack's real broker: its SSL listener requires a certificate signed by the stack's CA."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from acm_participant.errors import TransportAuthError
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka import KafkaTransport, KafkaTransportOptions
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.devstack import Stack, StackInfo
from kserve_participant.devstack.pki import create_pki
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
# Far longer than any refusal needs: reaching it means the transport kept retrying a
# handshake that can never succeed instead of reporting it.
REFUSAL_OPTIONS = KafkaTransportOptions(
    connect_timeout_s=600, auth_attempts=2, backoff=Backoff(initial_s=0.05, max_s=0.1)
)
HANG_GUARD_S = 60


def mtls(info: StackInfo, **overrides: Any) -> KafkaSettings:
    fields: dict[str, Any] = {
        "bootstrap_servers": (info.kafka_ssl_bootstrap,),
        "security_protocol": "SSL",
        "ssl_cafile": info.kafka_ssl_ca_file,
        "ssl_certfile": info.kafka_ssl_client_cert,
        "ssl_keyfile": info.kafka_ssl_client_key,
        "client_id": "ssl-test",
    }
    fields.update(overrides)
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


async def refusal(settings: KafkaSettings) -> TransportAuthError:
    transport = KafkaTransport(settings, [Subscription("never-used", "g")], options=REFUSAL_OPTIONS)
    try:
        with pytest.raises(TransportAuthError) as caught:
            async with asyncio.timeout(HANG_GUARD_S):
                await transport.start()
    finally:
        await transport.stop()
    return caught.value


def key_lines(key_file: Path) -> list[str]:
    return [line for line in key_file.read_text().splitlines() if not line.startswith("-----")]


async def test_kafka_delivers_keyed_record_when_client_certificate_is_given(
    stack_info: StackInfo,
):
    settings = mtls(stack_info)
    topic = f"ssl-{uuid4().hex[:10]}"
    await ensure_topics(settings, [topic])
    async with running(settings, Subscription(topic, f"g-{uuid4()}")) as transport:
        await transport.publish(topic, b'{"over":"mtls"}', key="c0ffee00-5678")
        async with asyncio.timeout(30):
            record = await anext(aiter(transport.records()))
    assert (record.topic, record.value, record.key) == (
        topic,
        b'{"over":"mtls"}',
        b"c0ffee00-5678",
    )


async def test_kafka_start_raises_auth_error_asking_for_a_certificate_when_client_has_none(
    stack_info: StackInfo, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)

    error = await refusal(mtls(stack_info, ssl_certfile=None, ssl_keyfile=None))

    message = str(error)
    assert message.startswith(f"Kafka TLS: the broker at {stack_info.kafka_ssl_bootstrap} ")
    assert "requires a client certificate and none is configured" in message
    assert "ssl.keystore.location" in message


async def test_kafka_start_raises_auth_error_when_client_certificate_is_from_another_ca(
    stack_info: StackInfo, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    foreign = create_pki(tmp_path / "foreign")

    error = await refusal(
        mtls(
            stack_info,
            ssl_certfile=foreign.kafka_client_cert,
            ssl_keyfile=foreign.kafka_client_key,
        )
    )

    message = str(error)
    assert "refused the client certificate" in message
    for line in key_lines(foreign.kafka_client_key):
        assert line not in message
        assert line not in caplog.text


async def test_kafka_start_raises_tls_verification_error_when_ca_does_not_match_broker(
    stack_info: StackInfo, tmp_path: Path
):
    foreign = create_pki(tmp_path / "foreign")

    error = await refusal(mtls(stack_info, ssl_cafile=foreign.ca_cert))

    message = str(error)
    assert message.startswith(
        f"Kafka TLS: the certificate of the broker at {stack_info.kafka_ssl_bootstrap} "
        "failed verification (unable to get local issuer certificate)"
    )
    assert "ssl.truststore.location" in message


async def test_participant_process_registers_over_mtls_when_configured_with_java_properties(
    stack: Stack, tmp_path: Path
):
    info = stack.info
    assert info.kafka_ssl_client_key is not None
    assert info.kafka_ssl_client_cert is not None
    # Kafka's own PEM keystore layout: the key, then the certificate chain, in one file
    keystore = tmp_path / "client-keystore.pem"
    keystore.write_text(
        info.kafka_ssl_client_key.read_text() + info.kafka_ssl_client_cert.read_text()
    )
    topics = Topics.fresh()
    participant_id = uuid4()
    config = participant_config(
        topics=topics,
        participant_id=participant_id,
        bootstrap=info.kafka_ssl_bootstrap,
        kubeconfig=info.kubeconfig,
        port=free_port(),
        extra=kafka_properties(
            {
                "ssl.truststore.type": "PEM",
                "ssl.truststore.location": str(info.kafka_ssl_ca_file),
                "ssl.keystore.type": "PEM",
                "ssl.keystore.location": str(keystore),
            }
        ),
    )
    async with (
        runtime_driver(mtls(info), topics, options=OPTIONS) as driver,
        participant_process(
            tmp_path, config, env={"KAFKA_SECURITY_PROTOCOL": "SSL"}
        ) as participant,
    ):
        register = await driver.wait_for_register(participant_id=participant_id)
        await participant.wait_ready()

    assert register.participant_id == participant_id
    log = participant.output()
    for line in key_lines(info.kafka_ssl_client_key):
        assert line not in log


async def test_participant_process_exits_with_broker_code_naming_the_keystore_when_it_has_no_cert(
    stack: Stack, tmp_path: Path
):
    info = stack.info
    topics = Topics.fresh()
    config = participant_config(
        topics=topics,
        participant_id=uuid4(),
        bootstrap=info.kafka_ssl_bootstrap,
        kubeconfig=info.kubeconfig,
        port=free_port(),
        extra=kafka_properties({"ssl.truststore.location": str(info.kafka_ssl_ca_file)}),
    )
    async with participant_process(
        tmp_path, config, env={"KAFKA_SECURITY_PROTOCOL": "SSL"}
    ) as participant:
        code = await participant.wait_exit(within=HANG_GUARD_S)

    assert code == 3
    assert "requires a client certificate and none is configured" in participant.output()
