"""Live status of deployed elements: re-published whenever an InferenceService's state changes.

Why: a model that goes unready an hour after deploy, or an object deleted behind our back, must
show in ACM as the element's outProperties and operational state. The shared watch calls
:meth:`LiveStatus.on_change` (synchronously); a single task coalesces changes per element and
reports only what differs from the last report. No extra API request is made: the watch's cache
is the source.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from acm_participant import ElementReporter
from kserve_participant.k8s.client import Obj
from kserve_participant.k8s.watch import InferenceServiceWatch, Key, Observed
from kserve_participant.kserve.ownership import ANNOTATION_ENTITY_ID
from kserve_participant.kserve.readiness import Phase, Readiness, WriteMark
from kserve_participant.kserve.status import (
    EntityStatus,
    entity_status,
    operational_state,
    out_properties,
    use_state,
)
from kserve_participant.kserve.waiting import readiness_of

__all__ = ["LiveStatus", "TrackedEntity"]

log = logging.getLogger(__name__)

ElementKey = tuple[UUID, UUID]  # (instance id, element id)


@dataclass(frozen=True, slots=True)
class TrackedEntity:
    namespace: str
    name: str
    entity_id: str
    uid: str | None
    mark: WriteMark | None = None

    @property
    def key(self) -> Key:
        return (self.namespace, self.name)

    @classmethod
    def of(cls, obj: Obj) -> TrackedEntity:
        """From an object found by its labels (after a restart): ids from its metadata."""
        metadata = obj.get("metadata", {})
        entity_id = (metadata.get("annotations") or {}).get(ANNOTATION_ENTITY_ID, "")
        return cls(
            str(metadata.get("namespace", "")),
            str(metadata.get("name", "")),
            str(entity_id),
            str(metadata.get("uid", "")) or None,
        )


@dataclass
class _Element:
    entities: dict[Key, TrackedEntity]
    until_gone: bool = False
    last_report: Any = None


class LiveStatus:
    """Elements being watched for later status changes, and the task that reports them."""

    def __init__(self, watch: InferenceServiceWatch) -> None:
        self._watch = watch
        self._elements: dict[ElementKey, _Element] = {}
        self._by_key: dict[Key, set[ElementKey]] = {}
        self._dirty: set[ElementKey] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reporter: ElementReporter | None = None
        self._unsubscribe = watch.subscribe(self.on_change)

    def start(self, reporter: ElementReporter) -> None:
        self._reporter = reporter
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="kserve-live-status")

    async def stop(self) -> None:
        self._unsubscribe()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def track(
        self, element: ElementKey, entities: Iterable[TrackedEntity], *, until_gone: bool = False
    ) -> None:
        """Watch these entities for the element and report its status now and on every change.

        ``until_gone``: the element is not deployed (what a failed deploy left): once none of
        its objects is left, that is reported and the element is no longer followed, whoever
        deleted them (e.g. another replica running its UNDEPLOY).
        """
        self.untrack(element)
        tracked = _Element({e.key: e for e in entities}, until_gone)
        self._elements[element] = tracked
        for key in tracked.entities:
            self._by_key.setdefault(key, set()).add(element)
        self._mark_dirty(element)

    def untrack(self, element: ElementKey) -> None:
        tracked = self._elements.pop(element, None)
        self._dirty.discard(element)
        if tracked is None:
            return
        for key in tracked.entities:
            owners = self._by_key.get(key)
            if owners is not None:
                owners.discard(element)
                if not owners:
                    del self._by_key[key]

    async def clear(self, element: ElementKey) -> None:
        """Stop following the element and report at once that none of its objects is left."""
        self.untrack(element)
        await self._report(element, [])

    def follows(self, namespace: str | None) -> bool:
        """Whether an element tracked here has an object in ``namespace`` (None: anywhere)."""
        return any(namespace is None or key[0] == namespace for key in self._by_key)

    def sizes(self) -> dict[str, int]:
        return {"tracked elements": len(self._elements), "tracked names": len(self._by_key)}

    def tracked(self, element: ElementKey) -> list[TrackedEntity]:
        tracked = self._elements.get(element)
        return list(tracked.entities.values()) if tracked else []

    def on_change(self, key: Key, observed: Observed) -> None:
        for element in self._by_key.get(key, ()):
            self._mark_dirty(element)

    def _mark_dirty(self, element: ElementKey) -> None:
        self._dirty.add(element)
        self._wake.set()

    def statuses(self, element: ElementKey) -> list[EntityStatus]:
        tracked = self._elements.get(element)
        if tracked is None:
            return []
        result = []
        for entity in tracked.entities.values():
            observed = self._watch.cached(entity.namespace, entity.name)
            readiness: Readiness | None = None
            obj = None
            if observed is not None:
                readiness = readiness_of(observed, entity.uid, entity.mark)
                obj = observed.obj if observed.exists else None
            if readiness is None:
                readiness = Readiness(Phase.GONE, "not found")
            result.append(
                entity_status(entity.namespace, entity.name, entity.entity_id, obj, readiness)
            )
        return result

    @staticmethod
    def _fingerprint(statuses: list[EntityStatus]) -> Any:
        return sorted(
            (
                s.namespace,
                s.name,
                s.readiness.phase,
                s.readiness.reason,
                s.url,
                s.generation,
                s.stopped,
            )
            for s in statuses
        )

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            dirty, self._dirty = self._dirty, set()
            for element in dirty:
                tracked = self._elements.get(element)
                if tracked is None:
                    continue
                statuses = self.statuses(element)
                fingerprint = self._fingerprint(statuses)
                if fingerprint == tracked.last_report:
                    continue
                tracked.last_report = fingerprint
                if tracked.until_gone and all(s.readiness.phase is Phase.GONE for s in statuses):
                    self.untrack(element)  # nothing left to follow
                await self._report(element, statuses)

    async def _report(self, element: ElementKey, statuses: list[EntityStatus]) -> None:
        if self._reporter is None:
            return
        try:
            await self._reporter.report_element_info(
                element[0],
                element[1],
                out_properties=out_properties(statuses),
                operational_state=operational_state(statuses),
                use_state=use_state(statuses),
            )
        except Exception:
            log.exception("live status report failed instance=%s element=%s", *element)
