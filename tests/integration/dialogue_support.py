"""The participant side of the driver dialogues: a real runtime with a trivial handler."""

from __future__ import annotations

from uuid import UUID

from acm_participant import (
    CompositionContext,
    ElementContext,
    ElementHandler,
)
from acm_participant.protocol import ToscaConceptIdentifier, ToscaNodeTemplate
from acm_participant.settings import ParticipantSettings, SupportedElementType
from acm_participant.sim.model import ElementSpec

PARTICIPANT = UUID("101c62b3-8918-41b9-a747-d21eb79c6c04")
TYPE = SupportedElementType(type_name="org.example.Element", type_version="1.0.0")


class Handler(ElementHandler):
    """Succeeds and records which operations ran on which element definition."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def prime(self, composition: CompositionContext) -> None:
        self.calls.append(("prime", str(composition.composition_id)))

    async def deploy(self, element: ElementContext) -> None:
        self.calls.append(("deploy", element.definition.name))

    async def undeploy(self, element: ElementContext) -> None:
        self.calls.append(("undeploy", element.definition.name))


def settings(*, operation_topic: str, sync_topic: str, group: str) -> ParticipantSettings:
    return ParticipantSettings(
        participant_id=PARTICIPANT,
        supported_element_types=(TYPE,),
        reporting_time_interval_ms=60_000,
        register_retry_initial_ms=200,
        shutdown_grace_ms=500,
        operation_topic=operation_topic,
        sync_topic=sync_topic,
        operation_group=group,
    )


def templates() -> list[ToscaNodeTemplate]:
    """Two element definitions in start phases 0 and 1."""
    return [
        ToscaNodeTemplate(
            name=name,
            version="1.0.0",
            type=TYPE.type_name,
            type_version=TYPE.type_version,
            properties={"startPhase": phase},
        )
        for name, phase in (("first", 0), ("second", 1))
    ]


def elements() -> list[ElementSpec]:
    return [
        ElementSpec(ToscaConceptIdentifier(name=name, version="1.0.0"), {"model": name})
        for name in ("first", "second")
    ]
