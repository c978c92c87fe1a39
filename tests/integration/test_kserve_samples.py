"""Every KServe docs sample and ONAP's own sample deploy to Ready and undeploy leaving nothing."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
import yaml
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace

from acm_participant import (
    CompositionElement,
    InstanceElement,
)
from acm_participant.testing import element_context
from tests.integration.kserve_support import (
    DEFINITION,
    ONAP_SAMPLES,
    element,
    entity,
    harness,
    load_sample,
    sample_files,
)

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("filename", sample_files())
async def test_sample_reaches_deployed_then_undeploys_when_deployed_as_payload(
    stack: Any, namespace: str, filename: str
) -> None:
    payload = load_sample(filename)
    name = payload["metadata"]["name"]
    composition, instance = element(entity(name, namespace, payload))
    async with harness(stack.info) as h:
        assert await h.handler.deploy(element_context(composition, instance)) is not None
        report = await h.reporter.info_matching(lambda r: r.element_id == instance.element_id)
        assert report.operational_state == "READY"
        (status,) = (report.out_properties or {})["inferenceServices"]
        assert status["ready"] is True
        assert status["url"]
        assert await h.names(namespace) == [name]

        await h.handler.undeploy(element_context(composition, instance))
        assert await h.names(namespace) == []


def onap_elements() -> tuple[CompositionElement, InstanceElement]:
    tosca = yaml.safe_load((ONAP_SAMPLES / "tosca-kserve-participant.yml").read_text())
    templates = tosca["topology_template"]["node_templates"]
    node = templates["onap.policy.clamp.ac.element.KserveAutomationCompositionElement"]
    text = (ONAP_SAMPLES / "automation-composition-kserve.yml").read_text()
    doc = yaml.safe_load(text.replace("{{compositionId}}", str(uuid4())))
    raw_element = next(iter(doc["elements"].values()))
    properties = json.loads(json.dumps(raw_element["properties"]))
    composition = CompositionElement(uuid4(), DEFINITION, properties=node.get("properties", {}))
    instance = InstanceElement(uuid4(), uuid4(), properties=properties)
    return composition, instance


async def test_onap_sample_deploys_under_entity_name_and_undeploys_without_leak(stack: Any) -> None:
    namespace = "demo-namespace"  # what ONAP's sample names; nothing creates it (facts (e) 7)
    with stack.admin_client() as admin:
        if not any(ns.metadata.name == namespace for ns in admin.list(Namespace)):
            admin.create(Namespace(metadata=ObjectMeta(name=namespace)))
    composition, instance = onap_elements()
    async with harness(stack.info) as h:
        outcome = await h.handler.deploy(element_context(composition, instance))
        assert outcome is not None
        assert "replaced by the entity name 'demo-inference-service'" in (outcome.message or "")
        assert await h.names(namespace) == ["demo-inference-service"]

        await h.handler.undeploy(element_context(composition, instance))
        assert await h.names(namespace) == []
