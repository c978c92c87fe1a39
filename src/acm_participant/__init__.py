"""acm_participant: a Python SDK for ONAP CLAMP ACM participants (no Kubernetes, no KServe).

Write an :class:`ElementHandler` for your element type and run it::

    acm.run(MyHandler(), acm.ParticipantSettings(participant_id=..., supported_element_types=...),
            acm.KafkaSettings(bootstrap_servers=("kafka:9092",)))

or ``python -m acm_participant run module:MyHandler``. The runtime speaks the ACM protocol
(registration, heartbeats, prime, deploy in start phases, acks, caches, revision gates, sync).
See ``docs/sdk.md``; the protocol itself is ``docs/protocol.md``.

The transports' modules load their client library (aiokafka, httpx) only when first used.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from acm_participant._core.state.merge import merge_properties
from acm_participant.context import (
    CompositionContext,
    CompositionElement,
    ElementContext,
    ElementDefinitionId,
    ElementOutcome,
    ElementReporter,
    InstanceElement,
    merged_properties,
)
from acm_participant.errors import DecodeError, ParticipantError, TransportAuthError, TransportError
from acm_participant.failures import (
    ElementFailure,
    InvalidProperties,
    OperationNotSupported,
    RetryableFailure,
)
from acm_participant.handler import ElementHandler
from acm_participant.logcontext import LogContextFilter, bind_log_fields, bound_log_fields
from acm_participant.observe import Observer
from acm_participant.protocol.enums import DeployState, LockState, StateChangeResult
from acm_participant.runner import run, serve
from acm_participant.runtime import ParticipantRuntime, RuntimeHealth
from acm_participant.settings import ParticipantSettings, SupportedElementType
from acm_participant.transport.base import (
    Record,
    Subscription,
    Transport,
    TransportFactory,
    TransportSettings,
)

if _TYPE_CHECKING:
    from acm_participant.transport.dmaap import DmaapSettings, DmaapTransport
    from acm_participant.transport.kafka import KafkaTransport, KafkaTransportOptions
    from acm_participant.transport.kafka_settings import KafkaSettings
    from acm_participant.transport.memory import MemoryBroker, MemoryTransport

_LAZY = {
    "KafkaSettings": "acm_participant.transport.kafka_settings",
    "KafkaTransport": "acm_participant.transport.kafka",
    "KafkaTransportOptions": "acm_participant.transport.kafka",
    "DmaapSettings": "acm_participant.transport.dmaap",
    "DmaapTransport": "acm_participant.transport.dmaap",
    "MemoryBroker": "acm_participant.transport.memory",
    "MemoryTransport": "acm_participant.transport.memory",
}


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'acm_participant' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "CompositionContext",
    "CompositionElement",
    "DecodeError",
    "DeployState",
    "DmaapSettings",
    "DmaapTransport",
    "ElementContext",
    "ElementDefinitionId",
    "ElementFailure",
    "ElementHandler",
    "ElementOutcome",
    "ElementReporter",
    "InstanceElement",
    "InvalidProperties",
    "KafkaSettings",
    "KafkaTransport",
    "KafkaTransportOptions",
    "LockState",
    "LogContextFilter",
    "MemoryBroker",
    "MemoryTransport",
    "Observer",
    "OperationNotSupported",
    "ParticipantError",
    "ParticipantRuntime",
    "ParticipantSettings",
    "Record",
    "RetryableFailure",
    "RuntimeHealth",
    "StateChangeResult",
    "Subscription",
    "SupportedElementType",
    "Transport",
    "TransportAuthError",
    "TransportError",
    "TransportFactory",
    "TransportSettings",
    "bind_log_fields",
    "bound_log_fields",
    "merge_properties",
    "merged_properties",
    "run",
    "serve",
]
