"""Revision gates (docs/protocol.md §6.9): act only on what matches the cached revisions.

An absent revision (runtime older than 8.2.1) always passes. A failing message is parked and a
REQ_SYNC names exactly the ids that failed; each SYNC releases the parked messages that now pass.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from acm_participant._core.adapters.orders import (
    DeployOrderMsg,
    MigrationOrderMsg,
    PrepareOrderMsg,
    StateChangeOrderMsg,
    UpdateOrderMsg,
)
from acm_participant._core.state.cache import ParticipantCache
from acm_participant.protocol.enums import DeployOrder, MigrationState

__all__ = ["GatedOrder", "Missing", "ParkingLot", "missing_for"]

_log = logging.getLogger(__name__)

GatedOrder = (
    DeployOrderMsg | StateChangeOrderMsg | UpdateOrderMsg | MigrationOrderMsg | PrepareOrderMsg
)

MAX_PARKED = 256


@dataclass(frozen=True)
class Missing:
    """The ids whose cached revision is missing or outdated (what REQ_SYNC asks for)."""

    composition_id: UUID | None = None
    instance_id: UUID | None = None
    composition_target_id: UUID | None = None

    def __bool__(self) -> bool:
        return any((self.composition_id, self.instance_id, self.composition_target_id))


def _composition_ok(cache: ParticipantCache, composition_id: UUID, revision: UUID | None) -> bool:
    if revision is None:
        return True
    entry = cache.compositions.get(composition_id)
    return entry is not None and entry.revision_id == revision


def _instance_ok(cache: ParticipantCache, instance_id: UUID, revision: UUID | None) -> bool:
    if revision is None:
        return True
    entry = cache.instances.get(instance_id)
    return entry is not None and entry.revision_id == revision


def _needs_instance(order: GatedOrder) -> bool:
    if isinstance(order, DeployOrderMsg):
        return False
    if isinstance(order, StateChangeOrderMsg):
        return order.deploy_order is not DeployOrder.DELETE
    if isinstance(order, PrepareOrderMsg):
        return not order.pre_deploy
    if isinstance(order, MigrationOrderMsg):
        return not order.has_element_list or any(
            e.migration_state is not MigrationState.NEW for e in order.elements
        )
    return True


def missing_for(cache: ParticipantCache, order: GatedOrder) -> Missing:
    composition = (
        None
        if _composition_ok(cache, order.composition_id, order.revision_composition)
        else order.composition_id
    )
    instance = (
        order.instance_id
        if _needs_instance(order)
        and not _instance_ok(cache, order.instance_id, order.revision_instance)
        else None
    )
    target = None
    if isinstance(order, MigrationOrderMsg) and (
        not order.has_element_list
        or any(e.migration_state is not MigrationState.REMOVED for e in order.elements)
    ):
        cached = cache.compositions.get(order.composition_target_id)
        revision = order.revision_composition_target
        if cached is None or (revision is not None and cached.revision_id != revision):
            target = order.composition_target_id
    return Missing(composition_id=composition, instance_id=instance, composition_target_id=target)


class ParkingLot:
    """Messages waiting for a SYNC, oldest first; bounded so a silent runtime cannot fill memory."""

    def __init__(self) -> None:
        self._parked: list[GatedOrder] = []

    def __len__(self) -> int:
        return len(self._parked)

    def park(self, order: GatedOrder) -> None:
        if len(self._parked) >= MAX_PARKED:
            dropped = self._parked.pop(0)
            _log.warning("parking full: dropped message %s", dropped.message_id)
        self._parked.append(order)

    def take_ready(self, cache: ParticipantCache) -> list[GatedOrder]:
        """Remove and return, oldest first, the parked messages whose gates now pass."""
        ready = [order for order in self._parked if not missing_for(cache, order)]
        self._parked = [order for order in self._parked if order not in ready]
        return ready
