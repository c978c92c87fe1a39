"""acm_participant: a Python SDK for ONAP CLAMP ACM participants (no Kubernetes, no KServe).

Write an :class:`ElementHandler` for your element type, give it to a :class:`ParticipantRuntime`
with :class:`ParticipantSettings` and a transport; the runtime speaks the ACM protocol
(registration, heartbeats, prime, deploy in start phases, acks, caches, revision gates, sync).
See ``docs/sdk.md``.
"""

from acm_participant.errors import DecodeError, ParticipantError, TransportAuthError, TransportError
from acm_participant.handler import (
    CompositionElement,
    ElementDefinitionId,
    ElementFailure,
    ElementHandler,
    ElementOutcome,
    ElementReporter,
    InstanceElement,
    OperationNotSupported,
    merged_properties,
)
from acm_participant.observe import Observer
from acm_participant.protocol.enums import DeployState, LockState, StateChangeResult
from acm_participant.runtime import ParticipantRuntime, RuntimeHealth
from acm_participant.settings import ParticipantSettings, SupportedElementType
from acm_participant.transport.base import Record, Subscription, Transport

__all__ = [
    "CompositionElement",
    "DecodeError",
    "DeployState",
    "ElementDefinitionId",
    "ElementFailure",
    "ElementHandler",
    "ElementOutcome",
    "ElementReporter",
    "InstanceElement",
    "LockState",
    "Observer",
    "OperationNotSupported",
    "ParticipantError",
    "ParticipantRuntime",
    "ParticipantSettings",
    "Record",
    "RuntimeHealth",
    "StateChangeResult",
    "Subscription",
    "SupportedElementType",
    "Transport",
    "TransportAuthError",
    "TransportError",
    "merged_properties",
]
