"""Wire messages in: read a decoded message into the runtime's orders, keeping only my part.

Master runtimes send element DTOs besides the legacy lists; DTO values win where present and the
legacy lists (plus the cache) fill in the rest (docs/protocol.md §8 item 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict
from uuid import UUID

from acm_participant._core.adapters.orders import (
    DefinitionOrder,
    DeployOrderMsg,
    ElementOrder,
    MigrationOrderMsg,
    PrepareOrderMsg,
    PrimeOrderMsg,
    RestartElement,
    RestartInstance,
    StateChangeOrderMsg,
    SyncOrderMsg,
    UpdateOrderMsg,
)
from acm_participant.context import ElementDefinitionId
from acm_participant.protocol import (
    AutomationCompositionDeploy,
    AutomationCompositionMigration,
    AutomationCompositionPrepare,
    AutomationCompositionStateChange,
    DeployState,
    ElementDto,
    ElementState,
    LockState,
    MigrationState,
    ParticipantDefinition,
    ParticipantDeploy,
    ParticipantDto,
    ParticipantMessage,
    ParticipantPrime,
    ParticipantSync,
    PrimeOrder,
    PropertiesUpdate,
    ToscaConceptIdentifier,
)

__all__ = [
    "definition_id",
    "read_deploy",
    "read_migration",
    "read_prepare",
    "read_prime",
    "read_state_change",
    "read_sync",
    "read_update",
]


def definition_id(concept: ToscaConceptIdentifier) -> ElementDefinitionId:
    return ElementDefinitionId(name=concept.name, version=concept.version)


def _my_deploys(entries: Iterable[ParticipantDeploy], me: UUID) -> list[ParticipantDeploy]:
    return [e for e in entries if e.participant_id is None or e.participant_id == me]


def _my_dtos(entries: Iterable[ParticipantDto], me: UUID) -> list[ElementDto]:
    return [d for e in entries if e.participant_id == me for d in e.element_dtos]


def _my_definitions(
    entries: Iterable[ParticipantDefinition], me: UUID
) -> tuple[bool, list[DefinitionOrder]]:
    mine = [e for e in entries if e.participant_id == me]
    return bool(mine), [
        DefinitionOrder(
            definition=definition_id(d.ac_element_definition_id),
            properties=dict(
                d.automation_composition_element_tosca_node_template.properties
                if d.automation_composition_element_tosca_node_template is not None
                else {}
            ),
            out_properties=dict(d.out_properties),
        )
        for e in mine
        for d in e.automation_composition_element_definition_list
    ]


def _elements(
    legacy: Iterable[ParticipantDeploy],
    dtos: Iterable[ParticipantDto],
    me: UUID,
    *,
    migration: bool = False,
) -> tuple[bool, tuple[ElementOrder, ...]]:
    """My elements, legacy list entries enriched by DTOs (DTO-only elements included)."""
    by_dto = {d.element_id: d for d in _my_dtos(dtos, me) if d.element_id is not None}
    orders: dict[UUID, ElementOrder] = {}
    my_legacy = _my_deploys(legacy, me)
    for entry in my_legacy:
        for element in entry.ac_element_list:
            orders[element.id] = _with_dto(
                ElementOrder(
                    element_id=element.id,
                    definition=definition_id(element.definition),
                    properties=dict(element.properties),
                    migration_state=element.migration_state,
                ),
                by_dto.get(element.id),
                migration=migration,
            )
    for element_id, dto in by_dto.items():
        if element_id not in orders:
            built = _from_dto(element_id, dto, migration=migration)
            if built is not None:
                orders[element_id] = built
    return bool(my_legacy) or bool(by_dto), tuple(orders.values())


def _with_dto(order: ElementOrder, dto: ElementDto | None, *, migration: bool) -> ElementOrder:
    if dto is None:
        return order
    target = dto.instance_element_target
    before = dto.instance_element
    return ElementOrder(
        element_id=order.element_id,
        definition=order.definition,
        properties=dict(target.in_properties) if target is not None else order.properties,
        migration_state=order.migration_state,
        composition_properties=(
            dict(dto.composition_element.in_properties)
            if dto.composition_element is not None
            and dto.composition_element.state is not ElementState.NOT_PRESENT
            else None
        ),
        target_composition_properties=(
            dict(dto.composition_element_target.in_properties)
            if migration and dto.composition_element_target is not None
            else None
        ),
        previous_properties=(
            dict(before.in_properties)
            if before is not None and before.state is not ElementState.NOT_PRESENT
            else None
        ),
    )


def _from_dto(element_id: UUID, dto: ElementDto, *, migration: bool) -> ElementOrder | None:
    composition = dto.composition_element_target if migration else dto.composition_element
    composition = composition or dto.composition_element or dto.composition_element_target
    if composition is None:
        return None
    state = dto.instance_element_target.state if dto.instance_element_target else None
    migration_state = {
        ElementState.NEW: MigrationState.NEW,
        ElementState.REMOVED: MigrationState.REMOVED,
    }.get(state or ElementState.PRESENT, MigrationState.DEFAULT)
    base = ElementOrder(
        element_id=element_id,
        definition=definition_id(composition.element_definition_id),
        migration_state=migration_state if migration else MigrationState.DEFAULT,
    )
    return _with_dto(base, dto, migration=migration)


def read_prime(message: ParticipantPrime, me: UUID) -> PrimeOrderMsg:
    assert message.composition_id is not None
    names_me, definitions = _my_definitions(message.participant_definition_updates, me)
    dto_entries = [
        e for e in message.prime_dto_list if e.participant_id == me and e.composition_dto
    ]
    if dto_entries and not definitions:
        names_me = True
        definitions = [
            DefinitionOrder(
                definition=definition_id(concept),
                properties=dict(props),
                out_properties=dict(dto.out_properties_map.get(concept, {})),
            )
            for entry in dto_entries
            if (dto := entry.composition_dto) is not None
            for concept, props in dto.in_properties_map.items()
        ]
    if message.prime_order is PrimeOrder.DEPRIME:
        prime = False
    elif message.prime_order is PrimeOrder.PRIME:
        prime = True
    else:  # docs/protocol.md §8 item 2: older runtimes say deprime by sending no definitions
        prime = bool(message.participant_definition_updates)
    return PrimeOrderMsg(
        message_id=message.message_id,
        composition_id=message.composition_id,
        revision_composition=message.revision_id_composition,
        prime=prime,
        definitions=tuple(definitions),
        names_me=names_me or not prime,
    )


class _InstanceFields(TypedDict):
    """What every instance order carries (the fields of ``InstanceOrderMsg``)."""

    message_id: UUID | None
    instance_id: UUID
    composition_id: UUID
    revision_composition: UUID | None
    revision_instance: UUID | None
    elements: tuple[ElementOrder, ...]
    has_element_list: bool


def _instance_fields(
    message: ParticipantMessage,
    legacy: Iterable[ParticipantDeploy],
    dtos: Iterable[ParticipantDto],
    me: UUID,
    *,
    migration: bool = False,
) -> _InstanceFields:
    has_list, elements = _elements(legacy, dtos, me, migration=migration)
    return _InstanceFields(
        message_id=message.message_id,
        instance_id=_required(message.automation_composition_id),
        composition_id=_required(message.composition_id),
        revision_composition=message.revision_id_composition,
        revision_instance=message.revision_id_instance,
        elements=elements,
        has_element_list=has_list,
    )


def read_deploy(message: AutomationCompositionDeploy, me: UUID) -> DeployOrderMsg:
    return DeployOrderMsg(
        **_instance_fields(
            message, message.participant_updates_list, message.participant_dto_list, me
        ),
        start_phase=message.start_phase,
        first_start_phase=message.first_start_phase,
    )


def read_state_change(message: AutomationCompositionStateChange, me: UUID) -> StateChangeOrderMsg:
    return StateChangeOrderMsg(
        **_instance_fields(message, (), message.participant_dto_list, me),
        deploy_order=message.deploy_ordered_state,
        lock_order=message.lock_ordered_state,
        start_phase=message.start_phase or 0,
        first_start_phase=message.first_start_phase,
    )


def read_update(message: PropertiesUpdate, me: UUID) -> UpdateOrderMsg:
    return UpdateOrderMsg(
        **_instance_fields(
            message, message.participant_updates_list, message.participant_dto_list, me
        ),
        rollback=message.rollback,
    )


def read_migration(message: AutomationCompositionMigration, me: UUID) -> MigrationOrderMsg:
    return MigrationOrderMsg(
        **_instance_fields(
            message,
            message.participant_updates_list,
            message.participant_dto_list,
            me,
            migration=True,
        ),
        composition_target_id=_required(message.composition_target_id),
        revision_composition_target=message.revision_id_composition_target,
        precheck=message.precheck,
        rollback=message.rollback,
        first_stage=message.first_stage,
        stage=message.stage,
    )


def read_prepare(message: AutomationCompositionPrepare, me: UUID) -> PrepareOrderMsg:
    return PrepareOrderMsg(
        **_instance_fields(message, message.participant_list, message.participant_dto_list, me),
        pre_deploy=message.pre_deploy,
        stage=message.stage,
    )


def read_sync(message: ParticipantSync, me: UUID) -> SyncOrderMsg:
    names_me, definitions = _my_definitions(message.participant_definition_updates, me)
    instances = tuple(
        RestartInstance(
            instance_id=ac.automation_composition_id,
            deploy_state=ac.deploy_state or DeployState.UNDEPLOYED,
            lock_state=ac.lock_state or LockState.NONE,
            revision_id=ac.revision_id,
            composition_target_id=ac.composition_target_id,
            elements=tuple(
                RestartElement(
                    element_id=e.id,
                    definition=definition_id(e.definition),
                    deploy_state=e.deploy_state or DeployState.UNDEPLOYED,
                    lock_state=e.lock_state or LockState.NONE,
                    migration_state=e.migration_state or MigrationState.DEFAULT,
                    operational_state=e.operational_state,
                    use_state=e.use_state,
                    properties=dict(e.properties),
                    out_properties=dict(e.out_properties),
                )
                for e in ac.ac_element_list
                if e.participant_id is None or e.participant_id == me
            ),
        )
        for ac in message.automation_composition_list
    )
    return SyncOrderMsg(
        message_id=message.message_id,
        composition_id=message.composition_id,
        instance_id=message.automation_composition_id,
        revision_composition=message.revision_id_composition,
        state=message.state,
        result=message.state_change_result,
        definitions=tuple(definitions),
        names_me_in_definitions=names_me,
        instances=instances,
        restarting=message.restarting,
        delete=message.delete,
    )


class MissingId(ValueError):
    """A message lacks an id its type requires; it is logged and dropped."""


def _required(value: UUID | None) -> UUID:
    if value is None:
        raise MissingId("a required id is missing")
    return value
