"""The ElementReporter handed to the handler: report element state and info at any time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from acm_participant._core.engine.runtime_context import ElementAck, RuntimeContext
from acm_participant.context import ElementDefinitionId
from acm_participant.protocol.enums import DeployState, LockState, StateChangeResult

__all__ = ["RuntimeReporter"]


class RuntimeReporter:
    def __init__(self, ctx: RuntimeContext) -> None:
        self._ctx = ctx

    async def report_element_state(
        self,
        instance_id: UUID,
        element_id: UUID,
        *,
        deploy_state: DeployState | None = None,
        lock_state: LockState | None = None,
        result: StateChangeResult = StateChangeResult.NO_ERROR,
        message: str | None = None,
        stage: int | None = None,
    ) -> None:
        if result is StateChangeResult.TIMEOUT:
            raise ValueError("TIMEOUT is ACM-R's to say; report FAILED instead")
        instance = self._ctx.store.instances.get(instance_id)
        entry = instance.elements.get(element_id) if instance is not None else None
        # As Java's updateAutomationCompositionElementState: a reported deployState implies
        # LOCKED when DEPLOYED else NONE; a reported lockState replaces only the lockState.
        deploy = deploy_state or (entry.deploy_state if entry else DeployState.UNDEPLOYED)
        if lock_state is not None:
            lock = lock_state
        elif deploy_state is not None:
            lock = LockState.LOCKED if deploy_state is DeployState.DEPLOYED else LockState.NONE
        else:
            lock = entry.lock_state if entry else LockState.NONE
        if stage is None and (deploy.is_transitional or lock.is_transitional):
            # ACM-R drops a whole ack holding a transitional state without a stage (C36).
            raise ValueError(f"{deploy}/{lock} is transitional: report a final state or a stage")
        if entry is not None and stage is None:
            self._ctx.store.report(entry, deploy, lock)
        await self._ctx.outbox.element_ack(
            ElementAck(
                instance_id=instance_id,
                element_id=element_id,
                deploy_state=deploy,
                lock_state=lock,
                result=result,
                message=message,
                response_to=None,
                stage=stage,
            )
        )
        if entry is not None and instance is not None and deploy is DeployState.DELETED:
            instance.elements.pop(element_id, None)
            if not instance.elements:
                self._ctx.store.drop_instance(instance_id)

    async def report_element_info(
        self,
        instance_id: UUID,
        element_id: UUID,
        *,
        out_properties: Mapping[str, Any] | None = None,
        operational_state: str | None = None,
        use_state: str | None = None,
    ) -> None:
        instance = self._ctx.store.instances.get(instance_id)
        entry = instance.elements.get(element_id) if instance is not None else None
        if entry is None:
            return  # ACM-R skips unknown element ids as well
        if out_properties is not None:
            entry.out_properties = dict(out_properties)
        if operational_state is not None:
            entry.operational_state = operational_state
        if use_state is not None:
            entry.use_state = use_state
        await self._ctx.outbox.element_info(instance_id, element_id)

    async def report_composition_info(
        self,
        composition_id: UUID,
        definition_id: ElementDefinitionId,
        *,
        out_properties: Mapping[str, Any],
    ) -> None:
        entry = self._ctx.store.compositions.get(composition_id)
        if entry is not None and definition_id in entry.definitions:
            old = entry.definitions[definition_id]
            entry.definitions[definition_id] = type(old)(
                composition_id=old.composition_id,
                definition_id=old.definition_id,
                properties=old.properties,
                out_properties=dict(out_properties),
            )
        await self._ctx.outbox.composition_info(composition_id, definition_id, out_properties)
