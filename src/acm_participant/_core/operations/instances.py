"""DEPLOY, STATE_CHANGE (undeploy, delete, lock, unlock) and PROPERTIES_UPDATE of instances.

The runtime acts on the elements of the message's start phase only; ACM-R walks the phases
(lowest first for deploy and unlock, highest first for the others).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any
from uuid import UUID

from acm_participant._core.adapters.orders import (
    DeployOrderMsg,
    ElementOrder,
    InstanceOrderMsg,
    StateChangeOrderMsg,
    UpdateOrderMsg,
)
from acm_participant._core.engine.jobs import ElementJob, finish_element, spawn_element_job
from acm_participant._core.engine.runtime_context import RuntimeContext
from acm_participant._core.state.cache import ElementEntry, InstanceEntry
from acm_participant._core.state.merge import merge_properties
from acm_participant._core.state.outcomes import Operation
from acm_participant._core.state.phases import start_phase
from acm_participant.context import CompositionElement, ElementDefinitionId
from acm_participant.protocol.enums import (
    DeployOrder,
    DeployState,
    LockOrder,
    LockState,
    MigrationState,
)

__all__ = [
    "cached_elements",
    "cached_instance",
    "composition_element_for",
    "on_deploy",
    "on_state_change",
    "on_update",
]

_log = logging.getLogger(__name__)

ALREADY_DELETED = "Already deleted or never used"


def composition_element_for(
    ctx: RuntimeContext,
    composition_id: UUID,
    definition: ElementDefinitionId,
    properties: dict[str, Any] | None = None,
) -> CompositionElement:
    """The composition element: DTO properties when the message had them, else the cache's."""
    cached = ctx.store.composition_element(composition_id, definition)
    if properties is None:
        return cached
    return CompositionElement(
        composition_id=composition_id,
        definition_id=definition,
        properties=dict(properties),
        out_properties=dict(cached.out_properties),
    )


def new_instance(
    order: InstanceOrderMsg,
    deploy_state: DeployState,
    lock_state: LockState,
    elements: dict[UUID, ElementEntry] | None = None,
) -> InstanceEntry:
    """A cache entry for the order's instance, in these states, with these elements."""
    return InstanceEntry(
        instance_id=order.instance_id,
        composition_id=order.composition_id,
        revision_id=order.revision_instance,
        deploy_state=deploy_state,
        lock_state=lock_state,
        elements=elements or {},
    )


def cached_instance(
    ctx: RuntimeContext, order: InstanceOrderMsg, deploy_state: DeployState, lock_state: LockState
) -> InstanceEntry:
    """The cached instance, or a new one in these states when the runtime never saw it."""
    instance = ctx.store.instances.get(order.instance_id)
    if instance is None:
        instance = new_instance(order, deploy_state, lock_state)
        ctx.store.instances[order.instance_id] = instance
    return instance


def cached_elements(
    ctx: RuntimeContext,
    instance: InstanceEntry,
    composition_id: UUID,
    listed: Iterable[ElementOrder],
) -> Iterator[tuple[ElementEntry, ElementOrder | None, CompositionElement]]:
    """Each element cached for ``instance``, with its entry in the message (None when the message
    does not list it) and its composition element (``composition_element_for``)."""
    by_id = {e.element_id: e for e in listed}
    for entry in list(instance.elements.values()):
        order = by_id.get(entry.element_id)
        properties = order.composition_properties if order is not None else None
        yield (
            entry,
            order,
            composition_element_for(ctx, composition_id, entry.definition, properties),
        )


def _element_entry(order: ElementOrder, previous: ElementEntry | None) -> ElementEntry:
    if previous is None:
        return ElementEntry(
            element_id=order.element_id,
            definition=order.definition,
            properties=dict(order.properties),
            deploy_state=DeployState.DEPLOYING,
            lock_state=LockState.LOCKED,
            migration_state=order.migration_state,
        )
    previous.definition = order.definition
    previous.properties = dict(order.properties)
    return previous


def on_deploy(ctx: RuntimeContext, order: DeployOrderMsg) -> None:
    instance = ctx.store.instances.get(order.instance_id)
    if instance is None or order.first_start_phase:
        old = instance.elements if instance is not None else {}
        instance = new_instance(
            order,
            DeployState.DEPLOYING,
            LockState.LOCKED,
            {e.element_id: _element_entry(e, old.get(e.element_id)) for e in order.elements},
        )
        ctx.store.instances[order.instance_id] = instance
    else:
        for element in order.elements:
            instance.elements[element.element_id] = _element_entry(
                element, instance.elements.get(element.element_id)
            )
    if order.revision_instance is not None:
        instance.revision_id = order.revision_instance

    for entry, _, composition in cached_elements(
        ctx, instance, order.composition_id, order.elements
    ):
        if start_phase(composition.properties) != order.start_phase:
            continue
        key = (order.instance_id, entry.element_id)
        if ctx.tasks.running_operation(key) == Operation.DEPLOY.value:
            _log.info("deploy of %s already running: retry joins it", entry.element_id)
            continue
        job = ElementJob.answering(
            order,
            operation=Operation.DEPLOY,
            method=ctx.handler.deploy,
            composition=composition,
            instance=entry.as_instance_element(order.instance_id),
        )
        if entry.deploy_state is DeployState.DEPLOYED:
            # A retry of a deploy that already succeeded: re-ack, do not redo (C35).
            ctx.tasks.spawn(
                key,
                finish_element(ctx, job, ok=True, message="Deployed"),
                name=f"reack:{order.instance_id}:{entry.element_id}",
            )
            continue
        ctx.store.begin(entry, Operation.DEPLOY)
        spawn_element_job(ctx, job)


def _state_change_operation(order: StateChangeOrderMsg) -> Operation | None:
    if order.deploy_order is DeployOrder.UNDEPLOY:
        return Operation.UNDEPLOY
    if order.deploy_order is DeployOrder.DELETE:
        return Operation.DELETE
    if order.lock_order is LockOrder.LOCK:
        return Operation.LOCK
    if order.lock_order is LockOrder.UNLOCK:
        return Operation.UNLOCK
    return None


async def on_state_change(ctx: RuntimeContext, order: StateChangeOrderMsg) -> None:
    operation = _state_change_operation(order)
    if operation is None:
        _log.info("state change of %s orders nothing", order.instance_id)
        return
    instance = ctx.store.instances.get(order.instance_id)
    if instance is None and order.elements:
        # docs/protocol.md §8 item 8: a master runtime names the elements, so act on the message.
        instance = new_instance(
            order,
            DeployState.DEPLOYED,
            LockState.LOCKED,
            {
                e.element_id: ElementEntry(
                    element_id=e.element_id,
                    definition=e.definition,
                    properties=dict(e.properties),
                    deploy_state=(
                        DeployState.UNDEPLOYED
                        if operation is Operation.DELETE
                        else DeployState.DEPLOYED
                    ),
                    lock_state=LockState.LOCKED,
                )
                for e in order.elements
            },
        )
        ctx.store.instances[order.instance_id] = instance
    if instance is None:
        if operation is Operation.DELETE:
            await ctx.outbox.instance_unknown_ack(
                instance_id=order.instance_id, response_to=order.message_id, message=ALREADY_DELETED
            )
        else:
            _log.warning(
                "%s of instance %s ignored: not cached and no element list in the message",
                operation.value,
                order.instance_id,
            )
        return

    for entry, listed, composition in cached_elements(
        ctx, instance, instance.composition_id, order.elements
    ):
        phase = start_phase(composition.properties)
        if operation is Operation.UNDEPLOY and entry.migration_state is MigrationState.NEW:
            phase = 0
        if phase != order.start_phase:
            continue
        if listed is not None and listed.properties:
            entry.properties = dict(listed.properties)
        ctx.store.begin(entry, operation)
        method = {
            Operation.UNDEPLOY: ctx.handler.undeploy,
            Operation.DELETE: ctx.handler.delete,
            Operation.LOCK: ctx.handler.lock,
            Operation.UNLOCK: ctx.handler.unlock,
        }[operation]
        spawn_element_job(
            ctx,
            ElementJob.answering(
                order,
                operation=operation,
                method=method,
                composition=composition,
                instance=entry.as_instance_element(order.instance_id),
            ),
        )


def on_update(ctx: RuntimeContext, order: UpdateOrderMsg) -> None:
    instance = ctx.store.instances.get(order.instance_id)
    if instance is None:
        _log.warning("update of instance %s ignored: not cached", order.instance_id)
        return
    if order.revision_instance is not None:
        instance.revision_id = order.revision_instance
    for element in order.elements:
        entry = instance.elements.get(element.element_id)
        if entry is None:
            entry = ElementEntry(
                element_id=element.element_id,
                definition=element.definition,
                deploy_state=DeployState.DEPLOYED,
                lock_state=LockState.LOCKED,
            )
            instance.elements[element.element_id] = entry
        before = dict(
            element.previous_properties
            if element.previous_properties is not None
            else entry.properties
        )
        old = entry.as_instance_element(order.instance_id, before)
        entry.properties = merge_properties(entry.properties, element.properties)
        ctx.store.begin(entry, Operation.UPDATE)
        composition = composition_element_for(
            ctx, instance.composition_id, entry.definition, element.composition_properties
        )
        spawn_element_job(
            ctx,
            ElementJob.answering(
                order,
                operation=Operation.UPDATE,
                method=ctx.handler.update,
                composition=composition,
                instance=old,
                updated=entry.as_instance_element(order.instance_id),
            ),
        )
