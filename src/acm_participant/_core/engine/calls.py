"""Builds what a handler's operation receives: the element's context, logger and log fields."""

from __future__ import annotations

import logging
from uuid import UUID

from acm_participant._core.engine.runtime_context import RuntimeContext
from acm_participant.context import (
    CompositionContext,
    CompositionElement,
    ElementContext,
    ElementLogger,
    InstanceElement,
)
from acm_participant.protocol.enums import DeployState, LockState

__all__ = ["composition_context", "element_context", "element_log_fields"]


def _logger(ctx: RuntimeContext, fields: dict[str, object]) -> ElementLogger:
    return logging.LoggerAdapter(logging.getLogger(type(ctx.handler).__module__), fields)


def element_context(
    ctx: RuntimeContext,
    operation: str,
    composition: CompositionElement,
    instance: InstanceElement,
    *,
    stage: int | None = None,
    updated: InstanceElement | None = None,
    target: CompositionElement | None = None,
    deploy_state: DeployState | None = None,
    lock_state: LockState | None = None,
) -> ElementContext:
    ids: dict[str, object] = {
        "participant": ctx.settings.participant_id,
        "composition": (target or composition).composition_id,
        "instance": instance.instance_id,
        "element": instance.element_id,
    }
    return ElementContext(
        operation=operation,
        composition=composition,
        instance=instance,
        reporter=ctx.reporter,
        log=_logger(ctx, ids),
        stage=stage,
        updated=updated,
        target=target,
        deploy_state=deploy_state,
        lock_state=lock_state,
    )


def element_log_fields(ctx: RuntimeContext, element: ElementContext) -> dict[str, object]:
    """The ids bound to every log line of an operation, plus the handler's own fields."""
    return {**element.log.extra, **ctx.handler.log_fields(element)} if element.log.extra else {}


def composition_context(
    ctx: RuntimeContext, composition_id: UUID, elements: list[CompositionElement]
) -> CompositionContext:
    ids: dict[str, object] = {
        "participant": ctx.settings.participant_id,
        "composition": composition_id,
    }
    return CompositionContext(
        composition_id=composition_id,
        elements=elements,
        reporter=ctx.reporter,
        log=_logger(ctx, ids),
    )
