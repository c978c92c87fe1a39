"""What the benches share: the participant executable, the KServe composition they prime (one
element definition, as ACM-R sends it) and the InferenceService payload they deploy."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from acm_participant.protocol import ToscaConceptIdentifier, ToscaNodeTemplate
from acm_participant.sim.driver import AcmRuntimeDriver

__all__ = ["ELEMENT_TYPE", "EXECUTABLE", "NODE_TEMPLATE", "PAYLOAD", "prime_kserve"]

EXECUTABLE = Path(sys.executable).with_name("kserve-participant")
PAYLOAD: dict[str, Any] = {
    "apiVersion": "serving.kserve.io/v1beta1",
    "kind": "InferenceService",
    "spec": {
        "predictor": {
            "model": {
                "modelFormat": {"name": "sklearn"},
                "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
            }
        }
    },
}
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
