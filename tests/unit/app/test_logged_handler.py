"""Lifecycle log lines of element operations, with the ids an operator greps for."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from uuid import uuid4

import pytest

from acm_participant.handler import (
    CompositionElement,
    ElementDefinitionId,
    ElementFailure,
    ElementHandler,
    ElementOutcome,
    InstanceElement,
    OperationNotSupported,
)
from kserve_participant.app.logged_handler import LoggedHandler
from kserve_participant.logs import configure_logging


class Inner(ElementHandler):
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def deploy(self, composition, instance):
        logging.getLogger("inner").info("creating")
        return ElementOutcome(message="ok")

    async def undeploy(self, composition, instance):
        raise ElementFailure("InferenceService ns/a is stuck")


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    configure_logging(level="INFO", log_format="kv", stream=stream)
    yield stream
    root.handlers[:] = before[0]
    root.setLevel(before[1])


def _message(line: str) -> str:
    match = re.search(r'msg=(?:"([^"]*)"|(\S+))', line)
    assert match is not None
    return match.group(1) or match.group(2)


def _element() -> tuple[CompositionElement, InstanceElement]:
    composition = CompositionElement(uuid4(), ElementDefinitionId("e", "1.0.0"))
    entities = [{"name": "a", "namespace": "ns"}, {"name": "b", "namespace": "ns"}]
    instance = InstanceElement(uuid4(), uuid4(), {"kserveInferenceEntities": entities})
    return composition, instance


async def test_deploy_lines_carry_instance_element_and_isvc_ids_when_it_succeeds(output):
    composition, instance = _element()
    outcome = await LoggedHandler(Inner()).deploy(composition, instance)
    assert outcome == ElementOutcome(message="ok")
    lines = output.getvalue().strip().splitlines()
    messages = [_message(line) for line in lines]
    assert messages[:2] == ["deploy started", "creating"]
    assert messages[2].startswith("deploy succeeded in")
    for line in lines:
        assert f"instance={instance.instance_id}" in line
        assert f"element={instance.element_id}" in line
        assert "isvc=ns/a,ns/b" in line


async def test_failure_is_logged_with_reason_and_reraised_when_operation_fails(output):
    composition, instance = _element()
    with pytest.raises(ElementFailure):
        await LoggedHandler(Inner()).undeploy(composition, instance)
    assert "undeploy failed after" in output.getvalue()
    assert "ns/a is stuck" in output.getvalue()


async def test_unsupported_operation_passes_through_when_inner_lacks_it(output):
    composition, instance = _element()
    with pytest.raises(OperationNotSupported):
        await LoggedHandler(Inner()).lock(composition, instance)
    assert "lock not supported" in output.getvalue()
