"""How the runtime-side driver keeps participants in step: the SYNCs ACM-R sends, and its
automatic answers to REGISTER (restart SYNCs for a new replica, then REGISTER_ACK) and DEREGISTER.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from acm_participant.protocol import (
    AcTypeState,
    AnyMessage,
    AutomationCompositionDeployAck,
    ParticipantAckMessage,
    ParticipantDeregister,
    ParticipantDeregisterAck,
    ParticipantMessage,
    ParticipantRegister,
    ParticipantRegisterAck,
    ParticipantReqSync,
    ParticipantStatus,
    ParticipantSync,
    StateChangeResult,
)
from acm_participant.sim.build import MessageBuilder
from acm_participant.sim.model import CompositionModel, InstanceModel, RuntimeModel

__all__ = ["Synchronisation"]


class Synchronisation:
    """The sync methods of :class:`~acm_participant.sim.driver.AcmRuntimeDriver`."""

    if TYPE_CHECKING:  # provided by the driver
        model: RuntimeModel
        build: MessageBuilder
        auto_ack_register: bool
        auto_ack_deregister: bool
        restart_sync_on_register: bool
        auto_answer_req_sync: bool
        send: Callable[[ParticipantMessage | ParticipantAckMessage], Awaitable[None]]
        _instance: Callable[[UUID], tuple[InstanceModel, CompositionModel]]

    async def sync_restart(
        self, participant_id: UUID, replica_id: UUID | None = None
    ) -> list[ParticipantSync]:
        """Restart-flavour SYNCs: one per non-COMMISSIONED composition with the participant's
        elements (what ACM-R sends a new replica, or on ``PUT /participants/sync``)."""
        sent: list[ParticipantSync] = []
        for composition in self.model.compositions.values():
            if composition.state == AcTypeState.COMMISSIONED:
                continue
            if not composition.elements_of(participant_id):
                continue
            instances = [
                i
                for i in self.model.instances.values()
                if i.composition_id == composition.composition_id and i.elements_of(participant_id)
            ]
            message = self.build.sync_restart(
                composition, instances, participant_id, replica_id=replica_id
            )
            await self.send(message)
            sent.append(message)
        return sent

    async def sync(
        self,
        *,
        participant_id: UUID | None = None,
        replica_id: UUID | None = None,
        composition_id: UUID | None = None,
        instance_id: UUID | None = None,
        delete: bool = False,
        state_change_result: StateChangeResult | None = None,
    ) -> list[ParticipantSync]:
        """PARTICIPANT_SYNC_MSG in the flavour the arguments name: restart (``participant_id``,
        optionally ``replica_id``), instance (``instance_id``) or composition
        (``composition_id``)."""
        if participant_id is not None:
            return await self.sync_restart(participant_id, replica_id)
        if instance_id is not None:
            message = await self.sync_instance(
                instance_id, delete=delete, state_change_result=state_change_result
            )
            return [message]
        if composition_id is not None:
            message = await self.sync_composition(
                composition_id, state_change_result=state_change_result
            )
            return [message]
        raise ValueError("sync needs a participant_id, an instance_id or a composition_id")

    async def sync_composition(
        self, composition_id: UUID, *, state_change_result: StateChangeResult | None = None
    ) -> ParticipantSync:
        message = self.build.sync_composition(
            self.model.compositions[composition_id], state_change_result=state_change_result
        )
        await self.send(message)
        return message

    async def sync_instance(
        self,
        instance_id: UUID,
        *,
        delete: bool = False,
        state_change_result: StateChangeResult | None = None,
        exclude_replicas: Sequence[UUID] = (),
    ) -> ParticipantSync:
        instance, composition = self._instance(instance_id)
        message = self.build.sync_instance(
            composition,
            instance,
            delete=delete,
            state_change_result=state_change_result,
            exclude_replicas=exclude_replicas,
        )
        await self.send(message)
        return message

    async def _observe(self, message: AnyMessage) -> None:
        """Updates the model and answers as ACM-R does (REGISTER, DEREGISTER, REQ_SYNC)."""
        if isinstance(message, AutomationCompositionDeployAck):
            self.model.apply_ack(message)
        elif isinstance(message, ParticipantReqSync) and message.participant_id is not None:
            if self.auto_answer_req_sync:  # restart-flavour SYNCs, to every replica (§4.16)
                await self.sync_restart(message.participant_id)
        elif isinstance(message, ParticipantStatus):
            self.model.apply_status(message)
        elif isinstance(message, ParticipantRegister) and message.participant_id is not None:
            types = [
                (t.type_name, t.type_version) for t in message.participant_supported_element_type
            ]
            new_replica = self.model.record_register(
                message.participant_id, message.replica_id, types
            )
            if self.auto_ack_register:
                if new_replica and self.restart_sync_on_register:
                    await self.sync_restart(message.participant_id, message.replica_id)
                await self.send(
                    ParticipantRegisterAck(
                        response_to=message.message_id,
                        participant_id=message.participant_id,
                        replica_id=message.replica_id,
                        message="Participant Register Ack",
                    )
                )
        elif isinstance(message, ParticipantDeregister) and self.auto_ack_deregister:
            participant = self.model.participants.get(message.participant_id or UUID(int=0))
            if participant is not None and message.replica_id is not None:
                participant.replicas.discard(message.replica_id)
            await self.send(
                ParticipantDeregisterAck(
                    response_to=message.message_id, message="Participant Deregister Ack"
                )
            )
