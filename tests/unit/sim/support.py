"""Shared parts of the driver tests: a recording handler, element templates, a primed instance."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID, uuid4

from acm_participant.handler import CompositionElement, ElementHandler, InstanceElement
from acm_participant.protocol import ToscaConceptIdentifier, ToscaNodeTemplate
from acm_participant.runtime import ParticipantRuntime
from acm_participant.settings import SupportedElementType
from acm_participant.sim.driver import AcmRuntimeDriver
from acm_participant.sim.model import ElementSpec
from acm_participant.transport.memory import MemoryBroker

OP, SYNC = "policy-acruntime-participant", "acm-ppnt-sync"
PARTICIPANT = UUID("101c62b3-8918-41b9-a747-d21eb79c6c04")
TYPE = SupportedElementType(type_name="org.example.Element", type_version="1.0.0")


def template(name: str, **properties: object) -> ToscaNodeTemplate:
    return ToscaNodeTemplate(
        name=name,
        version="1.0.0",
        type=TYPE.type_name,
        type_version=TYPE.type_version,
        properties=properties,
    )


class Handler(ElementHandler):
    """Succeeds, records calls; ``hold`` makes deploy of the named element wait forever."""

    def __init__(self, hold: str | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.hold = hold

    async def prime(self, composition_id: UUID, elements: list[CompositionElement]) -> None:
        self.calls.append(("prime", str(composition_id)))

    async def deploy(self, composition: CompositionElement, instance: InstanceElement) -> None:
        self.calls.append(("deploy", composition.definition_id.name))
        if composition.definition_id.name == self.hold:
            await asyncio.Event().wait()

    async def undeploy(self, composition: CompositionElement, instance: InstanceElement) -> None:
        self.calls.append(("undeploy", composition.definition_id.name))

    async def update(
        self, composition: CompositionElement, instance: InstanceElement, updated: InstanceElement
    ) -> None:
        self.calls.append(
            ("update", f"{composition.definition_id.name} {dict(updated.properties)}")
        )

    async def lock(self, composition: CompositionElement, instance: InstanceElement) -> None:
        self.calls.append(("lock", composition.definition_id.name))

    async def unlock(self, composition: CompositionElement, instance: InstanceElement) -> None:
        self.calls.append(("unlock", composition.definition_id.name))

    async def delete(self, composition: CompositionElement, instance: InstanceElement) -> None:
        self.calls.append(("delete", composition.definition_id.name))

    async def migrate(
        self,
        composition: CompositionElement,
        target: CompositionElement,
        instance: InstanceElement,
        migrated: InstanceElement,
        stage: int,
    ) -> None:
        self.calls.append(("migrate", str(target.definition_id)))


@dataclass
class Dialogue:
    driver: AcmRuntimeDriver
    runtime: ParticipantRuntime
    handler: Handler
    broker: MemoryBroker


async def primed_and_added(d: Dialogue) -> tuple[UUID, list[ElementSpec]]:
    composition_id, instance_id = uuid4(), uuid4()
    await d.driver.prime(
        composition_id,
        PARTICIPANT,
        [template("first", startPhase=0), template("second", startPhase=1)],
    )
    elements = [
        ElementSpec(ToscaConceptIdentifier(name="second", version="1.0.0"), {"n": 2}),
        ElementSpec(ToscaConceptIdentifier(name="first", version="1.0.0"), {"n": 1}),
    ]
    d.driver.add_instance(instance_id, composition_id, elements)
    return instance_id, elements
