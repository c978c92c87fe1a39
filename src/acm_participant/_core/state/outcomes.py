"""The element states each operation acks on success and on failure (docs/protocol.md §6.0)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from acm_participant.protocol.enums import DeployState, LockState

__all__ = ["Operation", "StatePair", "failure_states", "success_states"]


class Operation(StrEnum):
    """Element operations, named as the Observer's ``operation_finished`` reports them."""

    DEPLOY = "deploy"
    UNDEPLOY = "undeploy"
    DELETE = "delete"
    LOCK = "lock"
    UNLOCK = "unlock"
    UPDATE = "update"
    MIGRATE = "migrate"
    MIGRATE_REMOVED = "migrate_removed"
    ROLLBACK = "rollback"
    ROLLBACK_REMOVED = "rollback_removed"
    PRECHECK = "migrate_precheck"
    PREPARE = "prepare"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class StatePair:
    deploy: DeployState
    lock: LockState


_D, _L = DeployState, LockState
_DEPLOYED_LOCKED = StatePair(_D.DEPLOYED, _L.LOCKED)
_UNDEPLOYED_NONE = StatePair(_D.UNDEPLOYED, _L.NONE)
_DELETED_NONE = StatePair(_D.DELETED, _L.NONE)
_DEPLOYED_UNLOCKED = StatePair(_D.DEPLOYED, _L.UNLOCKED)
_UNDEPLOYED_LOCKED = StatePair(_D.UNDEPLOYED, _L.LOCKED)

# operation: (acked on success, acked on failure, the success message)
_TABLE: dict[Operation, tuple[StatePair, StatePair, str]] = {
    Operation.DEPLOY: (_DEPLOYED_LOCKED, _UNDEPLOYED_NONE, "Deployed"),
    Operation.UNDEPLOY: (_UNDEPLOYED_NONE, _DEPLOYED_LOCKED, "Undeployed"),
    Operation.DELETE: (_DELETED_NONE, _UNDEPLOYED_NONE, "Deleted"),
    Operation.LOCK: (_DEPLOYED_LOCKED, _DEPLOYED_UNLOCKED, "Locked"),
    Operation.UNLOCK: (_DEPLOYED_UNLOCKED, _DEPLOYED_LOCKED, "Unlocked"),
    Operation.UPDATE: (_DEPLOYED_LOCKED, _DEPLOYED_LOCKED, "Update completed"),
    Operation.MIGRATE: (_DEPLOYED_LOCKED, _DEPLOYED_LOCKED, "Migrated"),
    Operation.MIGRATE_REMOVED: (_DELETED_NONE, _DEPLOYED_LOCKED, "Deleted"),
    Operation.ROLLBACK: (_DEPLOYED_LOCKED, _DEPLOYED_LOCKED, "Migration rollback done"),
    Operation.ROLLBACK_REMOVED: (_DELETED_NONE, _DEPLOYED_LOCKED, "Deleted"),
    Operation.PRECHECK: (_DEPLOYED_LOCKED, _DEPLOYED_LOCKED, "Migration precheck completed"),
    Operation.REVIEW: (_DEPLOYED_LOCKED, _DEPLOYED_LOCKED, "Review completed"),
    Operation.PREPARE: (_UNDEPLOYED_LOCKED, _UNDEPLOYED_LOCKED, "Prepare completed"),
}

SUCCESS_MESSAGES: dict[Operation, str] = {op: row[2] for op, row in _TABLE.items()}


def success_states(operation: Operation) -> StatePair:
    return _TABLE[operation][0]


def failure_states(operation: Operation) -> StatePair:
    return _TABLE[operation][1]
