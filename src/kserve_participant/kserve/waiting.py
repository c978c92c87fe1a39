"""Waiting, through the shared watch, until written entities are Ready or deleted ones are gone.

Why: the deploy ack must follow the ``Ready`` condition within a fraction of a second, fail fast
on a state that cannot heal, and on timeout say which InferenceServices were not ready and their
last conditions; undeploy must say what is stuck (e.g. KServe's finalizer). Waits of one
operation share one deadline. In Standard mode an InferenceService counts as Ready only once the
Deployments KServe made from our spec have rolled out (``rollout``): a second shared watch, over
Deployments, wakes the waiters of the InferenceService that owns each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from acm_participant import ElementFailure
from kserve_participant.k8s.client import Obj
from kserve_participant.k8s.watch import InferenceServiceWatch, Observed, WaitTimeout
from kserve_participant.kserve.ownership import stamped_template_hash
from kserve_participant.kserve.readiness import Phase, Readiness, WriteMark, assess
from kserve_participant.kserve.rollout import fatal_rollout, owned_by, rollout_pending
from kserve_participant.kserve.status import EntityStatus, entity_status
from kserve_participant.kserve.views import COMPONENTS, ISVC_LABEL
from kserve_participant.kserve.writes import Written, raise_collected

__all__ = [
    "ISVC_LABEL",
    "describe_conditions",
    "readiness_of",
    "rolled_out",
    "wait_gone_all",
    "wait_ready_all",
]

_MAX_CONDITIONS = 4


def readiness_of(observed: Observed, uid: str | None, mark: WriteMark | None) -> Readiness | None:
    """Readiness of our object (``uid``), or None when ``observed`` is another incarnation."""
    if observed.obj is not None and uid and observed.uid != uid:
        # Another object of the same name (a stale view of a deleted one): not ours to judge;
        # if ours is deleted, its own DELETED event (or a 404) says so.
        return None
    if mark is not None and observed.exists and observed.obj is not None:
        generation = observed.obj.get("metadata", {}).get("generation")
        if isinstance(generation, int) and generation < mark.generation:
            # The watch's view from before our write (its event is still on its way): its
            # Deployments match its own older spec, so it would pass for rolled out.
            return None
    return assess(observed.obj if observed.exists else None, mark)


def rolled_out(
    readiness: Readiness,
    isvc: Mapping[str, Any],
    deployments: InferenceServiceWatch,
    mark: WriteMark | None = None,
) -> Readiness:
    """A Ready InferenceService stays Progressing until its Deployments serve our spec. A failure
    read off the pods right after we replaced failing ones may still be theirs (KServe reads the
    pods of every ReplicaSet, a terminating one's too): it does not end the wait, the timeout does
    (quoting it), unless the new spec's pods come up first."""
    status = isvc.get("status") or {}
    if readiness.from_pods and mark is not None and mark.pods_failing_before:
        return Readiness(
            Phase.PROGRESSING, f"{readiness.reason} (may be the pods of the previous spec)"
        )
    if readiness.phase is not Phase.READY or status.get("deploymentMode") == "Serverless":
        return readiness
    owned = owned_by(_component_deployments(isvc, deployments), str(isvc["metadata"].get("uid")))
    if not owned:
        return Readiness(Phase.PROGRESSING, "no Deployment from KServe yet")
    for deployment in owned:
        fatal = fatal_rollout(deployment)
        if fatal:
            return Readiness(Phase.FAILED, fatal)
    template = stamped_template_hash(isvc)
    for deployment in owned:
        pending = rollout_pending(deployment, template)
        if pending:
            return Readiness(Phase.PROGRESSING, pending)
    return readiness


def _component_deployments(
    isvc: Mapping[str, Any], deployments: InferenceServiceWatch
) -> list[Mapping[str, Any]]:
    """The Deployments KServe names after the InferenceService's components (Standard mode:
    ``<name>-predictor``, ``-transformer``, ``-explainer``), looked up in the watch's cache."""
    meta = isvc.get("metadata") or {}
    namespace, name = str(meta.get("namespace")), str(meta.get("name"))
    spec = isvc.get("spec") or {}
    found: list[Mapping[str, Any]] = []
    for component in COMPONENTS:
        if component in spec:
            cached = deployments.cached(namespace, f"{name}-{component}")
            if cached is not None and cached.exists and cached.obj is not None:
                found.append(cached.obj)
    return found


def describe_conditions(obj: Mapping[str, Any] | None) -> str:
    if obj is None:
        return "not found"
    conditions = (obj.get("status") or {}).get("conditions") or []
    parts = []
    for cond in sorted(conditions, key=lambda c: c.get("type") != "Ready")[:_MAX_CONDITIONS]:
        text = f"{cond.get('type')}={cond.get('status')}"
        if cond.get("reason"):
            text += f" {cond['reason']}"
        parts.append(text)
    return ", ".join(parts) if parts else "no conditions yet"


class _NotReady(Exception):
    def __init__(self, key: str, last: Obj | None, waiting_for: str) -> None:
        self.key = key
        self.last = last
        self.waiting_for = waiting_for

    def __str__(self) -> str:
        detail = describe_conditions(self.last)
        if self.waiting_for:
            detail += f"; {self.waiting_for}"
        return f"{self.key} ({detail})"


async def _wait_ready(
    watch: InferenceServiceWatch,
    deployments: InferenceServiceWatch,
    written: Written,
    deadline: float,
    interval: float,
) -> EntityStatus:
    entity = written.entity
    waiting_for = ""

    def settled(observed: Observed) -> Readiness | None:
        nonlocal waiting_for
        readiness = readiness_of(observed, written.uid, written.mark)
        if readiness is None or observed.obj is None:
            return None
        gated = rolled_out(readiness, observed.obj, deployments, written.mark)
        waiting_for = gated.reason if gated is not readiness else ""
        return gated if gated.settled else None

    try:
        readiness = await watch.wait_until(
            entity.namespace,
            entity.name,
            settled,
            deadline=deadline,
            resync_interval=interval,
            initial=written.obj,
        )
    except WaitTimeout as exc:
        last = exc.last.obj if exc.last is not None and exc.last.exists else None
        raise _NotReady(f"{entity.namespace}/{entity.name}", last, waiting_for) from None
    if readiness.phase is not Phase.READY:
        raise ElementFailure(
            f"{entity.namespace}/{entity.name} {readiness.phase.value.lower()}: {readiness.reason}"
        )
    cached = watch.cached(entity.namespace, entity.name)
    obj = cached.obj if cached is not None and cached.uid == written.uid else written.obj
    return entity_status(entity.namespace, entity.name, entity.entity_id, obj, readiness)


async def wait_ready_all(
    watch: InferenceServiceWatch,
    deployments: InferenceServiceWatch,
    written: Iterable[Written],
    *,
    deadline: float,
    interval: float,
    timeout_s: float,
) -> list[EntityStatus]:
    """Every entity Ready by ``deadline``; the first one Failed/Stopped/Gone fails at once."""
    statuses: list[EntityStatus] = []
    not_ready: list[_NotReady] = []

    async def one(item: Written) -> None:
        try:
            statuses.append(await _wait_ready(watch, deployments, item, deadline, interval))
        except _NotReady as exc:
            not_ready.append(exc)

    try:
        async with asyncio.TaskGroup() as group:
            for item in written:
                group.create_task(one(item))
    except BaseExceptionGroup as group_error:
        raise_collected(group_error.exceptions)
    if not_ready:
        details = "; ".join(str(item) for item in sorted(not_ready, key=lambda n: n.key))
        raise ElementFailure(f"not Ready within {timeout_s:g}s: {details}")
    return statuses


def _gone(uid: str | None) -> Any:
    def check(observed: Observed) -> bool | None:
        if not observed.exists or (uid and observed.uid and observed.uid != uid):
            return True
        return None

    return check


async def wait_gone_all(
    watch: InferenceServiceWatch,
    objects: Mapping[tuple[str, str], Obj],
    *,
    deadline: float,
    interval: float,
    timeout_s: float,
) -> None:
    """Every object deleted (finalizers included) by ``deadline``, else say what is stuck."""
    stuck: list[str] = []

    async def one(key: tuple[str, str], obj: Obj) -> None:
        uid = obj.get("metadata", {}).get("uid")
        try:
            await watch.wait_until(*key, _gone(uid), deadline=deadline, resync_interval=interval)
        except WaitTimeout as exc:
            last = exc.last.obj if exc.last is not None and exc.last.exists else obj
            finalizers = (last or {}).get("metadata", {}).get("finalizers") or []
            why = (
                f"finalizer {', '.join(finalizers)} still present"
                if finalizers
                else "still present"
            )
            stuck.append(f"{key[0]}/{key[1]} ({why})")

    await asyncio.gather(*(one(key, obj) for key, obj in objects.items()))
    if stuck:
        raise ElementFailure(f"not deleted within {timeout_s:g}s: {'; '.join(sorted(stuck))}")
