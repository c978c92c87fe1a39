"""The dev stack's Kafka is real: both listeners carry messages, SCRAM refuses a bad password."""

from __future__ import annotations

import secrets
from typing import Any

import aiokafka
import aiokafka.conn
import aiokafka.errors
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from kserve_participant.devstack import StackInfo

pytestmark = pytest.mark.integration

ROUND_TRIP_DEADLINE_MS = 30_000


def _plaintext(info: StackInfo) -> dict[str, Any]:
    return {"bootstrap_servers": info.kafka_bootstrap}


def _scram(info: StackInfo, *, password: str | None = None) -> dict[str, Any]:
    return {
        "bootstrap_servers": info.kafka_sasl_bootstrap,
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": info.scram_username,
        "sasl_plain_password": info.scram_password if password is None else password,
    }


async def _round_trip(connection: dict[str, Any]) -> tuple[bytes | None, bytes | None]:
    topic = f"stack-{secrets.token_hex(4)}"
    admin = AIOKafkaAdminClient(**connection)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    producer = aiokafka.AIOKafkaProducer(**connection)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello", key=b"participant")
    finally:
        await producer.stop()
    consumer = aiokafka.AIOKafkaConsumer(
        topic,
        group_id=f"group-{topic}",
        auto_offset_reset="earliest",
        consumer_timeout_ms=ROUND_TRIP_DEADLINE_MS,
        **connection,
    )
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=ROUND_TRIP_DEADLINE_MS, max_records=1)
    finally:
        await consumer.stop()
    records = [record for batch in batches.values() for record in batch]
    assert records, f"nothing consumed from {topic}"
    return records[0].key, records[0].value


async def test_kafka_delivers_a_message_when_produced_on_plaintext_listener(stack_info):
    assert await _round_trip(_plaintext(stack_info)) == (b"participant", b"hello")


async def test_kafka_delivers_a_message_when_produced_with_scram_credentials(stack_info):
    assert await _round_trip(_scram(stack_info)) == (b"participant", b"hello")


async def test_kafka_refuses_connection_with_clear_error_when_scram_password_is_wrong(stack_info):
    host, port = stack_info.kafka_sasl_bootstrap.rsplit(":", 1)

    with pytest.raises(aiokafka.errors.SaslAuthenticationFailed) as refused:
        await aiokafka.conn.create_conn(
            host,
            int(port),
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_plain_username=stack_info.scram_username,
            sasl_plain_password="not-the-password",
        )

    assert "invalid credentials" in str(refused.value)
    assert "SCRAM-SHA-512" in str(refused.value)


async def test_kafka_client_cannot_start_when_scram_password_is_wrong(stack_info):
    producer = aiokafka.AIOKafkaProducer(**_scram(stack_info, password="not-the-password"))

    with pytest.raises(aiokafka.errors.KafkaConnectionError):
        await producer.start()
    await producer.stop()
