"""The KServe composition the benches prime: one element definition, as ACM-R sends it."""

from __future__ import annotations

from uuid import UUID, uuid4

from acm_participant.protocol import ToscaConceptIdentifier, ToscaNodeTemplate
from acm_participant.sim.driver import AcmRuntimeDriver

__all__ = ["ELEMENT_TYPE", "NODE_TEMPLATE", "prime_kserve"]

ELEMENT_TYPE = "org.onap.policy.clamp.acm.KserveAutomationCompositionElement"
NODE_TEMPLATE = ToscaConceptIdentifier(
    name="onap.policy.clamp.ac.element.KserveAutomationCompositionElement", version="1.2.3"
)


async def prime_kserve(driver: AcmRuntimeDriver, participant_id: UUID, *, within: float) -> UUID:
    """Wait for the participant's REGISTER, then prime a new composition; returns its id."""
    await driver.wait_for_register(timeout=within, participant_id=participant_id)
    composition_id = uuid4()
    template = ToscaNodeTemplate(
        name=NODE_TEMPLATE.name,
        version=NODE_TEMPLATE.version,
        type=ELEMENT_TYPE,
        type_version="1.0.1",
        properties={},
    )
    await driver.prime(composition_id, participant_id, [template], timeout=within)
    return composition_id
