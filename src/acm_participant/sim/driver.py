"""Plays the ACM runtime's side over any Transport: a black-box peer of participants.

It sends what ACM-R sends (prime, deploy per start phase, state changes, updates, migrations,
prepare/review, syncs, status requests), answers REGISTER and DEREGISTER as ACM-R does, keeps
every message participants send in ``received`` and awaits acks with deadlines that fail with a
message naming what is missing. It keeps the runtime's view in a :class:`RuntimeModel`, so the
simulator can reuse it. It never imports the participant runtime (an import-linter contract).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from uuid import UUID

from acm_participant.protocol import (
    AcTypeState,
    AnyMessage,
    DeployOrder,
    DeployState,
    LockOrder,
    LockState,
    MigrationState,
    ParticipantAckMessage,
    ParticipantMessage,
    ParticipantPrimeAck,
    ParticipantRegister,
    ParticipantStatus,
    ParticipantStatusReq,
    StateChangeResult,
    ToscaNodeTemplate,
)
from acm_participant.sim.build import MessageBuilder
from acm_participant.sim.collector import AckCollector
from acm_participant.sim.inbox import AckTimeout, MessageTimeout
from acm_participant.sim.migration import adopt_migration, migrated_instance, migration_stages
from acm_participant.sim.model import (
    CompositionModel,
    ElementSpec,
    InstanceElementModel,
    InstanceModel,
    RuntimeModel,
)
from acm_participant.sim.scenarios import Acks, PhaseWalks
from acm_participant.sim.scenarios import failed as _failed
from acm_participant.sim.sender import Sender
from acm_participant.sim.syncs import Synchronisation
from acm_participant.startstop import StartStop
from acm_participant.transport.base import Transport

__all__ = ["AckTimeout", "AcmRuntimeDriver", "MessageTimeout"]

log = logging.getLogger(__name__)

M = TypeVar("M")

_TRANSITIONAL: dict[tuple[DeployOrder, LockOrder], tuple[DeployState | None, LockState | None]] = {
    (DeployOrder.UNDEPLOY, LockOrder.NONE): (DeployState.UNDEPLOYING, None),
    (DeployOrder.DELETE, LockOrder.NONE): (DeployState.DELETING, None),
    (DeployOrder.NONE, LockOrder.LOCK): (None, LockState.LOCKING),
    (DeployOrder.NONE, LockOrder.UNLOCK): (None, LockState.UNLOCKING),
}
_FINAL_STATES: dict[tuple[DeployOrder, LockOrder], tuple[DeployState, LockState]] = {
    (DeployOrder.UNDEPLOY, LockOrder.NONE): (DeployState.UNDEPLOYED, LockState.NONE),
    (DeployOrder.DELETE, LockOrder.NONE): (DeployState.DELETED, LockState.NONE),
    (DeployOrder.NONE, LockOrder.LOCK): (DeployState.DEPLOYED, LockState.LOCKED),
    (DeployOrder.NONE, LockOrder.UNLOCK): (DeployState.DEPLOYED, LockState.UNLOCKED),
}


class AcmRuntimeDriver(Synchronisation, PhaseWalks, StartStop):
    """ACM-R's side over ``transport`` (subscribed to the operation topic in the runtime's group).

    With DMaaP, give the same topic for ``operation_topic`` and ``sync_topic``.
    ``legacy=True`` sends the Quebec shape (no DTO lists, no ``primeOrder``).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        operation_topic: str = "policy-acruntime-participant",
        sync_topic: str = "acm-ppnt-sync",
        legacy: bool = False,
        auto_ack_register: bool = True,
        auto_ack_deregister: bool = True,
        restart_sync_on_register: bool = True,
        auto_answer_req_sync: bool = True,
        timeout: float = 30.0,
        model: RuntimeModel | None = None,
    ) -> None:
        self.sender = Sender(transport, operation_topic=operation_topic, sync_topic=sync_topic)
        self.collector = AckCollector(transport, self._observe)
        self.transport = transport
        self.operation_topic = operation_topic
        self.sync_topic = sync_topic
        self.build = MessageBuilder(legacy=legacy)
        self.auto_ack_register = auto_ack_register
        self.auto_ack_deregister = auto_ack_deregister
        self.restart_sync_on_register = restart_sync_on_register
        self.auto_answer_req_sync = auto_answer_req_sync
        self.timeout = timeout
        self.model = model or RuntimeModel()
        self.inbox = self.collector.inbox
        self.sent = self.sender.sent
        """Every message sent, in order."""
        self.undecodable = self.collector.undecodable
        """Records that could not be decoded (skipped, as ACM-R does)."""

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        await self.transport.start()
        self.collector.start()

    async def stop(self) -> None:
        await self.collector.stop()
        await self.transport.stop()

    @property
    def received(self) -> list[AnyMessage]:
        """Every message participants sent, in arrival order."""
        return self.inbox.received

    # --- generic send and wait -------------------------------------------------------------

    async def send(self, message: ParticipantMessage | ParticipantAckMessage) -> None:
        await self.sender.send(message)

    def mark(self) -> int:
        return self.inbox.mark()

    async def wait_for(
        self,
        predicate: Callable[[AnyMessage], bool],
        timeout: float | None = None,
        *,
        since: int = 0,
    ) -> AnyMessage:
        return await self.inbox.wait_for(predicate, timeout=self._timeout(timeout), since=since)

    async def expect(
        self,
        message_type: type[M],
        *,
        where: Callable[[M], bool] | None = None,
        timeout: float | None = None,
        since: int = 0,
    ) -> M:
        """The first ``message_type`` message at or after ``since`` matching ``where``."""

        def matches(message: AnyMessage) -> bool:
            return isinstance(message, message_type) and (where is None or where(message))

        found = await self.inbox.wait_for(
            matches, timeout=self._timeout(timeout), since=since, what=message_type.__name__
        )
        assert isinstance(found, message_type)
        return found

    async def wait_for_register(
        self, timeout: float | None = None, *, participant_id: UUID | None = None
    ) -> ParticipantRegister:
        """A REGISTER (received at any time), answered already if ``auto_ack_register``."""
        return await self.expect(
            ParticipantRegister,
            where=lambda m: participant_id is None or m.participant_id == participant_id,
            timeout=timeout,
        )

    async def status_request(
        self, participant_id: UUID | None = None, *, timeout: float | None = None
    ) -> ParticipantStatus:
        """STATUS_REQ (targeted or broadcast) and the STATUS it triggers."""
        request = ParticipantStatusReq(
            participant_id=participant_id,
            participant_id_list=[participant_id] if participant_id else [],
        )
        since = self.mark()
        await self.send(request)
        return await self.expect(
            ParticipantStatus,
            where=lambda m: participant_id is None or m.participant_id == participant_id,
            timeout=timeout,
            since=since,
        )

    # --- compositions -------------------------------------------------------------------------

    async def prime(
        self,
        composition_id: UUID,
        participant_id: UUID,
        definitions: Sequence[ToscaNodeTemplate],
        *,
        timeout: float | None = None,
    ) -> ParticipantPrimeAck:
        """PRIME the node templates (owned by ``participant_id``); returns its PRIME_ACK."""
        composition = self.model.add_composition(composition_id, definitions, participant_id)
        composition.state = AcTypeState.PRIMING
        acks = await self._prime(composition, deprime=False, timeout=timeout)
        return acks[0]

    async def deprime(
        self, composition_id: UUID, *, timeout: float | None = None
    ) -> ParticipantPrimeAck:
        """DEPRIME; returns the PRIME_ACK of the composition's (first) participant."""
        composition = self.model.compositions[composition_id]
        composition.state = AcTypeState.DEPRIMING
        acks = await self._prime(composition, deprime=True, timeout=timeout)
        return acks[0]

    async def _prime(
        self, composition: CompositionModel, *, deprime: bool, timeout: float | None
    ) -> list[ParticipantPrimeAck]:
        message = self.build.prime(composition, deprime=deprime)
        since = self.mark()
        await self.send(message)
        acks: list[ParticipantPrimeAck] = []
        for participant in composition.participants():

            def answers(ack: ParticipantPrimeAck, owner: UUID = participant) -> bool:
                return ack.composition_id == composition.composition_id and (
                    ack.participant_id == owner
                )

            acks.append(
                await self.expect(ParticipantPrimeAck, where=answers, timeout=timeout, since=since)
            )
        states = {ack.composition_state for ack in acks}
        failed = any(ack.state_change_result == StateChangeResult.FAILED for ack in acks)
        if not failed and len(states) == 1 and None not in states:
            composition.state = acks[0].composition_state or composition.state
        return acks

    # --- instances ----------------------------------------------------------------------------

    def add_instance(
        self, instance_id: UUID, composition_id: UUID, elements: Sequence[ElementSpec]
    ) -> InstanceModel:
        """Creates an UNDEPLOYED instance in the runtime model (nothing is sent)."""
        return self.model.add_instance(instance_id, composition_id, elements)

    async def deploy(
        self,
        instance_id: UUID,
        *,
        start_phase: int | None = None,
        first_start_phase: bool | None = None,
        timeout: float | None = None,
    ) -> Acks:
        """One DEPLOY (default: lowest phase, ``firstStartPhase`` when it is the lowest); the acks
        of that phase's elements."""
        instance, composition = self._instance(instance_id)
        phase, first = _pick(self.model.phases(instance), start_phase, first_start_phase)
        message = self.build.deploy(
            composition, instance, start_phase=phase, first_start_phase=first
        )
        if first:
            # As ACM-R: the whole instance is DEPLOYING from the first DEPLOY on (only what is
            # not DEPLOYED yet, on a retry), which is what its restart SYNC then reports.
            instance.deploy_state = DeployState.DEPLOYING
            for element in instance.elements.values():
                if element.deploy_state != DeployState.DEPLOYED:
                    element.deploy_state = DeployState.DEPLOYING
        acks = await self._send_for_acks(
            message,
            instance,
            self.model.elements_in_phase(instance, phase),
            timeout,
            f"DEPLOY phase {phase}",
        )
        self._settle(instance, acks, DeployState.DEPLOYED, LockState.LOCKED)
        return acks

    async def undeploy(self, instance_id: UUID, **kwargs: Any) -> Acks:
        """One UNDEPLOY STATE_CHANGE (default: highest phase)."""
        return await self.state_change(instance_id, DeployOrder.UNDEPLOY, LockOrder.NONE, **kwargs)

    async def delete(self, instance_id: UUID, **kwargs: Any) -> Acks:
        return await self.state_change(instance_id, DeployOrder.DELETE, LockOrder.NONE, **kwargs)

    async def lock(self, instance_id: UUID, **kwargs: Any) -> Acks:
        return await self.state_change(instance_id, DeployOrder.NONE, LockOrder.LOCK, **kwargs)

    async def unlock(self, instance_id: UUID, **kwargs: Any) -> Acks:
        return await self.state_change(instance_id, DeployOrder.NONE, LockOrder.UNLOCK, **kwargs)

    def _phase_order(self, instance: InstanceModel, lock_order: LockOrder) -> list[int]:
        """Unlock runs lowest phase first; undeploy, delete and lock highest first."""
        phases = self.model.phases(instance)
        return phases if lock_order == LockOrder.UNLOCK else phases[::-1]

    async def state_change(
        self,
        instance_id: UUID,
        deploy_order: DeployOrder,
        lock_order: LockOrder,
        *,
        start_phase: int | None = None,
        first_start_phase: bool | None = None,
        timeout: float | None = None,
    ) -> Acks:
        """One STATE_CHANGE for one phase; the acks of that phase's elements."""
        instance, composition = self._instance(instance_id)
        order = self._phase_order(instance, lock_order)
        phase, first = _pick(order, start_phase, first_start_phase)
        message = self.build.state_change(
            composition,
            instance,
            deploy_order=deploy_order,
            lock_order=lock_order,
            start_phase=phase,
            first_start_phase=first,
        )
        label = deploy_order.value if deploy_order != DeployOrder.NONE else lock_order.value
        self._mark_transitional(instance, phase, deploy_order, lock_order)
        acks = await self._send_for_acks(
            message,
            instance,
            self.model.elements_in_phase(instance, phase),
            timeout,
            f"STATE_CHANGE {label} phase {phase}",
        )
        deploy_state, lock_state = _FINAL_STATES[(deploy_order, lock_order)]
        self._settle(instance, acks, deploy_state, lock_state)
        return acks

    def _mark_transitional(
        self, instance: InstanceModel, phase: int, deploy_order: DeployOrder, lock_order: LockOrder
    ) -> None:
        """The states ACM-R records while a STATE_CHANGE of ``phase`` runs."""
        deploy, lock = _TRANSITIONAL[(deploy_order, lock_order)]
        for element in self.model.elements_in_phase(instance, phase):
            if deploy is not None:
                element.deploy_state = deploy
            if lock is not None:
                element.lock_state = lock

    async def update(
        self,
        instance_id: UUID,
        properties: Mapping[UUID, Mapping[str, Any]],
        *,
        rollback: bool = False,
        timeout: float | None = None,
    ) -> Acks:
        """PROPERTIES_UPDATE with new full properties per element id (others keep theirs)."""
        instance, composition = self._instance(instance_id)
        message = self.build.update(composition, instance, properties, rollback=rollback)
        acks = await self._send_for_acks(
            message, instance, list(instance.elements.values()), timeout, "PROPERTIES_UPDATE"
        )
        if not _failed(acks):
            for element_id, props in properties.items():
                if element_id in instance.elements:
                    instance.elements[element_id].properties = dict(props)
        return acks

    async def migrate(
        self,
        instance_id: UUID,
        target_composition_id: UUID,
        elements: Sequence[ElementSpec],
        *,
        stage: int | None = None,
        first_stage: bool | None = None,
        precheck: bool = False,
        rollback: bool = False,
        timeout: float | None = None,
    ) -> Acks:
        """One MIGRATION message: the instance's elements as they will be in the target
        composition (``elements``: known ids stay, new ids are NEW, missing ids REMOVED).

        Awaits the acks of the elements taking part in ``stage`` (default: the first stage of
        the direction: lowest, or highest on rollback); all elements for a precheck. After the
        last stage acked without failure, the model moves the instance to the target.
        """
        instance, composition = self._instance(instance_id)
        target = self.model.compositions[target_composition_id]
        migrated = migrated_instance(instance, target, elements)
        stages = migration_stages(migrated, target, rollback=rollback)
        current = stages[0] if stage is None else stage
        first = current == stages[0] if first_stage is None else first_stage
        message = self.build.migrate(
            composition,
            target,
            instance,
            migrated,
            stage=0 if precheck else current,
            first_stage=first,
            precheck=precheck,
            rollback=rollback,
        )
        if precheck:
            expected = [
                e for e in migrated.elements.values() if e.migration_state != MigrationState.REMOVED
            ]
        else:
            expected = [
                e
                for e in migrated.elements.values()
                if (e.migration_state == MigrationState.REMOVED and first)
                or (
                    e.migration_state != MigrationState.REMOVED
                    and current in target.element(e.definition).stages("migrate")
                )
            ]
        kind = "precheck" if precheck else "rollback" if rollback else "migrate"
        acks = await self._send_for_acks(
            message, migrated, expected, timeout, f"MIGRATION {kind} stage {current}"
        )
        if not precheck and current == stages[-1] and not _failed(acks):
            adopt_migration(instance, migrated, target)
        return acks

    async def prepare(
        self, instance_id: UUID, *, stage: int | None = None, timeout: float | None = None
    ) -> Acks:
        """PREPARE (``preDeploy``) of an undeployed instance, one prepare stage (default lowest)."""
        instance, composition = self._instance(instance_id)
        stages = sorted(
            {
                s
                for e in instance.elements.values()
                for s in composition.element(e.definition).stages("prepare")
            }
        )
        current = stages[0] if stage is None else stage
        expected = [
            e
            for e in instance.elements.values()
            if current in composition.element(e.definition).stages("prepare")
        ]
        message = self.build.prepare(composition, instance, pre_deploy=True, stage=current)
        return await self._send_for_acks(
            message, instance, expected, timeout, f"PREPARE stage {current}"
        )

    async def review(self, instance_id: UUID, *, timeout: float | None = None) -> Acks:
        """PREPARE with ``preDeploy: false``: review every element of a deployed instance."""
        instance, composition = self._instance(instance_id)
        message = self.build.prepare(composition, instance, pre_deploy=False, stage=0)
        return await self._send_for_acks(
            message, instance, list(instance.elements.values()), timeout, "REVIEW"
        )

    # --- internals ------------------------------------------------------------------------------

    def _timeout(self, timeout: float | None) -> float:
        return self.timeout if timeout is None else timeout

    def _instance(self, instance_id: UUID) -> tuple[InstanceModel, CompositionModel]:
        instance = self.model.instances[instance_id]
        return instance, self.model.compositions[instance.composition_id]

    async def _send_for_acks(
        self,
        message: ParticipantMessage,
        instance: InstanceModel,
        expected: Sequence[InstanceElementModel],
        timeout: float | None,
        what: str,
    ) -> Acks:
        since = self.mark()
        await self.send(message)
        names = {e.element_id: f"{e.element_id} ({e.definition})" for e in expected}
        return await self.inbox.wait_for_acks(
            instance.instance_id,
            {e.element_id: e.participant_id for e in expected},
            timeout=self._timeout(timeout),
            since=since,
            what=what,
            describe=lambda element_id: names.get(element_id, str(element_id)),
        )

    def _settle(
        self, instance: InstanceModel, acks: Acks, deploy_state: DeployState, lock_state: LockState
    ) -> None:
        """Once every element reached the operation's final states, the instance takes them."""
        if _failed(acks):
            return
        if deploy_state == DeployState.DELETED:
            if not instance.elements:
                self.model.instances.pop(instance.instance_id, None)
            return
        if all(
            e.deploy_state == deploy_state and e.lock_state == lock_state
            for e in instance.elements.values()
        ):
            instance.deploy_state, instance.lock_state = deploy_state, lock_state


def _pick(order: list[int], phase: int | None, first: bool | None) -> tuple[int, bool]:
    """The phase to send (default: the first of ``order``) and whether it is the first one."""
    chosen = order[0] if phase is None else phase
    return chosen, (chosen == order[0] if first is None else first)
