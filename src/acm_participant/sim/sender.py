"""What the runtime-side driver sends: each message on the topic ACM-R uses for its type."""

from __future__ import annotations

from acm_participant.protocol import MessageType, ParticipantAckMessage, ParticipantMessage, encode
from acm_participant.transport.base import Transport

__all__ = ["SYNC_TOPIC_TYPES", "Sender"]

# Sent on the sync topic (8.0+); the rest goes to the operation topic.
SYNC_TOPIC_TYPES = frozenset(
    {
        MessageType.PARTICIPANT_REGISTER_ACK,
        MessageType.PARTICIPANT_STATUS_REQ,
        MessageType.PARTICIPANT_SYNC_MSG,
    }
)


class Sender:
    def __init__(self, transport: Transport, *, operation_topic: str, sync_topic: str) -> None:
        self.transport = transport
        self.operation_topic = operation_topic
        self.sync_topic = sync_topic
        self.sent: list[ParticipantMessage | ParticipantAckMessage] = []
        """Every message sent, in order."""

    async def send(self, message: ParticipantMessage | ParticipantAckMessage) -> None:
        topic = (
            self.sync_topic if message.message_type in SYNC_TOPIC_TYPES else self.operation_topic
        )
        await self.transport.publish(topic, encode(message), key=message.partition_key)
        self.sent.append(message)
