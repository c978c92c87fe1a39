"""PREPARE: prepare an undeployed instance in stages (``preDeploy: true``), or review one."""

from __future__ import annotations

from acm_participant._core.adapters.orders import PrepareOrderMsg
from acm_participant._core.engine.jobs import ElementJob, spawn_element_job
from acm_participant._core.engine.runtime_context import RuntimeContext
from acm_participant._core.operations.instances import cached_elements, cached_instance
from acm_participant._core.state.cache import ElementEntry
from acm_participant._core.state.outcomes import Operation
from acm_participant._core.state.phases import next_stage, stages
from acm_participant.protocol.enums import DeployState, LockState, SubState

__all__ = ["on_prepare"]


def on_prepare(ctx: RuntimeContext, order: PrepareOrderMsg) -> None:
    instance = cached_instance(
        ctx,
        order,
        DeployState.UNDEPLOYED if order.pre_deploy else DeployState.DEPLOYED,
        LockState.NONE if order.pre_deploy else LockState.LOCKED,
    )
    instance.sub_state = SubState.PREPARING if order.pre_deploy else SubState.REVIEWING
    for element in order.elements:
        entry = instance.elements.get(element.element_id)
        if entry is None:
            instance.elements[element.element_id] = ElementEntry(
                element_id=element.element_id,
                definition=element.definition,
                properties=dict(element.properties),
                deploy_state=instance.deploy_state,
                lock_state=instance.lock_state,
            )
        else:
            entry.definition = element.definition
            if element.properties:
                entry.properties = dict(element.properties)
    for entry, _, composition in cached_elements(
        ctx, instance, instance.composition_id, order.elements
    ):
        current = entry.as_instance_element(order.instance_id)
        if order.pre_deploy:
            element_stages = stages(composition.properties, "prepare")
            if order.stage not in element_stages:
                continue
            job = ElementJob.answering(
                order,
                operation=Operation.PREPARE,
                method=ctx.handler.prepare,
                composition=composition,
                instance=current,
                stage=order.stage,
                next_stage=next_stage(element_stages, order.stage),
            )
        else:
            job = ElementJob.answering(
                order,
                operation=Operation.REVIEW,
                method=ctx.handler.review,
                composition=composition,
                instance=current,
            )
        spawn_element_job(ctx, job)
