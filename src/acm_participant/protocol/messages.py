"""Every ACM participant message type as a typed model, and ``AnyMessage``, their union.

Why it exists: the runtime and the runtime-side driver speak in these classes, never in dicts.
Wire names are ONAP's (camelCase, plus ``automationcompositionList``); Python names are
snake_case. Request-style messages get a fresh ``message_id`` and ``timestamp`` when built
without them; acks have no ``message_id``. Encoding and decoding live in ``codec.py``.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from acm_participant.protocol.concepts import (
    AcElementDeployAck,
    AutomationCompositionInfo,
    ParticipantDefinition,
    ParticipantDeploy,
    ParticipantRestartAc,
    ParticipantSupportedElementType,
    PrimeElementAck,
)
from acm_participant.protocol.dto import ParticipantDto, ParticipantPrimeDto
from acm_participant.protocol.enums import (
    AcTypeState,
    DeployOrder,
    LockOrder,
    MessageType,
    PrimeOrder,
    StateChangeResult,
)
from acm_participant.protocol.fields import (
    Instant,
    WireModel,
    fresh_message_id,
    now,
)

__all__ = [
    "AnyMessage",
    "AutomationCompositionDeploy",
    "AutomationCompositionDeployAck",
    "AutomationCompositionMigration",
    "AutomationCompositionPrepare",
    "AutomationCompositionStateChange",
    "ParticipantAckMessage",
    "ParticipantDeregister",
    "ParticipantDeregisterAck",
    "ParticipantMessage",
    "ParticipantPrime",
    "ParticipantPrimeAck",
    "ParticipantRegister",
    "ParticipantRegisterAck",
    "ParticipantReqSync",
    "ParticipantRestart",
    "ParticipantStateChange",
    "ParticipantStatus",
    "ParticipantStatusReq",
    "ParticipantSync",
    "PropertiesUpdate",
]


class _Addressed(WireModel):
    """What every message carries besides its payload: type, time and addressing ids."""

    message_type: MessageType
    timestamp: Instant = Field(default_factory=now)
    participant_id: UUID | None = None
    replica_id: UUID | None = None
    composition_id: UUID | None = None

    @property
    def partition_key(self) -> str | None:
        """The Kafka record key ONAP uses: the composition id, else the participant id."""
        for key in (self.composition_id, self.participant_id):
            if key is not None:
                return str(key)
        return None


class ParticipantMessage(_Addressed):
    """Envelope of request-style messages (all but the acks)."""

    message_id: UUID = Field(default_factory=fresh_message_id)
    automation_composition_id: UUID | None = None
    revision_id_composition: UUID | None = None
    revision_id_instance: UUID | None = None
    participant_id_list: list[UUID] = Field(default_factory=list)


class ParticipantAckMessage(_Addressed):
    """Envelope of acks: no ``messageId``; ``response_to`` names the answered message."""

    response_to: UUID | None = None
    state_change_result: StateChangeResult | None = None
    message: str | None = None


# --- registration and liveness --------------------------------------------------------------


class ParticipantRegister(ParticipantMessage):
    message_type: Literal[MessageType.PARTICIPANT_REGISTER] = MessageType.PARTICIPANT_REGISTER
    participant_supported_element_type: list[ParticipantSupportedElementType] = Field(
        default_factory=list
    )
    intermediary_version: str | None = None


class ParticipantRegisterAck(ParticipantAckMessage):
    message_type: Literal[MessageType.PARTICIPANT_REGISTER_ACK] = (
        MessageType.PARTICIPANT_REGISTER_ACK
    )


class ParticipantDeregister(ParticipantMessage):
    message_type: Literal[MessageType.PARTICIPANT_DEREGISTER] = MessageType.PARTICIPANT_DEREGISTER


class ParticipantDeregisterAck(ParticipantAckMessage):
    message_type: Literal[MessageType.PARTICIPANT_DEREGISTER_ACK] = (
        MessageType.PARTICIPANT_DEREGISTER_ACK
    )


class ParticipantStatus(ParticipantMessage):
    """Heartbeat (empty lists) or live element/composition information."""

    message_type: Literal[MessageType.PARTICIPANT_STATUS] = MessageType.PARTICIPANT_STATUS
    participant_definition_updates: list[ParticipantDefinition] = Field(default_factory=list)
    automation_composition_info_list: list[AutomationCompositionInfo] = Field(default_factory=list)
    participant_supported_element_type: list[ParticipantSupportedElementType] = Field(
        default_factory=list
    )


class ParticipantStatusReq(ParticipantMessage):
    message_type: Literal[MessageType.PARTICIPANT_STATUS_REQ] = MessageType.PARTICIPANT_STATUS_REQ


# --- compositions -----------------------------------------------------------------------------


class ParticipantPrime(ParticipantMessage):
    """Prime or deprime a composition (``prime_order`` is set by master runtimes only)."""

    message_type: Literal[MessageType.PARTICIPANT_PRIME] = MessageType.PARTICIPANT_PRIME
    participant_definition_updates: list[ParticipantDefinition] = Field(default_factory=list)
    prime_dto_list: list[ParticipantPrimeDto] = Field(default_factory=list)
    prime_order: PrimeOrder | None = None


class ParticipantPrimeAck(ParticipantAckMessage):
    message_type: Literal[MessageType.PARTICIPANT_PRIME_ACK] = MessageType.PARTICIPANT_PRIME_ACK
    composition_state: AcTypeState | None = None
    out_properties_list: list[PrimeElementAck] = Field(default_factory=list)


# --- instances ----------------------------------------------------------------------------------


class AutomationCompositionDeploy(ParticipantMessage):
    message_type: Literal[MessageType.AUTOMATION_COMPOSITION_DEPLOY] = (
        MessageType.AUTOMATION_COMPOSITION_DEPLOY
    )
    participant_updates_list: list[ParticipantDeploy] = Field(default_factory=list)
    start_phase: int = 0
    first_start_phase: bool = True
    participant_dto_list: list[ParticipantDto] = Field(default_factory=list)


class AutomationCompositionDeployAck(ParticipantAckMessage):
    """Element results; one class for DEPLOY_ACK and STATECHANGE_ACK (the runtime treats both
    alike; the Java participant sends STATECHANGE_ACK, the default here)."""

    message_type: Literal[
        MessageType.AUTOMATION_COMPOSITION_DEPLOY_ACK,
        MessageType.AUTOMATION_COMPOSITION_STATECHANGE_ACK,
    ] = MessageType.AUTOMATION_COMPOSITION_STATECHANGE_ACK
    automation_composition_id: UUID | None = None
    stage: int | None = None
    out_properties_updated: bool = False
    automation_composition_result_map: dict[UUID, AcElementDeployAck] = Field(default_factory=dict)


class AutomationCompositionStateChange(ParticipantMessage):
    """Undeploy, delete (``deploy_ordered_state``), lock, unlock (``lock_ordered_state``)."""

    message_type: Literal[MessageType.AUTOMATION_COMPOSITION_STATE_CHANGE] = (
        MessageType.AUTOMATION_COMPOSITION_STATE_CHANGE
    )
    deploy_ordered_state: DeployOrder = DeployOrder.NONE
    lock_ordered_state: LockOrder = LockOrder.NONE
    start_phase: int | None = None
    first_start_phase: bool = True
    participant_dto_list: list[ParticipantDto] = Field(default_factory=list)


class PropertiesUpdate(ParticipantMessage):
    message_type: Literal[MessageType.PROPERTIES_UPDATE] = MessageType.PROPERTIES_UPDATE
    participant_updates_list: list[ParticipantDeploy] = Field(default_factory=list)
    rollback: bool = False
    participant_dto_list: list[ParticipantDto] = Field(default_factory=list)


class AutomationCompositionMigration(ParticipantMessage):
    """Migrate, precheck (``precheck``) or roll back (``rollback``) one stage of an instance."""

    message_type: Literal[MessageType.AUTOMATION_COMPOSITION_MIGRATION] = (
        MessageType.AUTOMATION_COMPOSITION_MIGRATION
    )
    composition_target_id: UUID | None = None
    revision_id_composition_target: UUID | None = None
    participant_updates_list: list[ParticipantDeploy] = Field(default_factory=list)
    participant_dto_list: list[ParticipantDto] = Field(default_factory=list)
    precheck: bool = False
    rollback: bool = False
    first_stage: bool = True
    stage: int = 0


class AutomationCompositionPrepare(ParticipantMessage):
    """Prepare an undeployed instance (``pre_deploy``) or review a deployed one."""

    message_type: Literal[MessageType.AUTOMATION_COMPOSITION_PREPARE] = (
        MessageType.AUTOMATION_COMPOSITION_PREPARE
    )
    participant_list: list[ParticipantDeploy] = Field(default_factory=list)
    pre_deploy: bool = True
    stage: int = 0
    participant_dto_list: list[ParticipantDto] = Field(default_factory=list)


# --- restart and synchronisation ------------------------------------------------------------


class _RuntimeView(ParticipantMessage):
    """What the runtime knows of a composition: its state, my definitions, its instances."""

    state: AcTypeState | None = None
    participant_definition_updates: list[ParticipantDefinition] = Field(default_factory=list)
    automation_composition_list: list[ParticipantRestartAc] = Field(
        default_factory=list,
        validation_alias="automationcompositionList",
        serialization_alias="automationcompositionList",
    )


class ParticipantSync(_RuntimeView):
    """The runtime's view of compositions and instances: restart, composition, instance, delete."""

    message_type: Literal[MessageType.PARTICIPANT_SYNC_MSG] = MessageType.PARTICIPANT_SYNC_MSG
    exclude_replicas: list[UUID] = Field(default_factory=list)
    restarting: bool = False
    delete: bool = False
    state_change_result: StateChangeResult | None = None


class ParticipantReqSync(ParticipantMessage):
    """Ask the runtime to re-send what the participant misses (only the ids that failed)."""

    message_type: Literal[MessageType.PARTICIPANT_REQ_SYNC_MSG] = (
        MessageType.PARTICIPANT_REQ_SYNC_MSG
    )
    composition_target_id: UUID | None = None


class ParticipantRestart(_RuntimeView):
    """Sent by 7.x runtimes only; decoded so it can be dropped cleanly."""

    message_type: Literal[MessageType.PARTICIPANT_RESTART] = MessageType.PARTICIPANT_RESTART


class ParticipantStateChange(ParticipantMessage):
    """Never sent since 2021; decoded (envelope only) so it can be dropped cleanly."""

    message_type: Literal[MessageType.PARTICIPANT_STATE_CHANGE] = (
        MessageType.PARTICIPANT_STATE_CHANGE
    )


AnyMessage = Annotated[
    ParticipantStatus
    | ParticipantStateChange
    | AutomationCompositionDeploy
    | AutomationCompositionStateChange
    | ParticipantRegister
    | ParticipantRegisterAck
    | ParticipantDeregister
    | ParticipantDeregisterAck
    | ParticipantPrime
    | ParticipantPrimeAck
    | AutomationCompositionDeployAck
    | ParticipantStatusReq
    | PropertiesUpdate
    | ParticipantRestart
    | AutomationCompositionMigration
    | ParticipantSync
    | AutomationCompositionPrepare
    | ParticipantReqSync,
    Field(discriminator="message_type"),
]
"""Any message, chosen by its ``messageType``."""
