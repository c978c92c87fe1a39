"""Builds what a handler's operation receives: the element's context, logger and log fields."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from acm_participant._core.engine.runtime_context import RuntimeContext
from acm_participant.context import (
    CompositionContext,
    CompositionElement,
    ElementContext,
    ElementLogger,
    ElementReporter,
    InstanceElement,
)
from acm_participant.protocol.enums import DeployState, LockState

__all__ = [
    "build_element_context",
    "composition_context",
    "element_context",
    "element_log_fields",
]


def build_element_context(
    operation: str,
    composition: CompositionElement,
    instance: InstanceElement,
    *,
    reporter: ElementReporter,
    logger_name: str,
    participant_id: UUID | None = None,
    stage: int | None = None,
    updated: InstanceElement | None = None,
    target: CompositionElement | None = None,
    deploy_state: DeployState | None = None,
    lock_state: LockState | None = None,
) -> ElementContext:
    """An operation's context, its logger bound to the element's ids."""
    ids = {
        "participant": participant_id,
        "composition": (target or composition).composition_id,
        "instance": instance.instance_id,
        "element": instance.element_id,
    }
    log: ElementLogger = logging.LoggerAdapter(
        logging.getLogger(logger_name), {k: v for k, v in ids.items() if v is not None}
    )
    return ElementContext(
        operation=operation,
        composition=composition,
        instance=instance,
        reporter=reporter,
        log=log,
        stage=stage,
        updated=updated,
        target=target,
        deploy_state=deploy_state,
        lock_state=lock_state,
    )


def element_context(
    ctx: RuntimeContext,
    operation: str,
    composition: CompositionElement,
    instance: InstanceElement,
    **details: Any,
) -> ElementContext:
    """The context the runtime hands ``ctx.handler`` (``details``: stage, updated, target,
    deploy_state, lock_state)."""
    return build_element_context(
        operation,
        composition,
        instance,
        reporter=ctx.reporter,
        logger_name=type(ctx.handler).__module__,
        participant_id=ctx.settings.participant_id,
        **details,
    )


def element_log_fields(ctx: RuntimeContext, element: ElementContext) -> dict[str, object]:
    """The ids bound to every log line of an operation, plus the handler's own fields."""
    return {**element.log.extra, **ctx.handler.log_fields(element)} if element.log.extra else {}


def composition_context(
    ctx: RuntimeContext, composition_id: UUID, elements: list[CompositionElement]
) -> CompositionContext:
    ids = {"participant": ctx.settings.participant_id, "composition": composition_id}
    log = logging.LoggerAdapter(logging.getLogger(type(ctx.handler).__module__), ids)
    return CompositionContext(
        composition_id=composition_id, elements=elements, reporter=ctx.reporter, log=log
    )
