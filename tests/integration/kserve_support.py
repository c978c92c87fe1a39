"""Helpers for the KServe handler integration tests: a recording reporter, handler wiring, samples.

The handler is driven directly (the ACM runtime is not involved) against the real API server of
the dev stack, with KServe's own controller writing status and KWOK playing the pods.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import yaml
from lightkube import AsyncClient, KubeConfig
from lightkube.config.kubeconfig import SingleConfig
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.autoscaling_v2 import HorizontalPodAutoscaler
from lightkube.resources.core_v1 import Service

from acm_participant import (
    CompositionElement,
    ElementDefinitionId,
    InstanceElement,
)
from acm_participant.protocol.enums import DeployState, LockState, StateChangeResult
from kserve_participant.devstack.faults import PodFault, with_pod_fault
from kserve_participant.devstack.info import StackInfo
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.resources import DEPLOYMENTS, InferenceServiceResource
from kserve_participant.k8s.watch import InferenceServiceWatch
from kserve_participant.kserve.entities import EntityPolicy
from kserve_participant.kserve.handler import HandlerSettings, KServeElementHandler
from kserve_participant.kserve.ownership import LABEL_MANAGED_BY, MANAGED_BY

KSERVE_SAMPLES = Path("/work/shared/samples/kserve")
ONAP_SAMPLES = Path("/work/shared/samples/onap")
DEFINITION = ElementDefinitionId(
    "onap.policy.clamp.ac.element.KserveAutomationCompositionElement", "1.2.3"
)


@dataclass
class InfoReport:
    instance_id: UUID
    element_id: UUID
    out_properties: Mapping[str, Any] | None
    operational_state: str | None


@dataclass
class StateReport:
    instance_id: UUID
    element_id: UUID
    deploy_state: DeployState | None
    lock_state: LockState | None
    result: StateChangeResult
    message: str | None


@dataclass
class RecordingReporter:
    """An ElementReporter that keeps every report and lets a test await one."""

    infos: list[InfoReport] = field(default_factory=list)
    states: list[StateReport] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def report_element_state(
        self,
        instance_id: UUID,
        element_id: UUID,
        *,
        deploy_state: DeployState | None = None,
        lock_state: LockState | None = None,
        result: StateChangeResult = StateChangeResult.NO_ERROR,
        message: str | None = None,
        stage: int | None = None,
    ) -> None:
        async with self._changed:
            self.states.append(
                StateReport(instance_id, element_id, deploy_state, lock_state, result, message)
            )
            self._changed.notify_all()

    async def report_element_info(
        self,
        instance_id: UUID,
        element_id: UUID,
        *,
        out_properties: Mapping[str, Any] | None = None,
        operational_state: str | None = None,
        use_state: str | None = None,
    ) -> None:
        async with self._changed:
            self.infos.append(
                InfoReport(instance_id, element_id, out_properties, operational_state)
            )
            self._changed.notify_all()

    async def report_composition_info(
        self,
        composition_id: UUID,
        definition_id: ElementDefinitionId,
        *,
        out_properties: Mapping[str, Any],
    ) -> None:
        """Not used by the KServe handler."""

    async def info_matching(
        self, check: Callable[[InfoReport], bool], *, within: float = 20.0
    ) -> InfoReport:
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: any(check(i) for i in self.infos))
            return next(i for i in self.infos if check(i))

    async def state_matching(
        self, check: Callable[[StateReport], bool], *, within: float = 30.0
    ) -> StateReport:
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: any(check(s) for s in self.states))
            return next(s for s in self.states if check(s))


@dataclass
class Harness:
    handler: KServeElementHandler
    client: K8sClient
    reporter: RecordingReporter
    requests: Counter[str]
    participant_id: UUID

    async def objects(self, namespace: str) -> list[dict[str, Any]]:
        """Every InferenceService in the namespace (ours or not)."""
        return (await self.client.list(namespace, labels={})).items

    async def names(self, namespace: str) -> list[str]:
        return sorted(o["metadata"]["name"] for o in await self.objects(namespace))


async def wait_created(client: K8sClient, namespace: str, name: str, *, within: float) -> None:
    """Wait until the InferenceService exists (a deploy in flight has written it)."""
    observer = InferenceServiceWatch(client)
    try:
        await observer.wait_until(
            namespace,
            name,
            lambda seen: True if seen.exists else None,
            deadline=asyncio.get_running_loop().time() + within,
            resync_interval=1,
        )
    finally:
        await observer.stop()


async def wait_until_deleting(
    client: K8sClient, namespace: str, name: str, *, within: float
) -> dict[str, Any]:
    """Wait until the InferenceService carries a deletionTimestamp; return it as seen then."""
    observer = InferenceServiceWatch(client)
    try:
        return await observer.wait_until(
            namespace,
            name,
            lambda seen: (
                seen.obj
                if seen.exists and seen.obj and seen.obj["metadata"].get("deletionTimestamp")
                else None
            ),
            deadline=asyncio.get_running_loop().time() + within,
            resync_interval=1,
        )
    finally:
        await observer.stop()


KSERVE_CHILDREN: tuple[type[Any], ...] = (Deployment, Service, HorizontalPodAutoscaler)


async def kserve_children(info: StackInfo, namespace: str, isvc: str) -> dict[str, list[str]]:
    """What KServe made for one InferenceService, by kind: the names of the objects it labels
    ``serving.kserve.io/inferenceservice=<isvc>`` (kinds with none are left out)."""
    found: dict[str, list[str]] = {}
    async with AsyncClient(KubeConfig.from_file(info.kubeconfig)) as admin:
        for kind in KSERVE_CHILDREN:
            labels: dict[str, Any] = {"serving.kserve.io/inferenceservice": isvc}
            names = sorted(
                [
                    o.metadata.name
                    async for o in admin.list(kind, namespace=namespace, labels=labels)
                ]
            )
            if names:
                found[kind.__name__] = names
    return found


async def deployment_of(h: Harness, namespace: str, isvc: str) -> dict[str, Any]:
    """The predictor Deployment KServe made for ``isvc`` (Standard mode)."""
    return await h.client.for_resource(DEPLOYMENTS).get(namespace, f"{isvc}-predictor")


async def wait_isvc_created(kubeconfig: Path, namespace: str, name: str, *, within: float) -> None:
    """``wait_created`` with a client of its own (admin kubeconfig)."""
    client = K8sClient.from_kubeconfig(kubeconfig, InferenceServiceResource())
    try:
        await wait_created(client, namespace, name, within=within)
    finally:
        await client.close()


def token_config(info: StackInfo, token: str) -> SingleConfig:
    """Client config for a token user (e.g. ``info.participant_token``, which has no RBAC)."""
    config = KubeConfig.from_dict(
        {
            "clusters": [
                {
                    "name": "dev",
                    "cluster": {
                        "server": info.api_server,
                        "certificate-authority": str(info.ca_file),
                    },
                }
            ],
            "users": [{"name": "user", "user": {"token": token}}],
            "contexts": [{"name": "dev", "context": {"cluster": "dev", "user": "user"}}],
            "current-context": "dev",
        }
    )
    single = config.get()
    assert single is not None
    return single


@asynccontextmanager
async def harness(
    info: StackInfo,
    *,
    participant_id: UUID | None = None,
    policy: EntityPolicy | None = None,
    cluster_wide: bool = False,
    token: str | None = None,
) -> AsyncIterator[Harness]:
    """A started handler on the stack; ``token`` authenticates as that user instead of admin."""
    requests: Counter[str] = Counter()
    if token is None:
        client = K8sClient.from_kubeconfig(
            info.kubeconfig,
            InferenceServiceResource(),
            on_request=lambda verb, code: requests.update([verb]),
        )
    else:
        client = K8sClient(
            AsyncClient(token_config(info, token)),
            InferenceServiceResource(),
            on_request=lambda verb, code: requests.update([verb]),
        )
    pid = participant_id or uuid4()
    handler = KServeElementHandler.create(
        client, HandlerSettings(pid, policy or EntityPolicy()), cluster_wide=cluster_wide
    )
    reporter = RecordingReporter()
    await handler.start(reporter)
    try:
        yield Harness(handler, client, reporter, requests, pid)
    finally:
        await handler.stop()
        await client.close()


def load_sample(filename: str) -> dict[str, Any]:
    return dict(yaml.safe_load((KSERVE_SAMPLES / filename).read_text()))


def sample_files() -> list[str]:
    """KServe's docs samples this cluster can serve: one asking for a GPU stays unschedulable on
    the fake node (``test_kserve_formats`` shows that with the scheduler's reason)."""
    return sorted(
        p.name
        for p in KSERVE_SAMPLES.glob("docs__samples__*.yaml")
        if "nvidia.com/gpu" not in p.read_text()
    )


def entity(
    name: str,
    namespace: str,
    payload: Mapping[str, Any] | None = None,
    *,
    fault: PodFault | None = None,
    ready_delay: str | None = None,
    as_string: bool = True,
) -> dict[str, Any]:
    """An element's entity record; its pods show ``fault`` / become ready after ``ready_delay``."""
    body = copy.deepcopy(dict(payload or load_sample("docs__samples__istio-dex__sklearn.yaml")))
    body = with_pod_fault(body, fault=fault, ready_delay=ready_delay)
    metadata = body.setdefault("metadata", {})
    metadata["name"] = name
    metadata.pop("namespace", None)
    return {
        "kserveInferenceEntityId": {"name": f"entity-{name}", "version": "1.0.0"},
        "name": name,
        "namespace": namespace,
        "payload": json.dumps(body) if as_string else body,
    }


def element(
    *entities: Mapping[str, Any],
    timeout: float = 30,
    interval: float = 5,
    instance_id: UUID | None = None,
    element_id: UUID | None = None,
    composition_properties: Mapping[str, Any] | None = None,
) -> tuple[CompositionElement, InstanceElement]:
    composition = CompositionElement(
        uuid4(), DEFINITION, properties=dict(composition_properties or {})
    )
    instance = InstanceElement(
        instance_id or uuid4(),
        element_id or uuid4(),
        properties={
            "kserveInferenceEntities": list(entities),
            "uninitializedToPassiveTimeout": timeout,
            "statusCheckInterval": interval,
        },
    )
    return composition, instance


def with_entities(
    instance: InstanceElement, *entities: Mapping[str, Any], **props: Any
) -> InstanceElement:
    """The same instance element with another entity list (an update's properties)."""
    properties = {**instance.properties, "kserveInferenceEntities": list(entities), **props}
    return InstanceElement(instance.instance_id, instance.element_id, properties=properties)


MANAGED_SELECTOR = {LABEL_MANAGED_BY: MANAGED_BY}
