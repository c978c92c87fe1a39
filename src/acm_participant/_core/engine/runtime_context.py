"""What every part of the runtime shares: ids, settings, caches, tasks, handler and the outbox.

The outbox is the only way out: operation logic says "ack this element", the outbox turns it into
a wire message (``adapters/outbox.py``), so nothing below the dispatcher builds a message by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from acm_participant._core.engine.tasks import TaskRegistry
from acm_participant._core.state.store import ElementStore
from acm_participant.context import ElementReporter
from acm_participant.handler import ElementHandler
from acm_participant.observe import Observer
from acm_participant.protocol.enums import DeployState, LockState, StateChangeResult
from acm_participant.settings import ParticipantSettings

if TYPE_CHECKING:
    from acm_participant._core.adapters.outbox import WireOutbox

__all__ = ["ElementAck", "RuntimeContext"]


@dataclass(frozen=True)
class ElementAck:
    """One element's result, the single entry of a STATECHANGE_ACK."""

    instance_id: UUID
    element_id: UUID
    deploy_state: DeployState
    lock_state: LockState
    result: StateChangeResult
    message: str | None
    response_to: UUID | None
    stage: int | None = None
    out_properties: Mapping[str, Any] | None = None
    """Set when the ack carries the element's outProperties (``outPropertiesUpdated``)."""
    operational_state: str | None = None
    use_state: str | None = None


@dataclass
class RuntimeContext:
    settings: ParticipantSettings
    replica_id: UUID
    handler: ElementHandler
    observer: Observer
    outbox: WireOutbox
    store: ElementStore = field(default_factory=ElementStore)
    tasks: TaskRegistry = field(default_factory=TaskRegistry)
    reporter: ElementReporter = field(init=False)
    """Set by the runtime once built (the reporter needs this context)."""
