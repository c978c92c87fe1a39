"""Observation hooks: how the SDK tells its host what happens (for metrics), with no metrics lib.

The SDK calls these; the host application (e.g. kserve_participant's Prometheus metrics) implements
them. Every method has a no-op default, so an implementation overrides only what it needs.
Implementations must not block and must not raise.
"""

from __future__ import annotations

__all__ = ["Observer"]


class Observer:
    """No-op base; subclass and override."""

    # transport
    def connection_changed(self, connected: bool) -> None:
        """The broker connection went up (True) or down (False)."""

    def reconnected(self) -> None:
        """The transport re-established a lost broker connection."""

    def connect_failed(self, reason: str) -> None:
        """An attempt of the transport's start to reach the broker failed (it retries); the
        reason holds no secret."""

    # messages
    def message_received(self, message_type: str) -> None:
        """A message addressed to this participant was decoded and accepted."""

    def message_sent(self, message_type: str) -> None:
        """A message was published."""

    def decode_failed(self, topic: str) -> None:
        """A record could not be decoded and was skipped."""

    # participant lifecycle
    def heartbeat_sent(self) -> None:
        """A PARTICIPANT_STATUS heartbeat (or the REGISTER sent in its place) went out."""

    def registration_changed(self, registered: bool) -> None:
        """REGISTER_ACK was received (True), or the participant deregistered (False)."""

    def operation_finished(self, operation: str, result: str, seconds: float) -> None:
        """An element operation ("deploy", "undeploy", "update", ...) was acked with ``result``."""
