"""Topic creation for the runtime side and tests: participants never create topics themselves.

In ONAP the topics exist before any participant starts (created by the platform or ACM-R's
deployment); the driver, the dev stack and the tests call :func:`ensure_topics` to get there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from acm_participant.errors import TransportError
from acm_participant.transport.kafka_probe import kerberos_login
from acm_participant.transport.kafka_settings import KafkaSettings

__all__ = ["ensure_topics"]

log = logging.getLogger(__name__)

# How long a created topic may take to have a leader for every partition in the broker's metadata.
_LEADERS_WITHIN_S = 30.0
_LEADERS_POLL_S = 0.1


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
        await _until_led(admin, created)
        log.info("Created Kafka topics %s", ", ".join(created))
        return created
    except KafkaError as exc:
        raise TransportError(f"Kafka admin request failed: {exc!r}") from exc
    finally:
        await admin.close()


def _led(described: list[Any], topics: list[str]) -> bool:
    by_name = {entry["topic"]: entry for entry in described}
    return all(
        topic in by_name
        and by_name[topic]["error_code"] == 0
        and by_name[topic]["partitions"]
        and all(p["error_code"] == 0 and p["leader"] >= 0 for p in by_name[topic]["partitions"])
        for topic in topics
    )


async def _until_led(admin: AIOKafkaAdminClient, topics: list[str]) -> None:
    """Returns once the metadata shows a leader for every partition of ``topics``.

    A consumer that joins its group before the broker's metadata has the topic is assigned
    nothing and, once assigned, starts at the latest offset: what was published meanwhile is
    never read. Returning only when the topics are led closes that window for callers.
    """
    deadline = time.monotonic() + _LEADERS_WITHIN_S
    while not _led(await admin.describe_topics(topics), topics):
        if time.monotonic() > deadline:
            raise TransportError(f"Kafka topics {', '.join(topics)} have no leader after creation")
        await asyncio.sleep(_LEADERS_POLL_S)
