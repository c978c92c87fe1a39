"""The single error tree of the SDK, so callers catch our failures by kind, never a library's.

::

    ParticipantError            root of every error the SDK raises on purpose
    ├── ConfigError             settings are missing or inconsistent
    ├── ProtocolError           a message breaks the ACM wire protocol
    │   └── DecodeError         bytes that are not a message we understand
    ├── TransportError          the broker cannot be reached or refuses
    │   └── TransportAuthError  the broker refuses our credentials
    └── ElementError            an element operation failed

``retriable`` tells whether repeating the same action may succeed. Messages of these errors must
never contain secrets (passwords, tokens, JAAS configuration) nor whole message payloads.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DecodeError",
    "ElementError",
    "ParticipantError",
    "ProtocolError",
    "TransportAuthError",
    "TransportError",
]


class ParticipantError(Exception):
    """Root of the SDK's errors."""

    retriable: bool = False


class ConfigError(ParticipantError):
    """Settings are missing or inconsistent; fix the configuration and restart."""

    retriable = False


class ProtocolError(ParticipantError):
    """A message breaks the ACM wire protocol."""

    retriable = False


class DecodeError(ProtocolError):
    """Bytes that do not decode to a known message: malformed JSON, unknown ``messageType``,
    or an invalid UUID, enum constant or instant. ``reason`` says which, without the payload."""

    retriable = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransportError(ParticipantError):
    """The broker cannot be reached or refused an operation; trying again later may work."""

    retriable = True


class TransportAuthError(TransportError):
    """The broker refused our credentials; retrying with the same ones will not help."""

    retriable = False


class ElementError(ParticipantError):
    """An element operation failed."""

    retriable = False
