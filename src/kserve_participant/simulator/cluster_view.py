"""What the user watches while the simulator waits: the InferenceServices, their conditions and
the Deployments KServe built for them.

ONAP's runtime never looks at the cluster; the simulator does, with the user's kubeconfig, only to
show progress (created, Ready=Unknown, Ready=True with KServe's Deployment and its pods, deleting,
gone). It watches through the participant's own shared watches, so it costs two streams per
namespace, and reports each change of what a person would notice, not every resourceVersion.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.errors import K8sError
from kserve_participant.k8s.resources import DEPLOYMENTS, InferenceServiceResource
from kserve_participant.k8s.watch import InferenceServiceWatch, Key, Observed, WatchSettings

__all__ = ["ClusterView", "ServiceView", "describe", "describe_built"]

_ISVC_LABEL = "serving.kserve.io/inferenceservice"


@dataclass(frozen=True)
class ServiceView:
    """One InferenceService as a person reads it."""

    namespace: str
    name: str
    exists: bool
    ready: str  # "True", "False", "Unknown", or "-" without status
    reason: str = ""
    deleting: bool = False
    built: str = ""  # what KServe built: its Deployments and their available replicas

    @property
    def summary(self) -> str:
        if not self.exists:
            return "gone"
        if self.deleting:
            return "deleting (finalizer pending)"
        if self.ready == "-":
            return "created, no status yet"
        text = f"Ready={self.ready}"
        text = f"{text} ({self.reason})" if self.reason else text
        return f"{text}; KServe built {self.built}" if self.built else text


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def describe_built(deployments: Iterable[Mapping[str, Any]]) -> str:
    """``Deployment x-predictor (1/1 pods ready)``, for each Deployment KServe built."""
    parts = []
    for deployment in sorted(deployments, key=lambda d: str(d["metadata"].get("name"))):
        status = _mapping(deployment.get("status"))
        wanted = _mapping(deployment.get("spec")).get("replicas", 1)
        ready = status.get("readyReplicas") or 0
        parts.append(
            f"Deployment {deployment['metadata'].get('name')} ({ready}/{wanted} pods ready)"
        )
    return ", ".join(parts)


def describe(namespace: str, name: str, observed: Observed, built: str = "") -> ServiceView:
    """Reduce an observed object to what the progress display shows."""
    if not observed.exists or observed.obj is None:
        return ServiceView(namespace, name, exists=False, ready="-")
    obj = observed.obj
    deleting = bool(_mapping(obj.get("metadata")).get("deletionTimestamp"))
    status = _mapping(obj.get("status"))
    ready = "-"
    reason = ""
    conditions = status.get("conditions")
    for condition in conditions if isinstance(conditions, list) else []:
        if isinstance(condition, Mapping) and condition.get("type") == "Ready":
            ready = str(condition.get("status", "Unknown"))
            reason = str(condition.get("reason") or "")
    failure = _mapping(_mapping(status.get("modelStatus")).get("lastFailureInfo"))
    if ready != "True" and failure.get("reason"):
        reason = f"{failure['reason']}: {failure.get('message', '')}".rstrip(": ")
    return ServiceView(
        namespace,
        name,
        exists=True,
        ready=ready,
        reason=reason,
        deleting=deleting,
        built=built if ready == "True" and not deleting else "",
    )


class ClusterView:
    """Follows a set of InferenceServices and calls ``on_change`` when what it shows changes."""

    def __init__(self, kubeconfig: Path, on_change: Callable[[ServiceView], None]) -> None:
        self._client = K8sClient.from_kubeconfig(kubeconfig, InferenceServiceResource())
        self._watch = InferenceServiceWatch(self._client)
        self._deployments = InferenceServiceWatch(
            self._client.for_resource(DEPLOYMENTS),
            WatchSettings(labels={_ISVC_LABEL: None}),
        )
        self._on_change = on_change
        self._targets: set[Key] = set()
        self._shown: dict[Key, ServiceView] = {}
        self._changed_event = asyncio.Event()
        self._unsubscribe = self._watch.subscribe(self._changed)
        self._deployments.subscribe(self._deployment_changed)

    async def follow(self, targets: Iterable[Key]) -> None:
        """Start showing ``targets``; returns once their namespaces are listed."""
        new = set(targets) - self._targets
        self._targets |= new
        for namespace in sorted({namespace for namespace, _ in new}):
            await self._watch.ensure_watching(namespace)
            with contextlib.suppress(K8sError):  # without read access: no Deployments shown
                await self._deployments.ensure_watching(namespace)
        for key in sorted(new):
            observed = self._watch.cached(*key) or Observed(None, False)
            if observed.exists:
                self._changed(key, observed)
            else:
                # Not created yet: nothing to show until it appears.
                self._shown[key] = describe(*key, observed)

    def current(self, namespace: str, name: str) -> ServiceView:
        observed = self._watch.cached(namespace, name) or Observed(None, False)
        return describe(namespace, name, observed, self._built(namespace, name))

    def _built(self, namespace: str, name: str) -> str:
        return describe_built(
            d
            for d in self._deployments.existing(namespace)
            if _mapping(d["metadata"].get("labels")).get(_ISVC_LABEL) == name
        )

    def _deployment_changed(self, key: Key, observed: Observed) -> None:
        labels = _mapping(_mapping((observed.obj or {}).get("metadata")).get("labels"))
        owner = labels.get(_ISVC_LABEL)
        isvc = self._watch.cached(key[0], str(owner)) if owner else None
        if owner and isvc is not None:
            self._changed((key[0], str(owner)), isvc)

    async def settle(
        self, keys: Iterable[Key], done: Callable[[ServiceView], bool], *, within: float
    ) -> bool:
        """Wait (at most ``within`` s) until every key's view satisfies ``done``.

        The participant acks on the same watch events this view receives; waiting a moment for
        them keeps the printed story in order (Ready shown before DEPLOYED). False on timeout.
        """
        wanted = list(keys)

        def all_done() -> bool:
            return all(done(self.current(*key)) for key in wanted)

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while not all_done():
                    await self._changed_event.wait()
        return all_done()

    def _changed(self, key: Key, observed: Observed) -> None:
        if key not in self._targets:
            return
        view = describe(*key, observed, self._built(*key))
        if self._shown.get(key) != view:
            self._shown[key] = view
            self._on_change(view)
            # Wake every waiter once, then arm a fresh event for the next change.
            self._changed_event.set()
            self._changed_event = asyncio.Event()

    async def close(self) -> None:
        self._unsubscribe()
        await self._watch.stop()
        await self._deployments.stop()
        await self._client.close()
