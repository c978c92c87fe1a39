"""The element store: the cache of compositions and instances, and the one owner of every
element state transition.

Operations never assign an element's deploy or lock state: they ask the store to ``begin`` an
operation (the transitional states ACM-R expects while it runs), and the job that ran it asks the
store to ``settle`` it (the final states of the ack, the outcome's live status) or to ``report``
a state the handler reported later. Reading stays plain attribute access on the cache entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from acm_participant._core.state.cache import ElementEntry, ParticipantCache
from acm_participant._core.state.outcomes import (
    Operation,
    StatePair,
    failure_states,
    success_states,
)
from acm_participant.context import ElementOutcome
from acm_participant.protocol.enums import DeployState, LockState

__all__ = ["ElementStore", "Settled"]

_D, _L = DeployState, LockState
# While an operation runs: (deploy state, lock state); None keeps the current one.
_RUNNING: dict[Operation, tuple[DeployState | None, LockState | None]] = {
    Operation.DEPLOY: (_D.DEPLOYING, _L.LOCKED),
    Operation.UNDEPLOY: (_D.UNDEPLOYING, None),
    Operation.DELETE: (_D.DELETING, None),
    Operation.LOCK: (None, _L.LOCKING),
    Operation.UNLOCK: (None, _L.UNLOCKING),
    Operation.UPDATE: (_D.UPDATING, None),
    Operation.MIGRATE: (_D.MIGRATING, None),
    Operation.ROLLBACK: (_D.MIGRATION_REVERTING, None),
}


@dataclass(frozen=True, slots=True)
class Settled:
    """What the ack of a finished operation says."""

    states: StatePair
    stage: int | None
    info_changed: bool
    entry: ElementEntry | None


class ElementStore(ParticipantCache):
    def element(self, instance_id: UUID, element_id: UUID) -> ElementEntry | None:
        instance = self.instances.get(instance_id)
        return instance.elements.get(element_id) if instance is not None else None

    def begin(self, entry: ElementEntry, operation: Operation) -> None:
        """The element enters the transitional states of ``operation``."""
        deploy, lock = _RUNNING.get(operation, (None, None))
        if deploy is not None:
            entry.deploy_state = deploy
        if lock is not None:
            entry.lock_state = lock

    def settle(
        self,
        instance_id: UUID,
        element_id: UUID,
        operation: Operation,
        *,
        ok: bool,
        outcome: ElementOutcome | None,
        next_stage: int | None,
    ) -> Settled:
        """The element takes the result of ``operation``: its success or failure states (or,
        between stages, keeps its states and acks the next stage) and the outcome's live status.
        """
        entry = self.element(instance_id, element_id)
        stage: int | None = None
        if ok and next_stage is not None:
            states = (
                StatePair(entry.deploy_state, entry.lock_state)
                if entry is not None
                else success_states(operation)
            )
            stage = next_stage
        else:
            states = success_states(operation) if ok else failure_states(operation)
        info_changed = outcome is not None and (
            outcome.out_properties is not None
            or outcome.operational_state is not None
            or outcome.use_state is not None
        )
        if entry is not None:
            if stage is None:
                entry.deploy_state, entry.lock_state = states.deploy, states.lock
            if outcome is not None and info_changed:
                if outcome.out_properties is not None:
                    entry.out_properties = dict(outcome.out_properties)
                if outcome.operational_state is not None:
                    entry.operational_state = outcome.operational_state
                if outcome.use_state is not None:
                    entry.use_state = outcome.use_state
        return Settled(states, stage, info_changed, entry)

    def report(self, entry: ElementEntry, deploy: DeployState, lock: LockState) -> None:
        """A state the handler reported on its own (a late ack)."""
        entry.deploy_state, entry.lock_state = deploy, lock

    def forget_if_deleted(self, instance_id: UUID, element_id: UUID, settled: Settled) -> None:
        """A DELETED element leaves the store; an instance without elements goes with it."""
        instance = self.instances.get(instance_id)
        if settled.entry is None or instance is None or settled.states.deploy is not _D.DELETED:
            return
        instance.elements.pop(element_id, None)
        if not instance.elements:
            self.drop_instance(instance_id)
