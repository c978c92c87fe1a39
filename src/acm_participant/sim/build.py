"""Builds the messages ACM-R sends, from the runtime model, in the master or the Quebec shape.

Master runtimes add DTO lists (``participantDtoList``, ``primeDtoList``) and ``primeOrder``;
Quebec (8.2.1-8.2.2) runtimes send neither. Both shapes carry revisions and
``participantIdList``. Conformance tests build the same operation in both shapes and compare
what the participant answers (checklist C25, C65). Pure functions: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict
from uuid import UUID

from acm_participant.protocol import (
    AcElementDeploy,
    AcElementRestart,
    AcTypeState,
    AutomationCompositionDeploy,
    AutomationCompositionElementDefinition,
    AutomationCompositionMigration,
    AutomationCompositionPrepare,
    AutomationCompositionStateChange,
    CompositionDto,
    CompositionElementDto,
    DeployOrder,
    ElementDto,
    ElementState,
    InstanceElementDto,
    LockOrder,
    MigrationState,
    ParticipantDefinition,
    ParticipantDeploy,
    ParticipantDto,
    ParticipantPrime,
    ParticipantPrimeDto,
    ParticipantRestartAc,
    ParticipantSync,
    PrimeOrder,
    PropertiesUpdate,
    StateChangeResult,
)
from acm_participant.sim.model import (
    CompositionElementModel,
    CompositionModel,
    InstanceElementModel,
    InstanceModel,
)

__all__ = ["MessageBuilder"]


def _composition_dto(
    composition: CompositionModel, element: CompositionElementModel
) -> CompositionElementDto:
    return CompositionElementDto(
        composition_id=composition.composition_id,
        element_definition_id=element.definition,
        in_properties=element.properties,
        out_properties=dict(element.out_properties),
        state=ElementState.PRESENT,
    )


def _instance_dto(
    instance: InstanceModel,
    element: InstanceElementModel,
    *,
    properties: Mapping[str, Any] | None = None,
    state: ElementState = ElementState.PRESENT,
) -> InstanceElementDto:
    return InstanceElementDto(
        instance_id=instance.instance_id,
        element_id=element.element_id,
        in_properties=dict(element.properties if properties is None else properties),
        out_properties=dict(element.out_properties),
        state=state,
    )


def _definitions(composition: CompositionModel, participant_id: UUID) -> ParticipantDefinition:
    return ParticipantDefinition(
        participant_id=participant_id,
        automation_composition_element_definition_list=[
            AutomationCompositionElementDefinition(
                ac_element_definition_id=element.definition,
                automation_composition_element_tosca_node_template=element.node_template,
                out_properties=dict(element.out_properties),
            )
            for element in composition.elements_of(participant_id)
        ],
    )


def _deploy_list(
    instance: InstanceModel,
    order: DeployOrder,
    *,
    properties: Mapping[UUID, Mapping[str, Any]] | None = None,
    elements: Iterable[InstanceElementModel] | None = None,
) -> list[ParticipantDeploy]:
    chosen = list(instance.elements.values() if elements is None else elements)
    by_participant: dict[UUID, list[AcElementDeploy]] = {}
    for element in chosen:
        props = element.properties
        if properties is not None and element.element_id in properties:
            props = dict(properties[element.element_id])
        by_participant.setdefault(element.participant_id, []).append(
            AcElementDeploy(
                id=element.element_id,
                definition=element.definition,
                ordered_state=order,
                migration_state=element.migration_state,
                properties=props,
            )
        )
    return [
        ParticipantDeploy(participant_id=p, ac_element_list=e) for p, e in by_participant.items()
    ]


class _InstanceHeader(TypedDict):
    """The addressing every instance message carries."""

    composition_id: UUID
    automation_composition_id: UUID
    revision_id_composition: UUID
    revision_id_instance: UUID
    participant_id_list: list[UUID]


def _instance_header(
    composition: CompositionModel,
    instance: InstanceModel,
    *,
    addressed: InstanceModel | None = None,
) -> _InstanceHeader:
    """``addressed``: the instance whose participants the message names (default ``instance``)."""
    return _InstanceHeader(
        composition_id=composition.composition_id,
        automation_composition_id=instance.instance_id,
        revision_id_composition=composition.revision,
        revision_id_instance=instance.revision,
        participant_id_list=(addressed or instance).participants(),
    )


def _per_participant(
    instance: InstanceModel, element_dto: Callable[[InstanceElementModel], ElementDto]
) -> list[ParticipantDto]:
    return [
        ParticipantDto(
            participant_id=participant_id,
            element_dtos=[element_dto(e) for e in instance.elements_of(participant_id)],
        )
        for participant_id in instance.participants()
    ]


@dataclass(frozen=True, slots=True)
class MessageBuilder:
    """Builds runtime messages; ``legacy=True`` gives the Quebec shape (no DTOs, no primeOrder)."""

    legacy: bool = False

    # --- compositions ---------------------------------------------------------------------

    def prime(self, composition: CompositionModel, *, deprime: bool = False) -> ParticipantPrime:
        participants = composition.participants()
        definitions = [] if deprime else [_definitions(composition, p) for p in participants]
        dtos: list[ParticipantPrimeDto] = []
        if not self.legacy:
            dtos = [
                ParticipantPrimeDto(
                    participant_id=p,
                    composition_dto=CompositionDto(
                        composition_id=composition.composition_id,
                        in_properties_map={
                            e.definition: e.properties for e in composition.elements_of(p)
                        },
                        out_properties_map={
                            e.definition: dict(e.out_properties) for e in composition.elements_of(p)
                        },
                    ),
                )
                for p in participants
            ]
        return ParticipantPrime(
            composition_id=composition.composition_id,
            revision_id_composition=composition.revision,
            participant_id_list=participants,
            participant_definition_updates=definitions,
            prime_dto_list=dtos,
            prime_order=None
            if self.legacy
            else (PrimeOrder.DEPRIME if deprime else PrimeOrder.PRIME),
        )

    # --- instances ------------------------------------------------------------------------

    def _participant_dtos(
        self,
        composition: CompositionModel,
        instance: InstanceModel,
        *,
        before: bool = False,
        after_properties: Mapping[UUID, Mapping[str, Any]] | None = None,
    ) -> list[ParticipantDto]:
        """DEPLOY/STATE_CHANGE/PREPARE: composition element + current instance element (target);
        PROPERTIES_UPDATE (``before``): the instance element before and after."""
        if self.legacy:
            return []

        def element_dto(element: InstanceElementModel) -> ElementDto:
            new_props = (after_properties or {}).get(element.element_id)
            return ElementDto(
                composition_element=_composition_dto(
                    composition, composition.element(element.definition)
                ),
                instance_element=_instance_dto(instance, element) if before else None,
                instance_element_target=_instance_dto(instance, element, properties=new_props),
            )

        return _per_participant(instance, element_dto)

    def deploy(
        self,
        composition: CompositionModel,
        instance: InstanceModel,
        *,
        start_phase: int,
        first_start_phase: bool,
    ) -> AutomationCompositionDeploy:
        return AutomationCompositionDeploy(
            **_instance_header(composition, instance),
            participant_updates_list=_deploy_list(instance, DeployOrder.DEPLOY),
            start_phase=start_phase,
            first_start_phase=first_start_phase,
            participant_dto_list=self._participant_dtos(composition, instance),
        )

    def state_change(
        self,
        composition: CompositionModel,
        instance: InstanceModel,
        *,
        deploy_order: DeployOrder,
        lock_order: LockOrder,
        start_phase: int,
        first_start_phase: bool,
    ) -> AutomationCompositionStateChange:
        return AutomationCompositionStateChange(
            **_instance_header(composition, instance),
            deploy_ordered_state=deploy_order,
            lock_ordered_state=lock_order,
            start_phase=start_phase,
            first_start_phase=first_start_phase,
            participant_dto_list=self._participant_dtos(composition, instance),
        )

    def update(
        self,
        composition: CompositionModel,
        instance: InstanceModel,
        new_properties: Mapping[UUID, Mapping[str, Any]],
        *,
        rollback: bool = False,
    ) -> PropertiesUpdate:
        return PropertiesUpdate(
            **_instance_header(composition, instance),
            participant_updates_list=_deploy_list(
                instance, DeployOrder.UPDATE, properties=new_properties
            ),
            rollback=rollback,
            participant_dto_list=self._participant_dtos(
                composition, instance, before=True, after_properties=new_properties
            ),
        )

    def migrate(
        self,
        composition: CompositionModel,
        target: CompositionModel,
        instance: InstanceModel,
        migrated: InstanceModel,
        *,
        stage: int,
        first_stage: bool,
        precheck: bool,
        rollback: bool,
    ) -> AutomationCompositionMigration:
        """``migrated``: the instance as it will be in ``target`` (elements flagged NEW/REMOVED)."""
        order = DeployOrder.MIGRATION_REVERT if rollback else DeployOrder.MIGRATE

        def element_dto(element: InstanceElementModel) -> ElementDto:
            old = instance.elements.get(element.element_id)
            is_new = element.migration_state == MigrationState.NEW
            removed = element.migration_state == MigrationState.REMOVED
            source_def = composition.elements.get((old or element).definition.key)
            target_def = target.elements.get(element.definition.key)
            return ElementDto(
                composition_element=(
                    _composition_dto(composition, source_def) if source_def else None
                ),
                instance_element=_instance_dto(
                    instance,
                    old or element,
                    state=ElementState.NOT_PRESENT if is_new else ElementState.PRESENT,
                ),
                composition_element_target=(
                    _composition_dto(target, target_def) if target_def else None
                ),
                instance_element_target=_instance_dto(
                    migrated,
                    element,
                    state=ElementState.REMOVED
                    if removed
                    else ElementState.NEW
                    if is_new
                    else ElementState.PRESENT,
                ),
            )

        return AutomationCompositionMigration(
            **_instance_header(composition, instance, addressed=migrated),
            composition_target_id=target.composition_id,
            revision_id_composition_target=target.revision,
            participant_updates_list=_deploy_list(migrated, order),
            participant_dto_list=[] if self.legacy else _per_participant(migrated, element_dto),
            precheck=precheck,
            rollback=rollback,
            first_stage=first_stage,
            stage=stage,
        )

    def prepare(
        self,
        composition: CompositionModel,
        instance: InstanceModel,
        *,
        pre_deploy: bool,
        stage: int,
    ) -> AutomationCompositionPrepare:
        return AutomationCompositionPrepare(
            **_instance_header(composition, instance),
            participant_list=_deploy_list(instance, DeployOrder.NONE) if pre_deploy else [],
            pre_deploy=pre_deploy,
            stage=stage,
            participant_dto_list=self._participant_dtos(composition, instance),
        )

    # --- synchronisation ------------------------------------------------------------------

    def sync_restart(
        self,
        composition: CompositionModel,
        instances: Iterable[InstanceModel],
        participant_id: UUID,
        *,
        replica_id: UUID | None,
    ) -> ParticipantSync:
        """The restart flavour: the participant's definitions and elements, ``restarting``."""
        return ParticipantSync(
            composition_id=composition.composition_id,
            revision_id_composition=composition.revision,
            participant_id=participant_id,
            replica_id=replica_id,
            participant_id_list=[participant_id],
            state=composition.state,
            participant_definition_updates=[_definitions(composition, participant_id)],
            automation_composition_list=[
                _restart_ac(instance, instance.elements_of(participant_id))
                for instance in instances
            ],
            restarting=True,
        )

    def sync_composition(
        self,
        composition: CompositionModel,
        *,
        state_change_result: StateChangeResult | None = None,
    ) -> ParticipantSync:
        """Sent when a prime or deprime ends: ``delete`` once the composition is COMMISSIONED."""
        deleted = composition.state == AcTypeState.COMMISSIONED
        return ParticipantSync(
            composition_id=composition.composition_id,
            revision_id_composition=composition.revision,
            participant_id_list=composition.participants(),
            state=composition.state,
            participant_definition_updates=(
                []
                if deleted
                else [_definitions(composition, p) for p in composition.participants()]
            ),
            delete=deleted,
            state_change_result=state_change_result,
        )

    def sync_instance(
        self,
        composition: CompositionModel,
        instance: InstanceModel,
        *,
        delete: bool = False,
        state_change_result: StateChangeResult | None = None,
        exclude_replicas: Iterable[UUID] = (),
    ) -> ParticipantSync:
        """Sent after each finished, failed or timed-out instance operation."""
        return ParticipantSync(
            **_instance_header(composition, instance),
            state=AcTypeState.PRIMED,
            automation_composition_list=[
                _restart_ac(instance, [] if delete else list(instance.elements.values()))
            ],
            exclude_replicas=list(exclude_replicas),
            delete=delete,
            state_change_result=state_change_result,
        )


def _restart_ac(
    instance: InstanceModel, elements: Iterable[InstanceElementModel]
) -> ParticipantRestartAc:
    return ParticipantRestartAc(
        automation_composition_id=instance.instance_id,
        deploy_state=instance.deploy_state,
        lock_state=instance.lock_state,
        state_change_result=StateChangeResult.NO_ERROR,
        revision_id=instance.revision,
        composition_target_id=instance.composition_target_id,
        ac_element_list=[
            AcElementRestart(
                id=element.element_id,
                definition=element.definition,
                participant_id=element.participant_id,
                deploy_state=element.deploy_state,
                lock_state=element.lock_state,
                migration_state=element.migration_state,
                operational_state=element.operational_state,
                use_state=element.use_state,
                properties=dict(element.properties),
                out_properties=dict(element.out_properties),
            )
            for element in elements
        ],
    )
