"""Session fixtures for the real local stack (Kafka, kube-apiserver + etcd, KServe's CRD).

``stack`` starts one fresh stack per test session (about 10 s warm, ~1 GB) and stops every process
at the end, also on Ctrl-C, SIGTERM or interpreter exit. Integration tests run by default; they are
skipped only when asked explicitly with ``KSP_SKIP_INTEGRATION=1``.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from lightkube import AsyncClient, KubeConfig
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace

from kserve_participant.devstack import Stack, StackInfo
from kserve_participant.devstack.build import build_all
from kserve_participant.devstack.cache import Cache, ToolsDir

SKIP_INTEGRATION = os.environ.get("KSP_SKIP_INTEGRATION") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SKIP_INTEGRATION:
        return
    skip = pytest.mark.skip(reason="integration tests skipped: KSP_SKIP_INTEGRATION=1")
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A fresh stack for this session: ``stack.info`` (StackInfo), ``stop_kafka``/``start_kafka``,
    ``stop_apiserver``/``start_apiserver``. The CRD is installed and its schema warmed up."""

    def say(message: str) -> None:
        print(message, file=sys.stderr)

    build_all(Cache.default(), ToolsDir.locate(), say=say)  # a no-op once cached
    running = Stack(tmp_path_factory.mktemp("stack"))  # stops itself on SIGTERM and at exit
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def stack_info(stack: Stack) -> StackInfo:
    return stack.info


@pytest.fixture
def namespace(stack: Stack) -> str:
    """A fresh namespace ``t-<random>``. Never deleted: the stack runs no namespace controller, so a
    deleted namespace stays Terminating for good; fresh names are the isolation."""
    name = f"t-{secrets.token_hex(4)}"
    with stack.admin_client() as client:
        client.create(Namespace(metadata=ObjectMeta(name=name)))
    return name


@pytest_asyncio.fixture
async def kube_admin(stack: Stack) -> AsyncIterator[AsyncClient]:
    """An admin lightkube AsyncClient (client certificate, system:masters)."""
    client = AsyncClient(KubeConfig.from_file(stack.info.kubeconfig))
    try:
        yield client
    finally:
        await client.close()
