"""What ACM-R asks, independent of the wire shape it came in.

Master runtimes send element DTOs, older ones legacy lists (docs/protocol.md §8 item 1); both are
read into these values by ``_wire`` so that the operation logic never sees a wire model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from acm_participant.context import ElementDefinitionId
from acm_participant.protocol.enums import (
    AcTypeState,
    DeployOrder,
    DeployState,
    LockOrder,
    LockState,
    MigrationState,
    StateChangeResult,
)

__all__ = [
    "DefinitionOrder",
    "DeployOrderMsg",
    "ElementOrder",
    "InstanceOrderMsg",
    "MigrationOrderMsg",
    "PrepareOrderMsg",
    "PrimeOrderMsg",
    "RestartElement",
    "RestartInstance",
    "StateChangeOrderMsg",
    "SyncOrderMsg",
    "UpdateOrderMsg",
]

Props = dict[str, Any]


@dataclass(frozen=True)
class DefinitionOrder:
    """One of my element definitions in a composition: node template properties, outProperties."""

    definition: ElementDefinitionId
    properties: Props = field(default_factory=dict)
    out_properties: Props = field(default_factory=dict)


@dataclass(frozen=True)
class ElementOrder:
    """One of my elements named by an instance message.

    ``properties`` are the instance properties the operation wants (the target ones for an update
    or a migration); ``composition_properties`` come from a master DTO when there is one, else the
    runtime takes them from its cache; ``previous_properties`` are a DTO's "before" values.
    """

    element_id: UUID
    definition: ElementDefinitionId
    properties: Props = field(default_factory=dict)
    migration_state: MigrationState = MigrationState.DEFAULT
    composition_properties: Props | None = None
    target_composition_properties: Props | None = None
    previous_properties: Props | None = None


@dataclass(frozen=True)
class InstanceOrderMsg:
    """What every instance operation order carries."""

    message_id: UUID | None
    instance_id: UUID
    composition_id: UUID
    revision_composition: UUID | None
    revision_instance: UUID | None
    elements: tuple[ElementOrder, ...]
    """Mine only; empty when the message carries no element list (then use the cache)."""
    has_element_list: bool


@dataclass(frozen=True)
class PrimeOrderMsg:
    message_id: UUID | None
    composition_id: UUID
    revision_composition: UUID | None
    prime: bool
    definitions: tuple[DefinitionOrder, ...]
    names_me: bool
    """False when the message holds no entry for me (then no ack, C24)."""


@dataclass(frozen=True)
class DeployOrderMsg(InstanceOrderMsg):
    start_phase: int
    first_start_phase: bool


@dataclass(frozen=True)
class StateChangeOrderMsg(InstanceOrderMsg):
    deploy_order: DeployOrder
    lock_order: LockOrder
    start_phase: int
    first_start_phase: bool


@dataclass(frozen=True)
class UpdateOrderMsg(InstanceOrderMsg):
    rollback: bool


@dataclass(frozen=True)
class MigrationOrderMsg(InstanceOrderMsg):
    composition_target_id: UUID
    revision_composition_target: UUID | None
    precheck: bool
    rollback: bool
    first_stage: bool
    stage: int


@dataclass(frozen=True)
class PrepareOrderMsg(InstanceOrderMsg):
    pre_deploy: bool
    stage: int


@dataclass(frozen=True)
class RestartElement:
    element_id: UUID
    definition: ElementDefinitionId
    deploy_state: DeployState
    lock_state: LockState
    migration_state: MigrationState
    operational_state: str | None
    use_state: str | None
    properties: Props
    out_properties: Props


@dataclass(frozen=True)
class RestartInstance:
    instance_id: UUID
    deploy_state: DeployState
    lock_state: LockState
    revision_id: UUID | None
    composition_target_id: UUID | None
    elements: tuple[RestartElement, ...]
    """Mine only."""


@dataclass(frozen=True)
class SyncOrderMsg:
    message_id: UUID | None
    composition_id: UUID | None
    instance_id: UUID | None
    revision_composition: UUID | None
    state: AcTypeState | None
    result: StateChangeResult | None
    definitions: tuple[DefinitionOrder, ...]
    names_me_in_definitions: bool
    instances: tuple[RestartInstance, ...]
    restarting: bool
    delete: bool
