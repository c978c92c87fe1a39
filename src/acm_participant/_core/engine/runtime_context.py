"""What every part of the runtime shares: ids, settings, caches, tasks, handler and the outbox.

The outbox is the only way out: operation logic says "ack this element", the outbox turns it into
a wire message (``_outbox.py``), so nothing below the dispatcher builds a message by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from acm_participant._core.engine.tasks import TaskRegistry
from acm_participant._core.state.store import ElementStore
from acm_participant.context import ElementDefinitionId, ElementReporter
from acm_participant.handler import ElementHandler
from acm_participant.observe import Observer
from acm_participant.protocol.enums import AcTypeState, DeployState, LockState, StateChangeResult
from acm_participant.settings import ParticipantSettings

__all__ = ["ElementAck", "Outbox", "RuntimeContext"]


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


class Outbox(Protocol):
    """Everything the runtime ever sends."""

    async def register(self) -> bool:
        """REGISTER; False if it could not be published."""

    async def deregister(self) -> None: ...

    async def heartbeat(self) -> bool:
        """STATUS without lists; False if it could not be published."""

    async def element_info(self, instance_id: UUID, element_id: UUID) -> None:
        """STATUS with the cached live status of one element (docs/protocol.md §6.11)."""

    async def composition_info(
        self,
        composition_id: UUID,
        definition: ElementDefinitionId,
        out_properties: Mapping[str, Any],
    ) -> None: ...

    async def prime_ack(
        self,
        *,
        composition_id: UUID,
        state: AcTypeState,
        result: StateChangeResult,
        message: str,
        response_to: UUID | None,
    ) -> None: ...

    async def element_ack(self, ack: ElementAck) -> None: ...

    async def instance_unknown_ack(
        self, *, instance_id: UUID, response_to: UUID | None, message: str
    ) -> None:
        """An ack with an empty result map: "none of this instance here"."""

    async def request_sync(
        self,
        *,
        composition_id: UUID | None,
        instance_id: UUID | None,
        composition_target_id: UUID | None,
    ) -> None: ...


@dataclass
class RuntimeContext:
    settings: ParticipantSettings
    replica_id: UUID
    handler: ElementHandler
    observer: Observer
    outbox: Outbox
    store: ElementStore = field(default_factory=ElementStore)
    tasks: TaskRegistry = field(default_factory=TaskRegistry)
    reporter: ElementReporter = field(init=False)
    """Set by the runtime once built (the reporter needs this context)."""
