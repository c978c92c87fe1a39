"""The participant runtime's settings: who it is, what it supports, where it talks, how often.

A plain frozen model with the Java participant intermediary's defaults. Reading a file or the
environment is the host application's job (``kserve_participant.config`` maps the Java
``application.yaml`` onto this model); nothing here does I/O.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from acm_participant.transport.base import Subscription

__all__ = ["ParticipantSettings", "SupportedElementType"]

# Namespace of the deterministic supported-type ids (docs/protocol.md §8 item 6): any fixed UUID
# works, ACM-R matches supported types on name and version.
_SUPPORTED_TYPE_NAMESPACE = UUID("6f3b1d2e-4a5c-4e7f-9b8a-0c1d2e3f4a5b")


class SupportedElementType(BaseModel):
    """A TOSCA node type (name and version) whose elements this participant handles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type_name: str = Field(min_length=1)
    type_version: str = Field(min_length=1)
    id: UUID | None = None

    @property
    def stable_id(self) -> UUID:
        """The configured id, else one derived from name and version (same in every process)."""
        if self.id is not None:
            return self.id
        return uuid.uuid5(_SUPPORTED_TYPE_NAMESPACE, f"{self.type_name} {self.type_version}")


class ParticipantSettings(BaseModel):
    """Everything the runtime needs to know; the participant id and its element types are
    required, the rest has the Java participant intermediary's defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    participant_id: UUID
    description: str = "Participant Description"
    supported_element_types: tuple[SupportedElementType, ...] = Field(min_length=1)
    reporting_time_interval_ms: int = Field(default=120_000, gt=0)
    fail_unsupported_operation: bool = False
    operation_topic: str = Field(default="policy-acruntime-participant", min_length=1)
    sync_topic: str = Field(default="acm-ppnt-sync", min_length=1)
    operation_group: str | None = Field(default=None, min_length=1)
    """The consumer group the replicas share on the operation topic; by default derived from
    the participant id, so that two participants never share one (docs/protocol.md, C21)."""
    # REGISTER is re-sent until acked: first after this delay, doubling, capped at the heartbeat.
    register_retry_initial_ms: int = Field(default=1_000, gt=0)
    # On stop, in-flight element operations get this long to finish (and ack), then are cancelled.
    shutdown_grace_ms: int = Field(default=5_000, ge=0)
    intermediary_version: str = "0.1.0"
    # A handler's RetryableFailure: attempts in all, first backoff, backoff cap.
    retry_attempts: int = Field(default=3, ge=1)
    retry_initial_ms: int = Field(default=1_000, ge=0)
    retry_max_ms: int = Field(default=30_000, ge=0)

    @property
    def reporting_interval_s(self) -> float:
        return self.reporting_time_interval_ms / 1000

    @property
    def consumer_group(self) -> str:
        """The operation topic's group: ``operation_group``, else ``acm-participant-<id>``."""
        return self.operation_group or f"acm-participant-{self.participant_id}"

    def sync_group(self, replica_id: UUID) -> str:
        """The per-process consumer group of the sync topic, so that every replica reads it all."""
        return f"{self.consumer_group}-sync-{replica_id}"

    def subscriptions(self, replica_id: UUID) -> list[Subscription]:
        """What a transport of this participant consumes: *op* in the shared group, *sync* alone.

        With one topic for both (DMaaP, London/Montreal), it is read once, in this process's own
        group, as the Java participant of those releases did.
        """
        if self.operation_topic == self.sync_topic:
            return [Subscription(topic=self.sync_topic, group=self.sync_group(replica_id))]
        return [
            Subscription(topic=self.operation_topic, group=self.consumer_group),
            Subscription(topic=self.sync_topic, group=self.sync_group(replica_id)),
        ]
