"""Fixtures shared by several integration test files (the stack's own: tests/conftest.py)."""

from __future__ import annotations

import secrets
import sys
from collections.abc import AsyncIterator

import pytest
import yaml
from lightkube import codecs
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.resources.core_v1 import Namespace

from kserve_participant.devstack import Stack
from kserve_participant.devstack.cache import Cache, ToolsDir
from kserve_participant.devstack.crd import wait_established
from kserve_participant.devstack.helm import build_helm
from kserve_participant.devstack.strimzi import build_kafkauser_crd
from tests.integration.conformance_harness import Harness, kafka_harness
from tests.integration.helm_support import Helm


@pytest.fixture
async def harness(stack: Stack) -> AsyncIterator[Harness]:
    """Conformance tests: participants and runtime peers on the stack's PLAINTEXT listener."""
    async with kafka_harness(stack.info.kafka_bootstrap) as h:
        yield h


@pytest.fixture(scope="session")
def helm(stack: Stack) -> Helm:
    """The cached helm binary (built on first use), talking to the stack's kube-apiserver."""
    binary = build_helm(Cache.default(), say=lambda message: print(message, file=sys.stderr))
    return Helm(binary, stack.info.kubeconfig)


@pytest.fixture(scope="session")
def strimzi_crds(stack: Stack) -> None:
    """Strimzi's KafkaUser CRD (generated from Strimzi's model, see devstack/strimzi.py),
    installed in the stack and established."""
    crd_file = build_kafkauser_crd(
        Cache.default(), ToolsDir.locate(), say=lambda message: print(message, file=sys.stderr)
    )
    crd = codecs.from_dict(yaml.safe_load(crd_file.read_text()))
    assert isinstance(crd, CustomResourceDefinition)
    assert crd.metadata is not None
    with stack.admin_client() as client:
        client.apply(crd, field_manager="kserve-participant-tests", force=True)
        wait_established(client, str(crd.metadata.name))


@pytest.fixture
def other_namespace(stack: Stack) -> str:
    """A second fresh namespace, for RBAC granted outside the release's own."""
    name = f"t-{secrets.token_hex(4)}"
    with stack.admin_client() as client:
        client.create(Namespace(metadata=ObjectMeta(name=name)))
    return name
