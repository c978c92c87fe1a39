"""Shared parts of the driver tests: a recording handler, element templates, a primed instance."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID, uuid4

from acm_participant import (
    CompositionContext,
    ElementContext,
    ElementHandler,
)
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

    async def prime(self, composition: CompositionContext) -> None:
        self.calls.append(("prime", str(composition.composition_id)))

    async def deploy(self, element: ElementContext) -> None:
        self.calls.append(("deploy", element.definition.name))
        if element.definition.name == self.hold:
            await asyncio.Event().wait()

    async def undeploy(self, element: ElementContext) -> None:
        self.calls.append(("undeploy", element.definition.name))

    async def update(self, element: ElementContext) -> None:
        assert element.updated is not None
        self.calls.append(
            ("update", f"{element.definition.name} {dict(element.updated.properties)}")
        )

    async def lock(self, element: ElementContext) -> None:
        self.calls.append(("lock", element.definition.name))

    async def unlock(self, element: ElementContext) -> None:
        self.calls.append(("unlock", element.definition.name))

    async def delete(self, element: ElementContext) -> None:
        self.calls.append(("delete", element.definition.name))

    async def migrate(self, element: ElementContext) -> None:
        assert element.target is not None
        self.calls.append(("migrate", str(element.target.definition_id)))


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
