"""What the ACM runtime knows: compositions, instances, participants, and how acks change them.

The driver builds every message from this model and updates it from what participants answer,
so a simulator can show (and re-send) the runtime's view. It is plain data: no I/O, no clock.
Element phases and stages come from the composition's node template properties, as in ACM-R.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from acm_participant.protocol import (
    AcTypeState,
    AutomationCompositionDeployAck,
    DeployState,
    LockState,
    MigrationState,
    ParticipantStatus,
    ToscaConceptIdentifier,
    ToscaNodeTemplate,
)

__all__ = [
    "CompositionElementModel",
    "CompositionModel",
    "ElementSpec",
    "InstanceElementModel",
    "InstanceModel",
    "ParticipantModel",
    "RuntimeModel",
]


def _as_int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True, slots=True)
class ElementSpec:
    """An instance element as a user gives it: id, element definition and instance properties."""

    definition: ToscaConceptIdentifier
    properties: Mapping[str, Any] = field(default_factory=dict)
    element_id: UUID = field(default_factory=uuid4)


@dataclass
class CompositionElementModel:
    """An element definition (node template) of a composition and the participant owning it."""

    node_template: ToscaNodeTemplate
    participant_id: UUID
    out_properties: dict[str, Any] = field(default_factory=dict)

    @property
    def definition(self) -> ToscaConceptIdentifier:
        return ToscaConceptIdentifier(
            name=self.node_template.name, version=self.node_template.version
        )

    @property
    def properties(self) -> dict[str, Any]:
        return dict(self.node_template.properties)

    @property
    def start_phase(self) -> int:
        return _as_int(self.node_template.properties.get("startPhase"), 0)

    def stages(self, kind: str) -> list[int]:
        """The stage set for ``kind`` ("migrate" or "prepare"); a bare list is migrate's."""
        raw = self.node_template.properties.get("stage")
        if isinstance(raw, Mapping):
            raw = raw.get(kind)
        elif kind != "migrate":
            raw = None
        if isinstance(raw, list) and raw:
            return sorted({_as_int(item) for item in raw})
        return [0]


@dataclass
class CompositionModel:
    composition_id: UUID
    revision: UUID = field(default_factory=uuid4)
    state: AcTypeState = AcTypeState.COMMISSIONED
    elements: dict[str, CompositionElementModel] = field(default_factory=dict)

    def element(self, definition: ToscaConceptIdentifier) -> CompositionElementModel:
        return self.elements[definition.key]

    def participants(self) -> list[UUID]:
        return list(dict.fromkeys(e.participant_id for e in self.elements.values()))

    def elements_of(self, participant_id: UUID) -> list[CompositionElementModel]:
        return [e for e in self.elements.values() if e.participant_id == participant_id]


@dataclass
class InstanceElementModel:
    element_id: UUID
    definition: ToscaConceptIdentifier
    participant_id: UUID
    properties: dict[str, Any] = field(default_factory=dict)
    out_properties: dict[str, Any] = field(default_factory=dict)
    deploy_state: DeployState = DeployState.UNDEPLOYED
    lock_state: LockState = LockState.NONE
    migration_state: MigrationState = MigrationState.DEFAULT
    operational_state: str | None = None
    use_state: str | None = None


@dataclass
class InstanceModel:
    instance_id: UUID
    composition_id: UUID
    revision: UUID = field(default_factory=uuid4)
    deploy_state: DeployState = DeployState.UNDEPLOYED
    lock_state: LockState = LockState.NONE
    composition_target_id: UUID | None = None
    elements: dict[UUID, InstanceElementModel] = field(default_factory=dict)

    def participants(self) -> list[UUID]:
        return list(dict.fromkeys(e.participant_id for e in self.elements.values()))

    def elements_of(self, participant_id: UUID) -> list[InstanceElementModel]:
        return [e for e in self.elements.values() if e.participant_id == participant_id]


@dataclass
class ParticipantModel:
    participant_id: UUID
    replicas: set[UUID] = field(default_factory=set)
    supported_types: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class RuntimeModel:
    """The runtime's whole view; the driver owns one."""

    compositions: dict[UUID, CompositionModel] = field(default_factory=dict)
    instances: dict[UUID, InstanceModel] = field(default_factory=dict)
    participants: dict[UUID, ParticipantModel] = field(default_factory=dict)

    def add_composition(
        self,
        composition_id: UUID,
        node_templates: Iterable[ToscaNodeTemplate],
        participant_id: UUID,
    ) -> CompositionModel:
        """Adds (or extends) a composition with node templates owned by ``participant_id``."""
        composition = self.compositions.setdefault(composition_id, CompositionModel(composition_id))
        for template in node_templates:
            element = CompositionElementModel(template, participant_id)
            composition.elements[element.definition.key] = element
        return composition

    def add_instance(
        self, instance_id: UUID, composition_id: UUID, elements: Iterable[ElementSpec]
    ) -> InstanceModel:
        """Adds an UNDEPLOYED instance; each element belongs to its definition's participant."""
        composition = self.compositions[composition_id]
        instance = InstanceModel(instance_id, composition_id)
        for spec in elements:
            owner = composition.element(spec.definition).participant_id
            instance.elements[spec.element_id] = InstanceElementModel(
                element_id=spec.element_id,
                definition=spec.definition,
                participant_id=owner,
                properties=dict(spec.properties),
            )
        self.instances[instance_id] = instance
        return instance

    def phases(self, instance: InstanceModel) -> list[int]:
        """The start phases of the instance's elements, lowest first."""
        composition = self.compositions[instance.composition_id]
        return sorted(
            {composition.element(e.definition).start_phase for e in instance.elements.values()}
        )

    def elements_in_phase(self, instance: InstanceModel, phase: int) -> list[InstanceElementModel]:
        composition = self.compositions[instance.composition_id]
        return [
            e
            for e in instance.elements.values()
            if composition.element(e.definition).start_phase == phase
        ]

    def record_register(
        self, participant_id: UUID, replica_id: UUID | None, types: list[tuple[str, str]]
    ) -> bool:
        """Stores a REGISTER; True when the replica is new."""
        participant = self.participants.setdefault(participant_id, ParticipantModel(participant_id))
        participant.supported_types = types
        if replica_id is None or replica_id in participant.replicas:
            return False
        participant.replicas.add(replica_id)
        return True

    def apply_ack(self, ack: AutomationCompositionDeployAck) -> None:
        """Element results overwrite the runtime's element states (and outProperties if flagged)."""
        instance = self.instances.get(ack.automation_composition_id or UUID(int=0))
        if instance is None:
            return
        for element_id, entry in ack.automation_composition_result_map.items():
            element = instance.elements.get(element_id)
            if element is None:
                continue
            if entry.deploy_state is not None:
                element.deploy_state = entry.deploy_state
            if entry.lock_state is not None:
                element.lock_state = entry.lock_state
            if ack.out_properties_updated:
                element.out_properties = dict(entry.out_properties)
                element.operational_state = entry.operational_state
                element.use_state = entry.use_state
            if element.deploy_state == DeployState.DELETED:
                del instance.elements[element_id]

    def apply_status(self, status: ParticipantStatus) -> None:
        """Live element info and composition outProperties carried by a STATUS."""
        for info in status.automation_composition_info_list:
            instance = self.instances.get(info.automation_composition_id)
            if instance is None:
                continue
            for element_info in info.elements:
                element = instance.elements.get(element_info.automation_composition_element_id)
                if element is None:
                    continue
                element.out_properties = dict(element_info.out_properties)
                element.operational_state = element_info.operational_state
                element.use_state = element_info.use_state
        if status.composition_id is None:
            return
        composition = self.compositions.get(status.composition_id)
        if composition is None:
            return
        for definition_update in status.participant_definition_updates:
            for update in definition_update.automation_composition_element_definition_list:
                owned = composition.elements.get(update.ac_element_definition_id.key)
                if owned is not None and owned.participant_id == definition_update.participant_id:
                    owned.out_properties = dict(update.out_properties)
