"""Route each decoded message: is it mine, which operation, does it pass the revision gate?

Runs in the consume loop, one message at a time, so cache updates happen in arrival order; the
element work itself runs in per-element tasks and never holds the loop.
"""

from __future__ import annotations

import logging

from acm_participant._core.adapters import wire as _wire
from acm_participant._core.adapters.filter import addressed_to
from acm_participant._core.adapters.orders import (
    DeployOrderMsg,
    MigrationOrderMsg,
    PrepareOrderMsg,
    StateChangeOrderMsg,
    UpdateOrderMsg,
)
from acm_participant._core.engine.gates import GatedOrder, ParkingLot, missing_for
from acm_participant._core.engine.liveness import Liveness
from acm_participant._core.engine.runtime_context import RuntimeContext
from acm_participant._core.operations.compositions import on_prime
from acm_participant._core.operations.instances import on_deploy, on_state_change, on_update
from acm_participant._core.operations.migration import on_migration
from acm_participant._core.operations.prepare import on_prepare
from acm_participant._core.operations.sync import on_sync
from acm_participant.protocol import (
    AnyMessage,
    AutomationCompositionDeploy,
    AutomationCompositionMigration,
    AutomationCompositionPrepare,
    AutomationCompositionStateChange,
    ParticipantAckMessage,
    ParticipantDeregisterAck,
    ParticipantPrime,
    ParticipantRegisterAck,
    ParticipantRestart,
    ParticipantStateChange,
    ParticipantStatusReq,
    ParticipantSync,
    PropertiesUpdate,
)

__all__ = ["Dispatcher"]

_log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, ctx: RuntimeContext, liveness: Liveness) -> None:
        self._ctx = ctx
        self._liveness = liveness
        self.parked = ParkingLot()

    def is_for_me(self, message: AnyMessage) -> bool:
        settings = self._ctx.settings
        plist = () if isinstance(message, ParticipantAckMessage) else message.participant_id_list
        return addressed_to(
            participant_id=settings.participant_id,
            replica_id=self._ctx.replica_id,
            msg_participant_id=message.participant_id,
            msg_replica_id=message.replica_id,
            participant_id_list=plist,
        )

    async def dispatch(self, message: AnyMessage) -> None:
        """Act on one message; messages of types a participant does not consume are dropped."""
        if not self.is_for_me(message):
            return
        me = self._ctx.settings.participant_id
        match message:
            case ParticipantRegisterAck():
                self._received(message)
                await self._liveness.on_register_ack()
            case ParticipantStatusReq():
                self._received(message)
                await self._liveness.tick()
            case ParticipantPrime():
                self._received(message)
                on_prime(self._ctx, _wire.read_prime(message, me))
            case AutomationCompositionDeploy():
                await self._gated(message, _wire.read_deploy(message, me))
            case AutomationCompositionStateChange():
                await self._gated(message, _wire.read_state_change(message, me))
            case PropertiesUpdate():
                await self._gated(message, _wire.read_update(message, me))
            case AutomationCompositionMigration():
                await self._gated(message, _wire.read_migration(message, me))
            case AutomationCompositionPrepare():
                await self._gated(message, _wire.read_prepare(message, me))
            case ParticipantSync():
                if self._ctx.replica_id in message.exclude_replicas:
                    return
                self._received(message)
                on_sync(self._ctx, _wire.read_sync(message, me))
                await self._release_parked()
            case ParticipantDeregisterAck() | ParticipantRestart() | ParticipantStateChange():
                _log.debug("%s consumed without reply", message.message_type.value)
            case _:
                pass  # what participants send (our own included): not for us to act on

    def _received(self, message: AnyMessage) -> None:
        self._ctx.observer.message_received(message.message_type.value)

    async def _gated(self, message: AnyMessage, order: GatedOrder) -> None:
        # A message naming none of my elements, for an instance I do not hold, is not for me;
        # STATE_CHANGE and review carry no element list at all, so they always go on.
        if (
            not order.has_element_list
            and not self._knows(order)
            and not isinstance(order, StateChangeOrderMsg | PrepareOrderMsg)
        ):
            return
        self._received(message)
        missing = missing_for(self._ctx.store, order)
        if missing:
            _log.info("message %s parked until SYNC of %s", order.message_id, missing)
            self.parked.park(order)
            await self._ctx.outbox.request_sync(
                composition_id=missing.composition_id,
                instance_id=missing.instance_id,
                composition_target_id=missing.composition_target_id,
            )
            return
        await self._run(order)

    def _knows(self, order: GatedOrder) -> bool:
        return order.instance_id in self._ctx.store.instances

    async def _run(self, order: GatedOrder) -> None:
        ctx = self._ctx
        if isinstance(order, DeployOrderMsg):
            on_deploy(ctx, order)
        elif isinstance(order, StateChangeOrderMsg):
            await on_state_change(ctx, order)
        elif isinstance(order, UpdateOrderMsg):
            on_update(ctx, order)
        elif isinstance(order, MigrationOrderMsg):
            on_migration(ctx, order)
        else:
            on_prepare(ctx, order)

    async def _release_parked(self) -> None:
        for order in self.parked.take_ready(self._ctx.store):
            _log.info("parked message %s runs after SYNC", order.message_id)
            await self._run(order)
