"""Prime and deprime: cache my element definitions of a composition, run the handler, ack once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from uuid import UUID

from acm_participant._core.adapters.orders import DefinitionOrder, PrimeOrderMsg
from acm_participant._core.engine.calls import composition_context
from acm_participant._core.engine.jobs import truncate
from acm_participant._core.engine.retry import call_with_retries
from acm_participant._core.engine.runtime_context import RuntimeContext
from acm_participant._core.state.cache import CompositionEntry
from acm_participant.context import CompositionElement
from acm_participant.failures import ElementFailure, OperationNotSupported
from acm_participant.logcontext import bind_log_fields
from acm_participant.protocol.enums import AcTypeState, StateChangeResult

__all__ = ["composition_entry", "on_prime"]

_log = logging.getLogger(__name__)
_lifecycle = logging.getLogger("acm_participant.lifecycle")


def composition_entry(
    composition_id: UUID, revision_id: UUID | None, definitions: Iterable[DefinitionOrder]
) -> CompositionEntry:
    """The cache entry of a composition from my definitions in a prime or sync message."""
    return CompositionEntry(
        composition_id=composition_id,
        revision_id=revision_id,
        definitions={
            d.definition: CompositionElement(
                composition_id=composition_id,
                definition_id=d.definition,
                properties=dict(d.properties),
                out_properties=dict(d.out_properties),
            )
            for d in definitions
        },
    )


def on_prime(ctx: RuntimeContext, order: PrimeOrderMsg) -> None:
    if not order.names_me:
        _log.debug("prime of %s names no element of mine", order.composition_id)
        return
    if order.prime:
        entry = composition_entry(
            order.composition_id, order.revision_composition, order.definitions
        )
        ctx.store.compositions[order.composition_id] = entry
        work = _prime(ctx, order, entry)
    else:
        work = _deprime(ctx, order)
    ctx.tasks.spawn(
        (order.composition_id, None),
        work,
        name=f"{'prime' if order.prime else 'deprime'}:{order.composition_id}",
        operation="prime" if order.prime else "deprime",
    )


async def _prime(ctx: RuntimeContext, order: PrimeOrderMsg, entry: CompositionEntry) -> None:
    started = time.monotonic()
    elements = list(entry.definitions.values())
    state, result, message = await _attempt(
        ctx,
        "prime",
        order,
        lambda: ctx.handler.prime(composition_context(ctx, order.composition_id, elements)),
        reached=AcTypeState.PRIMED,
        kept=AcTypeState.COMMISSIONED,
        done="Primed",
    )
    await _ack(ctx, "prime", order, started, state, result, message)


async def _deprime(ctx: RuntimeContext, order: PrimeOrderMsg) -> None:
    started = time.monotonic()
    entry = ctx.store.compositions.get(order.composition_id)
    if entry is None:
        state, result = AcTypeState.COMMISSIONED, StateChangeResult.NO_ERROR
        message = "Already deprimed or never primed"
    else:
        state, result, message = await _attempt(
            ctx,
            "deprime",
            order,
            lambda: ctx.handler.deprime(
                composition_context(ctx, order.composition_id, list(entry.definitions.values()))
            ),
            reached=AcTypeState.COMMISSIONED,
            kept=AcTypeState.PRIMED,
            done="Deprimed",
        )
        if result is StateChangeResult.NO_ERROR:
            ctx.store.drop_composition(order.composition_id)
    await _ack(ctx, "deprime", order, started, state, result, message)


async def _attempt(
    ctx: RuntimeContext,
    operation: str,
    order: PrimeOrderMsg,
    call: Callable[[], Awaitable[None]],
    *,
    reached: AcTypeState,
    kept: AcTypeState,
    done: str,
) -> tuple[AcTypeState, StateChangeResult, str]:
    """Run the handler's prime or deprime: ``reached`` on success, ``kept`` on failure.

    A handler without the operation succeeds as "Not implemented" unless the settings say
    unsupported operations fail.
    """
    with bind_log_fields(participant=ctx.settings.participant_id, composition=order.composition_id):
        _lifecycle.info("%s started", operation)
        try:
            await call_with_retries(ctx.settings, call)
        except asyncio.CancelledError:
            raise
        except OperationNotSupported:
            _lifecycle.info("%s not supported by this participant", operation)
            if ctx.settings.fail_unsupported_operation:
                return kept, StateChangeResult.FAILED, "Not supported"
            return reached, StateChangeResult.NO_ERROR, "Not implemented"
        except Exception as exc:
            _lifecycle.warning(
                "%s failed: %s",
                operation,
                exc,
                exc_info=not isinstance(exc, ElementFailure),
            )
            return kept, StateChangeResult.FAILED, truncate(str(exc) or type(exc).__name__)
        _lifecycle.info("%s succeeded", operation)
    return reached, StateChangeResult.NO_ERROR, done


async def _ack(
    ctx: RuntimeContext,
    operation: str,
    order: PrimeOrderMsg,
    started: float,
    state: AcTypeState,
    result: StateChangeResult,
    message: str,
) -> None:
    await ctx.outbox.prime_ack(
        composition_id=order.composition_id,
        state=state,
        result=result,
        message=message,
        response_to=order.message_id,
    )
    ctx.observer.operation_finished(operation, result.value, time.monotonic() - started)
