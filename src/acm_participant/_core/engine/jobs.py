"""Run one element operation and ack it: the single place where handler results become acks.

Success ⇒ the operation's success states (or, between stages, the current states plus the next
``stage``); an exception ⇒ its failure states, FAILED, and the exception's message; a cancelled
call ⇒ no ack at all (it was superseded, timed out by ACM-R, or the participant is stopping).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from acm_participant._core.adapters.orders import InstanceOrderMsg
from acm_participant._core.engine.calls import element_context, element_log_fields
from acm_participant._core.engine.retry import call_with_retries
from acm_participant._core.engine.runtime_context import ElementAck, RuntimeContext
from acm_participant._core.state.outcomes import (
    SUCCESS_MESSAGES,
    Operation,
)
from acm_participant.context import (
    CompositionElement,
    ElementContext,
    ElementOutcome,
    InstanceElement,
)
from acm_participant.failures import ElementFailure, OperationNotSupported
from acm_participant.logcontext import bind_log_fields
from acm_participant.protocol.enums import StateChangeResult

__all__ = ["ElementJob", "finish_element", "run_element_job", "spawn_element_job", "truncate"]

# One line per operation start and outcome, with the ids bound (the operator's trail).
_lifecycle = logging.getLogger("acm_participant.lifecycle")

MAX_MESSAGE_LENGTH = 255

HandlerMethod = Callable[[ElementContext], Awaitable[ElementOutcome | None]]

# Operations whose properties must fit the handler's properties_model before it is called.
_VALIDATED = frozenset(
    {Operation.DEPLOY, Operation.UPDATE, Operation.MIGRATE, Operation.PRECHECK, Operation.PREPARE}
)


@dataclass(frozen=True)
class ElementJob:
    operation: Operation
    instance_id: UUID
    element_id: UUID
    response_to: UUID | None
    method: HandlerMethod
    composition: CompositionElement
    instance: InstanceElement
    updated: InstanceElement | None = None
    target: CompositionElement | None = None
    stage: int | None = None
    """The stage the handler is asked to do (migrate, rollback, prepare)."""
    next_stage: int | None = None
    """On success, ack this stage with the element's current states instead of the final ones."""
    on_finished: Callable[[bool], None] | None = None
    """Called with the success flag after the cache is updated, before the ack is sent."""

    @classmethod
    def answering(
        cls,
        order: InstanceOrderMsg,
        *,
        operation: Operation,
        method: HandlerMethod,
        composition: CompositionElement,
        instance: InstanceElement,
        updated: InstanceElement | None = None,
        target: CompositionElement | None = None,
        stage: int | None = None,
        next_stage: int | None = None,
        on_finished: Callable[[bool], None] | None = None,
    ) -> ElementJob:
        """A job for one element of ``order``'s instance, acked in response to ``order``."""
        return cls(
            operation=operation,
            instance_id=order.instance_id,
            element_id=instance.element_id,
            response_to=order.message_id,
            method=method,
            composition=composition,
            instance=instance,
            updated=updated,
            target=target,
            stage=stage,
            next_stage=next_stage,
            on_finished=on_finished,
        )

    def context(self, ctx: RuntimeContext) -> ElementContext:
        return element_context(
            ctx,
            self.operation.value,
            self.composition,
            self.instance,
            stage=self.stage,
            updated=self.updated,
            target=self.target,
        )


def spawn_element_job(ctx: RuntimeContext, job: ElementJob) -> asyncio.Task[None]:
    """Run ``job`` in the element's task, superseding the element's previous operation."""
    return ctx.tasks.spawn(
        (job.instance_id, job.element_id),
        run_element_job(ctx, job),
        name=f"{job.operation.value}:{job.instance_id}:{job.element_id}",
        operation=job.operation.value,
    )


def truncate(message: str) -> str:
    """At most the 255 characters an ack's message holds."""
    return (
        message if len(message) <= MAX_MESSAGE_LENGTH else message[: MAX_MESSAGE_LENGTH - 3] + "..."
    )


async def run_element_job(ctx: RuntimeContext, job: ElementJob) -> None:
    started = time.monotonic()
    element = job.context(ctx)
    with bind_log_fields(**element_log_fields(ctx, element)):
        ok, message, outcome = await _call_handler(ctx, job, element, started)
        if ok and message is None:
            message = SUCCESS_MESSAGES[job.operation]
        # Once the handler is done, its result is acked even if a cancellation lands now: the
        # store is never settled without the ack that says so.
        finishing = asyncio.ensure_future(
            finish_element(ctx, job, ok=ok, message=message, outcome=outcome)
        )
        try:
            await asyncio.shield(finishing)
        except asyncio.CancelledError:
            await finishing
            raise
    ctx.observer.operation_finished(
        job.operation.value,
        StateChangeResult.NO_ERROR.value if ok else StateChangeResult.FAILED.value,
        time.monotonic() - started,
    )


async def _call_handler(
    ctx: RuntimeContext, job: ElementJob, element: ElementContext, started: float
) -> tuple[bool, str | None, ElementOutcome | None]:
    """The handler's verdict: (success, ack message or None for the default, outcome)."""
    what = job.operation.value if job.stage is None else f"{job.operation.value} stage {job.stage}"
    model = ctx.handler.properties_model
    _lifecycle.info("%s started", what)
    try:
        if model is not None and job.operation in _VALIDATED:
            element.parsed(model)
        outcome = await call_with_retries(ctx.settings, lambda: job.method(element))
    except asyncio.CancelledError:
        _lifecycle.info("%s cancelled after %.1f s", what, time.monotonic() - started)
        raise
    except OperationNotSupported:
        _lifecycle.info("%s not supported by this participant", what)
        if ctx.settings.fail_unsupported_operation:
            return False, "Not supported", None
        return True, "Not implemented", None
    except ElementFailure as exc:  # expected: one line, no traceback
        _lifecycle.warning(
            "%s failed after %.1f s: %s", what, time.monotonic() - started, truncate(str(exc))
        )
        return False, truncate(str(exc) or type(exc).__name__), None
    except Exception as exc:  # a handler bug: the one boundary where it becomes a FAILED ack
        _lifecycle.error(
            "%s failed after %.1f s: %s",
            what,
            time.monotonic() - started,
            truncate(str(exc)),
            exc_info=True,
        )
        return False, truncate(str(exc) or type(exc).__name__), None
    _lifecycle.info("%s succeeded in %.1f s", what, time.monotonic() - started)
    return True, (outcome.message if outcome and outcome.message else None), outcome


async def finish_element(
    ctx: RuntimeContext,
    job: ElementJob,
    *,
    ok: bool,
    message: str | None,
    outcome: ElementOutcome | None = None,
) -> None:
    """Settle the element in the store, publish element info if it changed, send the ack."""
    settled = ctx.store.settle(
        job.instance_id,
        job.element_id,
        job.operation,
        ok=ok,
        outcome=outcome,
        next_stage=job.next_stage,
    )
    entry, states, stage, info_changed = (
        settled.entry,
        settled.states,
        settled.stage,
        settled.info_changed,
    )
    if job.on_finished is not None:
        job.on_finished(ok)
    if entry is not None and info_changed:
        # Older runtimes learn outProperties only from STATUS; sent first, it carries an earlier
        # timestamp than the ack, which is the order ACM-R applies them in (C62, C64).
        await ctx.outbox.element_info(job.instance_id, job.element_id)
    await ctx.outbox.element_ack(
        ElementAck(
            instance_id=job.instance_id,
            element_id=job.element_id,
            deploy_state=states.deploy,
            lock_state=states.lock,
            result=StateChangeResult.NO_ERROR if ok else StateChangeResult.FAILED,
            message=message,
            response_to=job.response_to,
            stage=stage,
            out_properties=(entry.out_properties if entry is not None and info_changed else None),
            operational_state=entry.operational_state if entry is not None else None,
            use_state=entry.use_state if entry is not None else None,
        )
    )
    ctx.store.forget_if_deleted(job.instance_id, job.element_id, settled)
