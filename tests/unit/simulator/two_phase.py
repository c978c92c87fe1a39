"""A two-phase composition (one element per start phase) and a handler recording what it is told.

Shared by the simulator's workflow tests on the memory broker and over DMaaP.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

from acm_participant import (
    CompositionContext,
    ElementContext,
    ElementFailure,
    ElementHandler,
    ElementOutcome,
    ElementReporter,
)

__all__ = ["FIRST", "KSERVE", "SECOND", "TOSCA", "RecordingHandler", "instance_yaml"]

KSERVE = "org.onap.policy.clamp.acm.KserveAutomationCompositionElement"
FIRST = UUID("00000000-0000-4000-8000-000000000001")
SECOND = UUID("00000000-0000-4000-8000-000000000002")

TOSCA = f"""\
tosca_definitions_version: tosca_simple_yaml_1_3
node_types:
  org.onap.policy.clamp.acm.AutomationCompositionElement:
    version: 1.0.1
    derived_from: tosca.nodetypes.Root
  org.onap.policy.clamp.acm.AutomationComposition:
    version: 1.0.1
    derived_from: tosca.nodetypes.Root
  {KSERVE}:
    version: 1.0.1
    derived_from: org.onap.policy.clamp.acm.AutomationCompositionElement
topology_template:
  node_templates:
    first.element:
      version: 1.0.0
      type: {KSERVE}
      type_version: 1.0.1
      properties: {{startPhase: 0}}
    second.element:
      version: 1.0.0
      type: {KSERVE}
      type_version: 1.0.1
      properties: {{startPhase: 1}}
    composition:
      version: 1.0.0
      type: org.onap.policy.clamp.acm.AutomationComposition
      type_version: 1.0.1
      properties:
        elements:
          - {{name: first.element, version: 1.0.0}}
          - {{name: second.element, version: 1.0.0}}
"""


def instance_yaml(second_properties: str = "{kserveInferenceEntities: []}") -> str:
    return f"""\
name: Two
version: 1.0.0
compositionId: {{{{compositionId}}}}
elements:
  {FIRST}:
    id: {FIRST}
    definition: {{name: first.element, version: 1.0.0}}
    properties: {{kserveInferenceEntities: []}}
  {SECOND}:
    id: {SECOND}
    definition: {{name: second.element, version: 1.0.0}}
    properties: {second_properties}
"""


class RecordingHandler(ElementHandler):
    """Records each call; instance properties steer deploy: ``report`` publishes them as the
    element's InferenceServices, ``fail`` fails it, ``hang`` never returns (until cancelled)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.cancelled = asyncio.Event()
        self.reporter: ElementReporter | None = None

    async def start(self, reporter: ElementReporter) -> None:
        self.reporter = reporter

    async def prime(self, composition: CompositionContext) -> None:
        self.calls.append(("prime", str(composition.composition_id)))

    async def _act(self, operation: str, element: ElementContext) -> ElementOutcome:
        instance = element.instance
        self.calls.append((operation, element.definition.name))
        report = instance.properties.get("report")
        if operation == "deploy" and report and self.reporter is not None:
            # What the KServe handler publishes while it waits: its services' live status.
            await self.reporter.report_element_info(
                instance.instance_id,
                instance.element_id,
                out_properties={"inferenceServices": report},
            )
        if operation == "deploy" and "fail" in instance.properties:
            raise ElementFailure(str(instance.properties["fail"]))
        if operation == "deploy" and instance.properties.get("hang"):
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
        return ElementOutcome(message=f"{operation}ed")

    async def deploy(self, element: ElementContext) -> ElementOutcome:
        return await self._act("deploy", element)

    async def undeploy(self, element: ElementContext) -> ElementOutcome:
        return await self._act("undeploy", element)

    async def delete(self, element: ElementContext) -> ElementOutcome:
        return await self._act("delete", element)
