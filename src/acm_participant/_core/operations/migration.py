"""MIGRATION: migrate in stages, precheck (dry run) and rollback of a failed migration.

Stages come from the element's definition in the composition being migrated to (``stage``
property, ``migrate`` set). An element acks ``stage`` = its next stage until its last one, then
its final states. Elements the migration adds (NEW) are deployed from the target definition
at the first stage of their set (migrated at later ones); elements it drops (REMOVED) are
undeployed once, acking DELETED.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import UUID

from acm_participant._core.adapters.orders import ElementOrder, MigrationOrderMsg
from acm_participant._core.engine.jobs import ElementJob, HandlerMethod, spawn_element_job
from acm_participant._core.engine.runtime_context import RuntimeContext
from acm_participant._core.operations.instances import cached_instance, composition_element_for
from acm_participant._core.state.cache import ElementEntry, InstanceEntry
from acm_participant._core.state.merge import merge_properties
from acm_participant._core.state.outcomes import Operation
from acm_participant._core.state.phases import next_stage, previous_stage, stages
from acm_participant.protocol.enums import DeployState, LockState, MigrationState, SubState

__all__ = ["on_migration"]

_log = logging.getLogger(__name__)


def on_migration(ctx: RuntimeContext, order: MigrationOrderMsg) -> None:
    if order.precheck:
        _precheck(ctx, order)
    else:
        _migrate(ctx, order)


def _instance(ctx: RuntimeContext, order: MigrationOrderMsg) -> InstanceEntry:
    return cached_instance(ctx, order, DeployState.DEPLOYED, LockState.LOCKED)


def _entry_for(instance: InstanceEntry, element: ElementOrder) -> ElementEntry:
    entry = instance.elements.get(element.element_id)
    if entry is None:
        entry = ElementEntry(
            element_id=element.element_id,
            definition=element.definition,
            properties=dict(element.properties),
            deploy_state=DeployState.DEPLOYED,
            lock_state=LockState.LOCKED,
            migration_state=element.migration_state,
        )
    return entry


def _precheck(ctx: RuntimeContext, order: MigrationOrderMsg) -> None:
    instance = _instance(ctx, order)
    instance.sub_state = SubState.MIGRATION_PRECHECKING
    for element in order.elements:
        # A dry run: an element the instance does not hold yet (NEW) is checked, not cached.
        entry = instance.elements.get(element.element_id) or _entry_for(instance, element)
        source_definition = entry.definition
        composition = composition_element_for(
            ctx, order.composition_id, source_definition, element.composition_properties
        )
        target = composition_element_for(
            ctx,
            order.composition_target_id,
            element.definition,
            element.target_composition_properties,
        )
        migrated = entry.as_instance_element(
            order.instance_id, merge_properties(entry.properties, element.properties)
        )
        spawn_element_job(
            ctx,
            ElementJob.answering(
                order,
                operation=Operation.PRECHECK,
                method=ctx.handler.migrate_precheck,
                composition=composition,
                instance=entry.as_instance_element(order.instance_id),
                updated=migrated,
                target=target,
            ),
        )


def _migrate(ctx: RuntimeContext, order: MigrationOrderMsg) -> None:
    instance = _instance(ctx, order)
    instance.composition_target_id = order.composition_target_id
    if order.revision_instance is not None:
        instance.revision_id = order.revision_instance
    # compositionId is where the instance comes from (on rollback: returns to); the handler's
    # "composition" is always the one the element leaves, "target" the one it goes to.
    leaving, going = (
        (order.composition_target_id, order.composition_id)
        if order.rollback
        else (order.composition_id, order.composition_target_id)
    )
    for element in order.elements:
        entry = instance.elements.get(element.element_id)
        if element.migration_state is MigrationState.REMOVED:
            if entry is None or entry.deploy_state is DeployState.DELETED:
                continue
            _spawn_removal(ctx, order, instance, entry, leaving)
        elif element.migration_state is MigrationState.NEW:
            _spawn_addition(ctx, order, instance, element, going)
        else:
            if entry is None:
                entry = _entry_for(instance, element)
                instance.elements[element.element_id] = entry
            _spawn_stage(ctx, order, instance, entry, element, leaving, going)


def _spawn_stage(
    ctx: RuntimeContext,
    order: MigrationOrderMsg,
    instance: InstanceEntry,
    entry: ElementEntry,
    element: ElementOrder,
    leaving: UUID,
    going: UUID,
) -> None:
    if order.rollback:
        # Back from the abandoned composition (where the element has its migrated definition).
        leaving_definition = entry.definition
    else:
        if entry.previous_definition is None and entry.definition != element.definition:
            entry.previous_definition = entry.definition
        leaving_definition = entry.previous_definition or entry.definition
        entry.definition = element.definition
    target = composition_element_for(
        ctx, going, element.definition, element.target_composition_properties
    )
    composition = composition_element_for(
        ctx, leaving, leaving_definition, element.composition_properties
    )
    # The stages walked are those of the element's definition in the composition migrated to
    # (on rollback: the abandoned one), so a rollback retraces the migration's stages downwards.
    walked = composition if order.rollback else target
    element_stages = stages(walked.properties, "migrate")
    if order.stage not in element_stages:
        return
    following = _following_stage(order, element_stages)
    before = entry.as_instance_element(order.instance_id)
    migrated = entry.as_instance_element(
        order.instance_id, merge_properties(entry.properties, element.properties)
    )
    entry.properties = dict(migrated.properties)
    operation = Operation.ROLLBACK if order.rollback else Operation.MIGRATE
    ctx.store.begin(entry, operation)
    method = ctx.handler.rollback if order.rollback else ctx.handler.migrate

    def finished(ok: bool) -> None:
        if ok and following is None:
            entry.definition = element.definition
            entry.previous_definition = None
            _maybe_complete(ctx, instance, going)

    spawn_element_job(
        ctx,
        ElementJob.answering(
            order,
            operation=operation,
            method=method,
            composition=composition,
            instance=before,
            updated=migrated,
            target=target,
            stage=order.stage,
            next_stage=following,
            on_finished=finished,
        ),
    )


def _spawn_removal(
    ctx: RuntimeContext,
    order: MigrationOrderMsg,
    instance: InstanceEntry,
    entry: ElementEntry,
    leaving: UUID,
) -> None:
    composition = composition_element_for(ctx, leaving, entry.definition)
    entry.migration_state = MigrationState.REMOVED
    spawn_element_job(
        ctx,
        ElementJob.answering(
            order,
            operation=Operation.ROLLBACK_REMOVED if order.rollback else Operation.MIGRATE_REMOVED,
            method=ctx.handler.undeploy,
            composition=composition,
            instance=entry.as_instance_element(order.instance_id),
        ),
    )


def _spawn_addition(
    ctx: RuntimeContext,
    order: MigrationOrderMsg,
    instance: InstanceEntry,
    element: ElementOrder,
    going: UUID,
) -> None:
    """A NEW element: deployed from the target definition at the first stage of its set, then
    migrated at its later stages, like any other element."""
    target = composition_element_for(
        ctx, going, element.definition, element.target_composition_properties
    )
    element_stages = stages(target.properties, "migrate")
    if order.stage not in element_stages:
        return
    following = _following_stage(order, element_stages)
    entry = instance.elements.get(element.element_id)
    if entry is None:
        entry = ElementEntry(
            element_id=element.element_id,
            definition=element.definition,
            properties=dict(element.properties),
            deploy_state=(
                DeployState.MIGRATION_REVERTING if order.rollback else DeployState.MIGRATING
            ),
            lock_state=LockState.LOCKED,
            migration_state=MigrationState.NEW,
        )
        instance.elements[element.element_id] = entry
        method: HandlerMethod = ctx.handler.deploy
        current = entry.as_instance_element(order.instance_id)
        migrated = None
    else:
        method = ctx.handler.rollback if order.rollback else ctx.handler.migrate
        current = entry.as_instance_element(order.instance_id)
        migrated = entry.as_instance_element(
            order.instance_id, merge_properties(entry.properties, element.properties)
        )

    def finished(ok: bool) -> None:
        if ok and following is None:
            _maybe_complete(ctx, instance, going)

    spawn_element_job(
        ctx,
        ElementJob.answering(
            order,
            operation=Operation.ROLLBACK if order.rollback else Operation.MIGRATE,
            method=method,
            composition=target,
            instance=current,
            updated=migrated,
            target=None if migrated is None else target,
            stage=None if migrated is None else order.stage,
            next_stage=following,
            on_finished=finished,
        ),
    )


def _following_stage(order: MigrationOrderMsg, element_stages: Sequence[int]) -> int | None:
    """The element's stage after this one: a rollback walks the stages downwards."""
    if order.rollback:
        return previous_stage(element_stages, order.stage)
    return next_stage(element_stages, order.stage)


def _maybe_complete(ctx: RuntimeContext, instance: InstanceEntry, going: UUID) -> None:
    """Once no element is mid-migration, the instance belongs to the composition it went to."""
    moving = (DeployState.MIGRATING, DeployState.MIGRATION_REVERTING, DeployState.DEPLOYING)
    if any(e.deploy_state in moving for e in instance.elements.values()):
        return
    instance.composition_id = going
    instance.composition_target_id = None
    for entry in instance.elements.values():
        entry.migration_state = MigrationState.DEFAULT
    _log.info("instance %s now on composition %s", instance.instance_id, going)
