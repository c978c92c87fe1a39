"""Topic creation for the runtime side and tests: participants never create topics themselves.

In ONAP the topics exist before any participant starts (created by the platform or ACM-R's
deployment); the driver, the dev stack and the tests call :func:`ensure_topics` to get there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from acm_participant.errors import TransportError
from acm_participant.transport.kafka_probe import kerberos_login
from acm_participant.transport.kafka_settings import KafkaSettings

__all__ = ["ensure_topics"]

log = logging.getLogger(__name__)


async def ensure_topics(
    settings: KafkaSettings,
    topics: Iterable[str],
    *,
    partitions: int = 1,
    replication_factor: int = 1,
) -> list[str]:
    """Creates the topics that do not exist yet; returns the ones it created."""
    wanted = list(dict.fromkeys(topics))
    await kerberos_login(settings)
    admin = AIOKafkaAdminClient(**settings.client_kwargs())
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [topic for topic in wanted if topic not in existing]
        if not missing:
            return []
        response = await admin.create_topics(
            [NewTopic(topic, partitions, replication_factor) for topic in missing]
        )
        created: list[str] = []
        for topic, code, *_ in response.topic_errors:
            error = for_code(code)
            if code == 0:
                created.append(topic)
            elif error is not TopicAlreadyExistsError:
                raise TransportError(f"Kafka refused to create topic {topic!r}: {error.__name__}")
        log.info("Created Kafka topics %s", ", ".join(created))
        return created
    except KafkaError as exc:
        raise TransportError(f"Kafka admin request failed: {exc!r}") from exc
    finally:
        await admin.close()
