"""Enumerations of ONAP's ACM participant protocol, with their exact wire strings.

Every member's value is the Java constant name. Members that only newer runtimes know are
marked, because the Java runtime drops a whole message on an unknown constant.
"""

from __future__ import annotations

from enum import StrEnum


class MessageType(StrEnum):
    PARTICIPANT_STATUS = "PARTICIPANT_STATUS"
    PARTICIPANT_STATE_CHANGE = "PARTICIPANT_STATE_CHANGE"
    AUTOMATION_COMPOSITION_DEPLOY = "AUTOMATION_COMPOSITION_DEPLOY"
    AUTOMATION_COMPOSITION_STATE_CHANGE = "AUTOMATION_COMPOSITION_STATE_CHANGE"
    PARTICIPANT_REGISTER = "PARTICIPANT_REGISTER"
    PARTICIPANT_REGISTER_ACK = "PARTICIPANT_REGISTER_ACK"
    PARTICIPANT_DEREGISTER = "PARTICIPANT_DEREGISTER"
    PARTICIPANT_DEREGISTER_ACK = "PARTICIPANT_DEREGISTER_ACK"
    PARTICIPANT_PRIME = "PARTICIPANT_PRIME"
    PARTICIPANT_PRIME_ACK = "PARTICIPANT_PRIME_ACK"
    AUTOMATION_COMPOSITION_DEPLOY_ACK = "AUTOMATION_COMPOSITION_DEPLOY_ACK"
    AUTOMATION_COMPOSITION_STATECHANGE_ACK = "AUTOMATION_COMPOSITION_STATECHANGE_ACK"
    PARTICIPANT_STATUS_REQ = "PARTICIPANT_STATUS_REQ"
    PROPERTIES_UPDATE = "PROPERTIES_UPDATE"
    PARTICIPANT_RESTART = "PARTICIPANT_RESTART"
    AUTOMATION_COMPOSITION_MIGRATION = "AUTOMATION_COMPOSITION_MIGRATION"
    PARTICIPANT_SYNC_MSG = "PARTICIPANT_SYNC_MSG"
    AUTOMATION_COMPOSITION_PREPARE = "AUTOMATION_COMPOSITION_PREPARE"
    PARTICIPANT_REQ_SYNC_MSG = "PARTICIPANT_REQ_SYNC_MSG"


class DeployState(StrEnum):
    DEPLOYED = "DEPLOYED"
    DEPLOYING = "DEPLOYING"
    UNDEPLOYED = "UNDEPLOYED"
    UNDEPLOYING = "UNDEPLOYING"
    DELETING = "DELETING"
    DELETED = "DELETED"
    UPDATING = "UPDATING"
    MIGRATING = "MIGRATING"
    MIGRATION_REVERTING = "MIGRATION_REVERTING"  # 8.2.1+
    UPDATE_REVERTING = "UPDATE_REVERTING"  # 9.0.2+: never emit

    @property
    def is_transitional(self) -> bool:
        return self in _TRANSITIONAL_DEPLOY


_TRANSITIONAL_DEPLOY = frozenset(
    {
        DeployState.DEPLOYING,
        DeployState.UNDEPLOYING,
        DeployState.DELETING,
        DeployState.UPDATING,
        DeployState.MIGRATING,
        DeployState.MIGRATION_REVERTING,
        DeployState.UPDATE_REVERTING,
    }
)


class LockState(StrEnum):
    LOCKED = "LOCKED"
    LOCKING = "LOCKING"
    UNLOCKED = "UNLOCKED"
    UNLOCKING = "UNLOCKING"
    NONE = "NONE"

    @property
    def is_transitional(self) -> bool:
        return self in (LockState.LOCKING, LockState.UNLOCKING)


class SubState(StrEnum):
    """Not on the wire; the runtime's sub-state of an instance, used by the SDK's cache."""

    NONE = "NONE"
    MIGRATION_PRECHECKING = "MIGRATION_PRECHECKING"
    PREPARING = "PREPARING"
    REVIEWING = "REVIEWING"


class SubOrder(StrEnum):
    """REST-only in ONAP; kept for completeness of the model."""

    NONE = "NONE"
    MIGRATE_PRECHECK = "MIGRATE_PRECHECK"
    PREPARE = "PREPARE"
    REVIEW = "REVIEW"


class StateChangeResult(StrEnum):
    NO_ERROR = "NO_ERROR"
    FAILED = "FAILED"
    TIMEOUT = "TIMEOUT"  # sent by the runtime only: never emit


class AcTypeState(StrEnum):
    COMMISSIONED = "COMMISSIONED"
    PRIMING = "PRIMING"
    PRIMED = "PRIMED"
    DEPRIMING = "DEPRIMING"


class ParticipantState(StrEnum):
    ON_LINE = "ON_LINE"
    OFF_LINE = "OFF_LINE"


class DeployOrder(StrEnum):
    NONE = "NONE"
    UNDEPLOY = "UNDEPLOY"
    DEPLOY = "DEPLOY"
    DELETE = "DELETE"
    UPDATE = "UPDATE"
    RESTARTING = "RESTARTING"
    MIGRATE = "MIGRATE"
    MIGRATION_REVERT = "MIGRATION_REVERT"  # 8.2.1+
    UPDATE_REVERT = "UPDATE_REVERT"  # 9.0.2+


class LockOrder(StrEnum):
    NONE = "NONE"
    UNLOCK = "UNLOCK"
    LOCK = "LOCK"


class PrimeOrder(StrEnum):
    NONE = "NONE"
    PRIME = "PRIME"
    DEPRIME = "DEPRIME"


class MigrationState(StrEnum):
    DEFAULT = "DEFAULT"
    REMOVED = "REMOVED"
    NEW = "NEW"


class ElementState(StrEnum):
    PRESENT = "PRESENT"
    NOT_PRESENT = "NOT_PRESENT"
    REMOVED = "REMOVED"
    NEW = "NEW"
