"""Nested wire types of the ACM protocol (ONAP's ``models/acm/concepts`` and TOSCA identifiers).

Why it exists: messages are envelopes around these entries; keeping them apart keeps
``messages.py`` about message types only. Defaults follow the Java classes' initializers, so a
member that is absent (or ``null`` from a 9.0.1 runtime) reads as Java would read it.
"""

from __future__ import annotations

from typing import Annotated, Any, Self
from uuid import UUID, uuid4

from pydantic import BeforeValidator, Field, PlainSerializer

from acm_participant.protocol.enums import (
    DeployOrder,
    DeployState,
    LockState,
    MigrationState,
    StateChangeResult,
)
from acm_participant.protocol.fields import FreeMap, WireModel, without_nulls

__all__ = [
    "AcElementDeploy",
    "AcElementDeployAck",
    "AcElementRestart",
    "AutomationCompositionElementDefinition",
    "AutomationCompositionElementInfo",
    "AutomationCompositionInfo",
    "ParticipantDefinition",
    "ParticipantDeploy",
    "ParticipantRestartAc",
    "ParticipantSupportedElementType",
    "PrimeElementAck",
    "ToscaConceptIdentifier",
    "ToscaConceptKey",
    "ToscaNodeTemplate",
]


class ToscaConceptIdentifier(WireModel):
    """A TOSCA name and version; element definitions are identified by their node template's."""

    name: str
    version: str

    @property
    def key(self) -> str:
        """The ``"name version"`` form used as map key on the wire."""
        return f"{self.name} {self.version}"

    @classmethod
    def from_key(cls, key: str) -> Self:
        """Parse ``"name version"`` (split at the first space); ValueError without a space."""
        name, space, version = key.partition(" ")
        if not space:
            raise ValueError("a concept key must be 'name version'")
        return cls(name=name, version=version)

    def __str__(self) -> str:
        return self.key


def _concept_from_key(value: Any) -> Any:
    return ToscaConceptIdentifier.from_key(value) if isinstance(value, str) else value


ToscaConceptKey = Annotated[
    ToscaConceptIdentifier,
    BeforeValidator(_concept_from_key),
    PlainSerializer(lambda concept: concept.key, return_type=str),
]
"""A ToscaConceptIdentifier written as its ``"name version"`` key (map keys of DTOs)."""


OptionalFreeMap = Annotated[dict[str, Any] | None, PlainSerializer(without_nulls, when_used="json")]


class ParticipantSupportedElementType(WireModel):
    """An element type (TOSCA node type name and version) a participant handles."""

    id: UUID = Field(default_factory=uuid4)
    type_name: str
    type_version: str


class ToscaNodeTemplate(WireModel):
    """A TOSCA node template; the wire keeps TOSCA's snake_case for some members."""

    name: str = "NULL"
    version: str = "0.0.0"
    derived_from: str | None = Field(
        default=None, validation_alias="derived_from", serialization_alias="derived_from"
    )
    metadata: OptionalFreeMap = None
    description: str | None = None
    type: str | None = None
    type_version: str | None = Field(
        default=None, validation_alias="type_version", serialization_alias="type_version"
    )
    properties: FreeMap = Field(default_factory=dict)
    requirements: Annotated[
        list[dict[str, Any]] | None,
        PlainSerializer(without_nulls, when_used="json"),
    ] = None
    capabilities: OptionalFreeMap = None


class AutomationCompositionElementDefinition(WireModel):
    """One element definition of a composition: its node template and composition outProperties."""

    ac_element_definition_id: ToscaConceptIdentifier
    automation_composition_element_tosca_node_template: ToscaNodeTemplate | None = None
    out_properties: FreeMap = Field(default_factory=dict)


class ParticipantDefinition(WireModel):
    """The element definitions of one participant."""

    participant_id: UUID | None = None
    automation_composition_element_definition_list: list[AutomationCompositionElementDefinition] = (
        Field(default_factory=list)
    )


class AcElementDeploy(WireModel):
    """An instance element as sent in deploy, update, migrate and prepare messages."""

    id: UUID
    definition: ToscaConceptIdentifier
    ordered_state: DeployOrder = DeployOrder.DEPLOY
    migration_state: MigrationState = MigrationState.DEFAULT
    properties: FreeMap = Field(default_factory=dict)


class ParticipantDeploy(WireModel):
    """The instance elements of one participant."""

    participant_id: UUID | None = None
    ac_element_list: list[AcElementDeploy] = Field(default_factory=list)


class AcElementDeployAck(WireModel):
    """The result for one element, an entry of ``automationCompositionResultMap``.

    ``result`` is the element-level flag the Java participant always sets to true.
    """

    deploy_state: DeployState | None = None
    lock_state: LockState | None = None
    operational_state: str | None = None
    use_state: str | None = None
    out_properties: FreeMap = Field(default_factory=dict)
    result: bool | None = True
    message: str | None = None


class AutomationCompositionElementInfo(WireModel):
    """Live status of one instance element (STATUS): states and outProperties."""

    automation_composition_element_id: UUID
    deploy_state: DeployState = DeployState.UNDEPLOYED
    lock_state: LockState = LockState.LOCKED
    operational_state: str | None = None
    use_state: str | None = None
    out_properties: FreeMap = Field(default_factory=dict)


class AutomationCompositionInfo(WireModel):
    """Live status of one instance (STATUS): its states and some of its elements."""

    automation_composition_id: UUID
    deploy_state: DeployState = DeployState.UNDEPLOYED
    lock_state: LockState = LockState.LOCKED
    elements: list[AutomationCompositionElementInfo] = Field(default_factory=list)


class AcElementRestart(WireModel):
    """An instance element as the runtime knows it, in SYNC and (7.x) RESTART messages."""

    id: UUID
    definition: ToscaConceptIdentifier
    participant_id: UUID | None = None
    deploy_state: DeployState | None = None
    lock_state: LockState | None = None
    migration_state: MigrationState | None = None
    operational_state: str | None = None
    use_state: str | None = None
    properties: FreeMap = Field(default_factory=dict)
    out_properties: FreeMap = Field(default_factory=dict)


class ParticipantRestartAc(WireModel):
    """An instance as the runtime knows it, in SYNC and (7.x) RESTART messages."""

    automation_composition_id: UUID
    deploy_state: DeployState | None = None
    lock_state: LockState | None = None
    state_change_result: StateChangeResult | None = None
    revision_id: UUID | None = None
    composition_target_id: UUID | None = None
    ac_element_list: list[AcElementRestart] = Field(default_factory=list)


class PrimeElementAck(WireModel):
    """Composition outProperties of one element definition, in PRIME_ACK (9.0.2+)."""

    element_definition_id: ToscaConceptIdentifier
    out_properties: FreeMap = Field(default_factory=dict)
