"""Whole operations as ACM-R drives them: one message per start phase or stage, in order.

Each walk sends the next message only after the previous one's acks, and stops after a FAILED
ack, as ACM-R does. The single-message steps are the driver's (``deploy``, ``state_change``,
``migrate``); this mixin only sequences them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    DeployOrder,
    LockOrder,
    StateChangeResult,
)
from acm_participant.sim.migration import migrated_instance, migration_stages
from acm_participant.sim.model import ElementSpec, InstanceModel, RuntimeModel

__all__ = ["Acks", "PhaseWalks", "failed"]

Acks = list[AutomationCompositionDeployAck]


def failed(acks: Acks) -> bool:
    return any(ack.state_change_result == StateChangeResult.FAILED for ack in acks)


async def walk(steps: Iterable[int], send: Callable[[int, bool], Awaitable[Acks]]) -> Acks:
    """``send(step, first)`` for each step in order until one is acked FAILED; all the acks."""
    acks: Acks = []
    for index, step in enumerate(steps):
        step_acks = await send(step, index == 0)
        acks.extend(step_acks)
        if failed(step_acks):
            break
    return acks


class PhaseWalks:
    """The ``*_all_phases`` and ``migrate_all_stages`` scenarios of :class:`AcmRuntimeDriver`."""

    if TYPE_CHECKING:  # provided by the driver
        model: RuntimeModel
        _instance: Callable[[UUID], tuple[InstanceModel, object]]
        _phase_order: Callable[[InstanceModel, LockOrder], list[int]]
        deploy: Callable[..., Awaitable[Acks]]
        state_change: Callable[..., Awaitable[Acks]]
        migrate: Callable[..., Awaitable[Acks]]

    async def deploy_all_phases(self, instance_id: UUID, *, timeout: float | None = None) -> Acks:
        """DEPLOY per start phase, lowest first."""
        instance, _ = self._instance(instance_id)
        return await walk(
            self.model.phases(instance),
            lambda phase, first: self.deploy(
                instance_id, start_phase=phase, first_start_phase=first, timeout=timeout
            ),
        )

    async def state_change_all_phases(
        self,
        instance_id: UUID,
        deploy_order: DeployOrder,
        lock_order: LockOrder,
        *,
        timeout: float | None = None,
    ) -> Acks:
        """STATE_CHANGE per start phase: lowest first to unlock, highest first otherwise."""
        instance, _ = self._instance(instance_id)
        return await walk(
            self._phase_order(instance, lock_order),
            lambda phase, first: self.state_change(
                instance_id,
                deploy_order,
                lock_order,
                start_phase=phase,
                first_start_phase=first,
                timeout=timeout,
            ),
        )

    async def undeploy_all_phases(self, instance_id: UUID, *, timeout: float | None = None) -> Acks:
        return await self.state_change_all_phases(
            instance_id, DeployOrder.UNDEPLOY, LockOrder.NONE, timeout=timeout
        )

    async def delete_all_phases(self, instance_id: UUID, *, timeout: float | None = None) -> Acks:
        return await self.state_change_all_phases(
            instance_id, DeployOrder.DELETE, LockOrder.NONE, timeout=timeout
        )

    async def lock_all_phases(self, instance_id: UUID, *, timeout: float | None = None) -> Acks:
        return await self.state_change_all_phases(
            instance_id, DeployOrder.NONE, LockOrder.LOCK, timeout=timeout
        )

    async def unlock_all_phases(self, instance_id: UUID, *, timeout: float | None = None) -> Acks:
        return await self.state_change_all_phases(
            instance_id, DeployOrder.NONE, LockOrder.UNLOCK, timeout=timeout
        )

    async def migrate_all_stages(
        self,
        instance_id: UUID,
        target_composition_id: UUID,
        elements: Sequence[ElementSpec],
        *,
        rollback: bool = False,
        timeout: float | None = None,
    ) -> Acks:
        """MIGRATION per stage: lowest first, highest first for a rollback."""
        instance, _ = self._instance(instance_id)
        target = self.model.compositions[target_composition_id]
        migrated = migrated_instance(instance, target, elements)
        return await walk(
            migration_stages(migrated, target, rollback=rollback),
            lambda stage, first: self.migrate(
                instance_id,
                target_composition_id,
                elements,
                stage=stage,
                first_stage=first,
                rollback=rollback,
                timeout=timeout,
            ),
        )
