"""PARTICIPANT_SYNC_MSG: take ACM-R's view of compositions and instances into the cache.

Restart SYNCs also hand each element back to the handler (``restore``) so it can re-attach to
what it manages; a TIMEOUT SYNC cancels the element tasks ACM-R gave up on. An element a SYNC
says is gone or undeployed (by another replica, or ACM-R deleted its instance) is handed to the
handler's ``forget`` so that it releases what it keeps in memory for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from uuid import UUID

from acm_participant._core.adapters.orders import RestartInstance, SyncOrderMsg
from acm_participant._core.engine.calls import element_context, element_log_fields
from acm_participant._core.engine.runtime_context import RuntimeContext
from acm_participant._core.operations.compositions import composition_entry
from acm_participant._core.state.cache import ElementEntry, InstanceEntry
from acm_participant.context import CompositionElement
from acm_participant.failures import ElementFailure
from acm_participant.logcontext import bind_log_fields
from acm_participant.protocol.enums import AcTypeState, DeployState, StateChangeResult

__all__ = ["on_sync"]

_log = logging.getLogger(__name__)


def on_sync(ctx: RuntimeContext, order: SyncOrderMsg) -> None:
    if order.result is StateChangeResult.TIMEOUT:
        ids = {i for i in (order.instance_id, *(x.instance_id for x in order.instances)) if i}
        if not ids and order.composition_id is not None:
            ids = {order.composition_id}
        cancelled = ctx.tasks.cancel_matching(ids)
        _log.info("ACM-R timed out %s: cancelled %d running operations", ids, cancelled)
    if order.delete:
        dropped = {i.instance_id for i in order.instances}
        if order.instance_id is not None:
            dropped.add(order.instance_id)
        for instance_id in dropped:
            previous = ctx.store.instances.get(instance_id)
            if previous is not None:
                _forget(ctx, previous, released(previous, None))
            ctx.store.drop_instance(instance_id)
        if order.state is AcTypeState.COMMISSIONED and order.composition_id is not None:
            ctx.store.drop_composition(order.composition_id)
        return
    if order.composition_id is not None:
        _sync_composition(ctx, order)
    for instance in order.instances:
        previous = ctx.store.instances.get(instance.instance_id)
        entry = _replace_instance(ctx, order, instance)
        if entry is not None and order.restarting:
            _restore(ctx, entry)
        if previous is not None and order.result is not StateChangeResult.TIMEOUT:
            _forget(ctx, previous, released(previous, entry))


def _sync_composition(ctx: RuntimeContext, order: SyncOrderMsg) -> None:
    assert order.composition_id is not None
    entry = ctx.store.compositions.get(order.composition_id)
    if order.names_me_in_definitions:
        entry = composition_entry(
            order.composition_id, order.revision_composition, order.definitions
        )
        ctx.store.compositions[order.composition_id] = entry
    elif entry is not None and order.revision_composition is not None:
        entry.revision_id = order.revision_composition


def _replace_instance(
    ctx: RuntimeContext, order: SyncOrderMsg, instance: RestartInstance
) -> InstanceEntry | None:
    if not instance.elements:
        ctx.store.drop_instance(instance.instance_id)  # none of its elements is mine (any more)
        return None
    composition_id = order.composition_id
    previous = ctx.store.instances.get(instance.instance_id)
    if composition_id is None:
        if previous is None:
            _log.warning("sync of instance %s without compositionId ignored", instance.instance_id)
            return None
        composition_id = previous.composition_id
    entry = InstanceEntry(
        instance_id=instance.instance_id,
        composition_id=composition_id,
        revision_id=instance.revision_id,
        deploy_state=instance.deploy_state,
        lock_state=instance.lock_state,
        composition_target_id=instance.composition_target_id,
        elements={
            e.element_id: ElementEntry(
                element_id=e.element_id,
                definition=e.definition,
                properties=dict(e.properties),
                out_properties=dict(e.out_properties),
                deploy_state=e.deploy_state,
                lock_state=e.lock_state,
                operational_state=e.operational_state,
                use_state=e.use_state,
                migration_state=e.migration_state,
            )
            for e in instance.elements
        },
    )
    ctx.store.instances[instance.instance_id] = entry
    return entry


def _restore(ctx: RuntimeContext, instance: InstanceEntry) -> None:
    for element in instance.elements.values():
        key = (instance.instance_id, element.element_id)
        if ctx.tasks.running(key) is not None:
            # An order for the element is already running here (e.g. its redelivered DEPLOY): it
            # owns the element; a restore must not cancel it.
            _log.info(
                "restore of element %s skipped: %s running",
                element.element_id,
                ctx.tasks.running_operation(key),
            )
            continue
        composition = ctx.store.composition_element(instance.composition_id, element.definition)
        ctx.tasks.spawn(
            key,
            _restore_one(ctx, composition, instance, element),
            name=f"restore:{instance.instance_id}:{element.element_id}",
            operation="restore",
        )


_GONE = frozenset({DeployState.UNDEPLOYED, DeployState.DELETED})
Released = tuple[ElementEntry, DeployState]


def released(previous: InstanceEntry, now: InstanceEntry | None) -> list[Released]:
    """The elements ``previous`` had deployed here (or in transition) that ``now``, the instance
    a SYNC gave, no longer has: dropped (DELETED), or said to be UNDEPLOYED or DELETED; each with
    that state. An element that was already UNDEPLOYED here is not released again."""
    current = now.elements if now is not None else {}
    found = []
    for element_id, element in previous.elements.items():
        after = current.get(element_id)
        if after is None:
            found.append((element, DeployState.DELETED))
        elif after.deploy_state in _GONE and element.deploy_state not in _GONE:
            found.append((after, after.deploy_state))
    return found


def _forget(ctx: RuntimeContext, instance: InstanceEntry, elements: Iterable[Released]) -> None:
    for element, state in list(elements):
        key = (instance.instance_id, element.element_id)
        running = ctx.tasks.running_operation(key)
        if running is not None and running not in ("restore", "forget"):
            # An order runs here for the element: it owns it, and its own ack decides.
            _log.info("forget of element %s skipped: %s running", element.element_id, running)
            continue
        composition = ctx.store.composition_element(instance.composition_id, element.definition)
        ctx.tasks.spawn(
            key,
            _forget_one(ctx, composition, instance.instance_id, element, state),
            name=f"forget:{instance.instance_id}:{element.element_id}",
            operation="forget",
        )


async def _forget_one(
    ctx: RuntimeContext,
    composition: CompositionElement,
    instance_id: UUID,
    element: ElementEntry,
    state: DeployState,
) -> None:
    context = element_context(
        ctx,
        "forget",
        composition,
        element.as_instance_element(instance_id),
        deploy_state=state,
        lock_state=element.lock_state,
    )
    with bind_log_fields(**element_log_fields(ctx, context)):
        try:
            await ctx.handler.forget(context)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.error("forget of element %s failed", element.element_id, exc_info=True)


async def _restore_one(
    ctx: RuntimeContext,
    composition: CompositionElement,
    instance: InstanceEntry,
    element: ElementEntry,
) -> None:
    context = element_context(
        ctx,
        "restore",
        composition,
        element.as_instance_element(instance.instance_id),
        deploy_state=element.deploy_state,
        lock_state=element.lock_state,
    )
    with bind_log_fields(**element_log_fields(ctx, context)):
        try:
            await ctx.handler.restore(context)
        except asyncio.CancelledError:
            raise
        except ElementFailure as exc:
            _log.warning("restore of element %s failed: %s", element.element_id, exc)
        except Exception:
            _log.error("restore of element %s failed", element.element_id, exc_info=True)
