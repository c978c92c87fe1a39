"""Everything the participant sends, built here and only here, then published on *op*.

Every message gets the participant and replica ids, the record key ONAP uses and a timestamp
strictly after the previous one's, so ACM-R (which orders outProperties by sender timestamp)
applies element info sent before an ack first (C64). A failed publish is logged and counted as
a broken link; the caller carries on (ACM-R retries or times out).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from acm_participant._core.engine.runtime_context import ElementAck
from acm_participant._core.state.cache import ParticipantCache
from acm_participant.context import ElementDefinitionId
from acm_participant.errors import TransportError
from acm_participant.observe import Observer
from acm_participant.protocol import (
    AcElementDeployAck,
    AcTypeState,
    AutomationCompositionDeployAck,
    AutomationCompositionElementDefinition,
    AutomationCompositionElementInfo,
    AutomationCompositionInfo,
    ParticipantAckMessage,
    ParticipantDefinition,
    ParticipantDeregister,
    ParticipantMessage,
    ParticipantPrimeAck,
    ParticipantRegister,
    ParticipantReqSync,
    ParticipantStatus,
    ParticipantSupportedElementType,
    StateChangeResult,
    ToscaConceptIdentifier,
    encode,
)
from acm_participant.settings import ParticipantSettings
from acm_participant.transport.base import Transport

__all__ = ["Clock", "WireOutbox"]

_log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

_TICK = timedelta(microseconds=1)


class WireOutbox:
    def __init__(
        self,
        *,
        settings: ParticipantSettings,
        replica_id: UUID,
        transport: Transport,
        cache: ParticipantCache,
        observer: Observer,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._replica_id = replica_id
        self._transport = transport
        self._cache = cache
        self._observer = observer
        self._clock = clock
        self._last_timestamp: datetime | None = None
        self.connected: bool | None = None
        """None until the first publish; then whether the last publish got through."""

    # --- plumbing -------------------------------------------------------------------------------

    def _timestamp(self) -> datetime:
        stamp = self._clock()
        if self._last_timestamp is not None and stamp <= self._last_timestamp:
            stamp = self._last_timestamp + _TICK
        self._last_timestamp = stamp
        return stamp

    def _ids(self) -> dict[str, Any]:
        return {
            "participant_id": self._settings.participant_id,
            "replica_id": self._replica_id,
            "timestamp": self._timestamp(),
        }

    async def _send(self, message: ParticipantMessage | ParticipantAckMessage) -> bool:
        try:
            await self._transport.publish(
                self._settings.operation_topic, encode(message), key=message.partition_key
            )
        except TransportError as exc:
            _log.warning("could not publish %s: %s", message.message_type.value, exc)
            self._set_connected(False)
            return False
        self._set_connected(True)
        self._observer.message_sent(message.message_type.value)
        return True

    def _set_connected(self, connected: bool) -> None:
        # Only for health(): telling the Observer about the connection is the transport's job.
        self.connected = connected

    def _supported_types(self) -> list[ParticipantSupportedElementType]:
        return [
            ParticipantSupportedElementType(
                id=t.stable_id, type_name=t.type_name, type_version=t.type_version
            )
            for t in self._settings.supported_element_types
        ]

    # --- registration and liveness -----------------------------------------------------------

    async def register(self) -> bool:
        return await self._send(
            ParticipantRegister(
                **self._ids(),
                participant_supported_element_type=self._supported_types(),
                intermediary_version=self._settings.intermediary_version,
            )
        )

    async def deregister(self) -> None:
        await self._send(ParticipantDeregister(**self._ids()))

    async def heartbeat(self) -> bool:
        return await self._send(
            ParticipantStatus(
                **self._ids(), participant_supported_element_type=self._supported_types()
            )
        )

    # --- results ----------------------------------------------------------------------------------

    async def element_info(self, instance_id: UUID, element_id: UUID) -> None:
        instance = self._cache.instances.get(instance_id)
        element = instance.elements.get(element_id) if instance is not None else None
        if instance is None or element is None:
            return
        await self._send(
            ParticipantStatus(
                **self._ids(),
                composition_id=instance.composition_id,
                participant_supported_element_type=self._supported_types(),
                automation_composition_info_list=[
                    AutomationCompositionInfo(
                        automation_composition_id=instance_id,
                        deploy_state=element.deploy_state,
                        lock_state=element.lock_state,
                        elements=[
                            AutomationCompositionElementInfo(
                                automation_composition_element_id=element_id,
                                deploy_state=element.deploy_state,
                                lock_state=element.lock_state,
                                operational_state=element.operational_state,
                                use_state=element.use_state,
                                out_properties=dict(element.out_properties),
                            )
                        ],
                    )
                ],
            )
        )

    async def composition_info(
        self,
        composition_id: UUID,
        definition: ElementDefinitionId,
        out_properties: Mapping[str, Any],
    ) -> None:
        await self._send(
            ParticipantStatus(
                **self._ids(),
                composition_id=composition_id,
                participant_supported_element_type=self._supported_types(),
                participant_definition_updates=[
                    ParticipantDefinition(
                        participant_id=self._settings.participant_id,
                        automation_composition_element_definition_list=[
                            AutomationCompositionElementDefinition(
                                ac_element_definition_id=ToscaConceptIdentifier(
                                    name=definition.name, version=definition.version
                                ),
                                out_properties=dict(out_properties),
                            )
                        ],
                    )
                ],
            )
        )

    async def prime_ack(
        self,
        *,
        composition_id: UUID,
        state: AcTypeState,
        result: StateChangeResult,
        message: str,
        response_to: UUID | None,
    ) -> None:
        await self._send(
            ParticipantPrimeAck(
                **self._ids(),
                composition_id=composition_id,
                composition_state=state,
                state_change_result=result,
                message=message,
                response_to=response_to,
            )
        )

    async def element_ack(self, ack: ElementAck) -> None:
        with_info = ack.out_properties is not None
        entry = AcElementDeployAck(
            deploy_state=ack.deploy_state,
            lock_state=ack.lock_state,
            operational_state=ack.operational_state if with_info else None,
            use_state=ack.use_state if with_info else None,
            out_properties=dict(ack.out_properties or {}),
            result=True,
            message=ack.message,
        )
        await self._send(
            AutomationCompositionDeployAck(
                **self._ids(),
                automation_composition_id=ack.instance_id,
                state_change_result=ack.result,
                message=ack.message,
                response_to=ack.response_to,
                stage=ack.stage,
                out_properties_updated=with_info,
                automation_composition_result_map={ack.element_id: entry},
            )
        )

    async def instance_unknown_ack(
        self, *, instance_id: UUID, response_to: UUID | None, message: str
    ) -> None:
        await self._send(
            AutomationCompositionDeployAck(
                **self._ids(),
                automation_composition_id=instance_id,
                state_change_result=StateChangeResult.NO_ERROR,
                message=message,
                response_to=response_to,
                automation_composition_result_map={},
            )
        )

    async def request_sync(
        self,
        *,
        composition_id: UUID | None,
        instance_id: UUID | None,
        composition_target_id: UUID | None,
    ) -> None:
        await self._send(
            ParticipantReqSync(
                **self._ids(),
                composition_id=composition_id,
                automation_composition_id=instance_id,
                composition_target_id=composition_target_id,
            )
        )
