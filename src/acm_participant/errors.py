"""The SDK's single error tree; every error the SDK raises on purpose is one of these.

    ParticipantError
    └── TransportError            the broker cannot be reached or refused a publish (retriable)
        └── TransportAuthError    the broker rejected our credentials (not retriable)

Messages never carry secrets (passwords, JAAS configs, tokens).
"""

from __future__ import annotations

__all__ = ["ParticipantError", "TransportAuthError", "TransportError"]


class ParticipantError(Exception):
    """Root of the SDK's errors."""

    retriable: bool = False


class TransportError(ParticipantError):
    """The broker could not be reached, or a record could not be delivered in time."""

    retriable = True


class TransportAuthError(TransportError):
    """The broker rejected the configured credentials; retrying will not help."""

    retriable = False
