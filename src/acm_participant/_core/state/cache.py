"""What the participant remembers: primed compositions and the instances holding its elements.

Fed by PRIME, DEPLOY, PREPARE, MIGRATION, PROPERTIES_UPDATE and SYNC; read by every operation
(older runtimes send STATE_CHANGE with no element list) and by the revision gates. Plain data,
no I/O, no message types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from acm_participant.context import (
    CompositionElement,
    ElementDefinitionId,
    InstanceElement,
)
from acm_participant.protocol.enums import DeployState, LockState, MigrationState, SubState

__all__ = ["CompositionEntry", "ElementEntry", "InstanceEntry", "ParticipantCache"]


@dataclass
class CompositionEntry:
    """My element definitions of one primed composition, with the revision ACM-R gave it."""

    composition_id: UUID
    revision_id: UUID | None
    definitions: dict[ElementDefinitionId, CompositionElement] = field(default_factory=dict)

    def element(self, definition: ElementDefinitionId) -> CompositionElement:
        """The cached definition, or an empty one when the composition does not hold it."""
        found = self.definitions.get(definition)
        if found is not None:
            return found
        return CompositionElement(composition_id=self.composition_id, definition_id=definition)


@dataclass
class ElementEntry:
    """One of my elements of an instance, as ACM-R last told me or as I last reported it."""

    element_id: UUID
    definition: ElementDefinitionId
    properties: dict[str, Any] = field(default_factory=dict)
    out_properties: dict[str, Any] = field(default_factory=dict)
    deploy_state: DeployState = DeployState.UNDEPLOYED
    lock_state: LockState = LockState.NONE
    operational_state: str | None = None
    use_state: str | None = None
    migration_state: MigrationState = MigrationState.DEFAULT
    previous_definition: ElementDefinitionId | None = None
    """While a migration runs: the definition in the composition the element leaves."""

    def as_instance_element(
        self, instance_id: UUID, properties: Mapping[str, Any] | None = None
    ) -> InstanceElement:
        return InstanceElement(
            instance_id=instance_id,
            element_id=self.element_id,
            properties=dict(self.properties if properties is None else properties),
            out_properties=dict(self.out_properties),
        )


@dataclass
class InstanceEntry:
    """An automation composition instance, restricted to my elements."""

    instance_id: UUID
    composition_id: UUID
    revision_id: UUID | None = None
    deploy_state: DeployState = DeployState.UNDEPLOYED
    lock_state: LockState = LockState.NONE
    sub_state: SubState = SubState.NONE
    composition_target_id: UUID | None = None
    elements: dict[UUID, ElementEntry] = field(default_factory=dict)


@dataclass
class ParticipantCache:
    compositions: dict[UUID, CompositionEntry] = field(default_factory=dict)
    instances: dict[UUID, InstanceEntry] = field(default_factory=dict)

    def composition_element(
        self, composition_id: UUID, definition: ElementDefinitionId
    ) -> CompositionElement:
        entry = self.compositions.get(composition_id)
        if entry is None:
            return CompositionElement(composition_id=composition_id, definition_id=definition)
        return entry.element(definition)

    def drop_composition(self, composition_id: UUID) -> None:
        self.compositions.pop(composition_id, None)

    def drop_instance(self, instance_id: UUID) -> None:
        self.instances.pop(instance_id, None)
