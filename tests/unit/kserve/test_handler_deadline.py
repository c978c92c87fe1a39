"""Every operation ends within its element's deadline, whatever the API server does, and its
failure says when the API server did not answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast
from uuid import uuid4

import pytest

from acm_participant import (
    CompositionElement,
    ElementDefinitionId,
    ElementFailure,
    InstanceElement,
)
from acm_participant.protocol.enums import DeployState
from acm_participant.testing import element_context
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.resources import InferenceServiceResource
from kserve_participant.kserve.handler import HandlerSettings, KServeElementHandler
from kserve_participant.kserve.ownership import Owner, stamp
from tests.unit.k8s.fake_api_server import FakeApiServer

PARTICIPANT = uuid4()
DEFINITION = ElementDefinitionId("org.onap.kserve.Element", "1.0.0")
TIMEOUT_S = 0.5
# Far longer than any operation bounded by TIMEOUT_S: reaching it means the operation hung.
HANG_GUARD_S = 20.0


def _entity(name: str) -> dict[str, Any]:
    payload = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": name},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}}}},
    }
    return {
        "kserveInferenceEntityId": {"name": f"entity-{name}", "version": "1.0.0"},
        "name": name,
        "namespace": "ns",
        "payload": json.dumps(payload),
    }


def _instance(instance: InstanceElement | None = None, name: str = "model") -> InstanceElement:
    return InstanceElement(
        instance.instance_id if instance else uuid4(),
        instance.element_id if instance else uuid4(),
        properties={
            "kserveInferenceEntities": [_entity(name)],
            "uninitializedToPassiveTimeout": TIMEOUT_S,
            "statusCheckInterval": 0.1,
        },
    )


def _owned(instance: InstanceElement) -> dict[str, Any]:
    """The InferenceService an earlier deploy of this element left, as the API server lists it."""
    owner = Owner(PARTICIPANT, instance.instance_id, instance.element_id)
    body = stamp({"metadata": {"name": "model", "namespace": "ns"}}, owner, "entity-model 1.0.0")
    body["metadata"].update(uid="uid-1", resourceVersion="1", generation=1)
    return body


Operation = Callable[[KServeElementHandler, CompositionElement, InstanceElement], Awaitable[Any]]


def _operations() -> dict[str, Operation]:
    def updated(instance: InstanceElement) -> InstanceElement:
        return _instance(instance, "model-2")

    return {
        "deploy": lambda h, c, i: h.deploy(element_context(c, i)),
        "update": lambda h, c, i: h.update(element_context(c, i, updated=updated(i))),
        "migrate": lambda h, c, i: h.migrate(element_context(c, i, updated=updated(i))),
        "rollback": lambda h, c, i: h.rollback(element_context(c, i, updated=updated(i))),
        "migrate_precheck": lambda h, c, i: h.migrate_precheck(
            element_context(c, i, updated=updated(i))
        ),
        "undeploy": lambda h, c, i: h.undeploy(element_context(c, i)),
        "delete": lambda h, c, i: h.delete(element_context(c, i)),
        "restore": lambda h, c, i: h.restore(
            element_context(c, i, deploy_state=DeployState.DEPLOYED)
        ),
    }


@pytest.fixture
async def world() -> AsyncIterator[Callable[[FakeApiServer], KServeElementHandler]]:
    handlers: list[KServeElementHandler] = []

    def make(api: FakeApiServer) -> KServeElementHandler:
        client = K8sClient(cast(Any, api), InferenceServiceResource())
        handler = KServeElementHandler.create(client, HandlerSettings(PARTICIPANT))
        handlers.append(handler)
        return handler

    yield make
    for handler in handlers:
        await handler.stop()


async def _fails(operation: Operation, handler: KServeElementHandler, instance: Any) -> str:
    composition = CompositionElement(uuid4(), DEFINITION)
    try:
        async with asyncio.timeout(HANG_GUARD_S):
            with pytest.raises(ElementFailure) as failed:
                await operation(handler, composition, instance)
    except TimeoutError:
        pytest.fail(f"still running {HANG_GUARD_S:g}s after its {TIMEOUT_S:g}s deadline")
    return str(failed.value)


@pytest.mark.parametrize("name", list(_operations()))
async def test_operation_fails_by_its_deadline_when_api_server_never_answers(
    world: Callable[[FakeApiServer], KServeElementHandler], name: str
) -> None:
    instance = _instance()
    api = FakeApiServer("hung")
    message = await _fails(_operations()[name], world(api), instance)
    assert "deadline" in message
    assert api.in_flight("get", "apply", "delete") == 0  # nothing of it outlives the failure


@pytest.mark.parametrize("name", ["deploy", "update", "undeploy", "delete", "migrate_precheck"])
async def test_operation_fails_by_its_deadline_when_api_server_lists_but_never_writes(
    world: Callable[[FakeApiServer], KServeElementHandler], name: str
) -> None:
    instance = _instance()
    api = FakeApiServer("hung_writes", objects=[_owned(instance)])
    message = await _fails(_operations()[name], world(api), instance)
    assert "deadline" in message
    assert api.in_flight("get", "apply", "delete") == 0


@pytest.mark.parametrize("name", ["deploy", "undeploy", "restore", "migrate_precheck"])
async def test_failure_says_first_that_api_server_was_unreachable_and_why(
    world: Callable[[FakeApiServer], KServeElementHandler], name: str
) -> None:
    message = await _fails(_operations()[name], world(FakeApiServer("refusing")), _instance())
    assert message.startswith("Kubernetes API server unreachable for ")
    assert "(last error: ConnectError: [Errno 111] Connection refused)" in message
