"""One shared InferenceService watch per namespace (or one cluster-wide) serving every waiter.

Why: readiness must come from watch events, not from a poll loop per object, and the request
count per InferenceService must stay constant as their number grows. A stream lists once,
then watches from the list's resourceVersion, with bookmarks; lightkube resumes from the last
seen version (a bookmark's included) when the server closes the stream after
``server_timeout_s``. A stream silent for longer than that (plus a margin) is dead: it is
re-watched from the last version at once (``Stalled``). On 410 Gone (version too old) or any
error the stream re-lists and reports what changed meanwhile; errors are retried with a capped
back-off and logged once per streak (``stream_health``). A refused stream (403, 404) that
nothing needs any more (no waiter, no pin, nothing the owner follows there:
``keep_streams_while``) stops; through an outage (no answer, 5xx) every stream keeps trying.
Waiters register a predicate on one object and are woken by the event that satisfies it.
A stream that has listed and not failed since delivers every change, in order: a quiet stream
means nothing changed, and a stream that died silently is found out by its read timeout and
resumed from its last version (the server re-sends what it missed). So a waiter that heard
nothing for ``resync_interval`` (the element's statusCheckInterval) sends nothing while the API
server is heard from (any answer, event or bookmark, on any stream). Only when nothing at all
came for that long (an idle cluster, or a frozen API server) does one re-GET, shared by every
waiter that checks meanwhile, find out; the outage it may meet is what the acks report. While
its stream is failing (back-off, re-list), a waiter re-GETs its own object once per interval.

The cache holds what the streams say exists (``managedFields`` left out, as nobody reads them,
and the spec unless ``keep_spec``; or only what a ``project`` function keeps), so the handler
can check ownership and find an element's objects without a request. A deleted object leaves a
tombstone only while someone waits on it or has pinned its name (:meth:`pinned`), so the cache
shrinks back when objects go: nothing in it grows without bound.

It knows nothing about KServe readiness: predicates come from the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from kserve_participant.k8s.client import K8sClient, LabelSelector, Obj
from kserve_participant.k8s.errors import Gone, K8sError, NotFound, Stalled
from kserve_participant.k8s.observed import Key, Listener, Observed, Predicate, Waiter, WaitTimeout
from kserve_participant.k8s.stream_health import StreamHealth

__all__ = [
    "InferenceServiceWatch",
    "Key",
    "Observed",
    "WaitTimeout",
    "WatchSettings",
]

log = logging.getLogger(__name__)

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class WatchSettings:
    cluster_wide: bool = False
    labels: Mapping[str, str | None] = field(default_factory=dict)
    server_timeout_s: int = 60
    """The API server ends each watch request after this long and lightkube re-requests it from
    the last version: cheap, and it bounds how long a dead connection goes unnoticed (this plus
    ``client.WATCH_READ_MARGIN_S``)."""
    retry_delay_s: float = 1.0
    keep_spec: bool = True
    """Keep each object's ``spec`` in the cache (the readiness of a rollout reads the
    Deployments' and InferenceServices' specs; a watch whose readers need only metadata and
    status may drop it: it is most of an object)."""
    project: Callable[[Obj], Obj] | None = None
    """What the cache keeps of each object, when its readers need less than the whole object
    (memory grows with every tracked object); replaces ``keep_spec``. ``metadata.namespace``,
    ``name``, ``uid`` and ``resourceVersion`` must be kept."""


class InferenceServiceWatch:
    """Shared watch streams and the waiters they serve."""

    def __init__(self, client: K8sClient, settings: WatchSettings | None = None) -> None:
        self._client = client
        self._settings = settings or WatchSettings()
        self._labels: LabelSelector = dict(self._settings.labels)
        self._cache: dict[Key, Observed] = {}
        self._streams: dict[str | None, asyncio.Task[None]] = {}
        self._synced: dict[str | None, asyncio.Event] = {}
        self._attempted: dict[str | None, asyncio.Event] = {}
        self._list_error: dict[str | None, K8sError] = {}
        self._waiters: dict[Key, set[Waiter[object]]] = {}
        self._pins: Counter[Key] = Counter()
        self._in_order: set[str | None] = set()  # streams listed and not failed since
        self._shared_reread: asyncio.Task[None] | None = None
        self._wake: dict[str | None, asyncio.Event] = {}  # ends a failing stream's back-off
        self._ensuring: Counter[str | None] = Counter()  # callers of ensure_watching, per stream
        self._in_use: Callable[[str | None], bool] = lambda namespace: False
        self._listeners: list[Listener] = []

    @property
    def cluster_wide(self) -> bool:
        return self._settings.cluster_wide

    def _stream_key(self, namespace: str) -> str | None:
        return None if self._settings.cluster_wide else namespace

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` on every change of every watched object; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def keep_streams_while(self, in_use: Callable[[str | None], bool]) -> None:
        """What the owner still needs a namespace's stream for (None: the cluster-wide stream),
        besides this watch's waiters and pins: e.g. the objects whose live status it follows.
        A failing stream nothing needs stops instead of retrying for the life of the process."""
        self._in_use = in_use

    def cached(self, namespace: str, name: str) -> Observed | None:
        return self._cache.get((namespace, name))

    def existing(self, namespace: str | None) -> list[Obj]:
        """Every object the streams know to exist in ``namespace`` (None: in every one)."""
        return [
            observed.obj
            for key, observed in self._cache.items()
            if observed.exists
            and observed.obj is not None
            and (namespace is None or key[0] == namespace)
        ]

    def sizes(self) -> dict[str, int]:
        """How many entries each structure holds (to check that none keeps growing)."""
        return {
            "cached objects": len(self._cache),
            "waited-on objects": len(self._waiters),
            "pinned names": len(self._pins),
            "watch streams": len(self._streams),
        }

    def remember(self, obj: Obj) -> None:
        """A write's answer, for a name the streams have not reported yet.

        A deploy that fails halfway is undeployed at once; the objects it did create must be
        found even if their ADDED events are still in flight. What the streams already know
        (including a tombstone of this very object) wins.
        """
        meta = obj.get("metadata", {})
        key = (str(meta.get("namespace", "")), str(meta.get("name", "")))
        known = self._cache.get(key)
        if known is not None and (known.exists or known.uid == meta.get("uid")):
            return
        self._store(key, Observed(self._slim(obj), True))

    @contextlib.contextmanager
    def pinned(self, keys: Iterable[Key]) -> Iterator[None]:
        """Keep the tombstones of these names while the block runs (deleted, then waited on)."""
        held = list(keys)
        self._pins.update(held)
        try:
            yield
        finally:
            self._pins.subtract(held)
            for key in held:
                if self._pins[key] <= 0:
                    del self._pins[key]
                    self._drop_tombstone(key)

    def reconsider(self, namespace: str, name: str) -> None:
        """Offer the cached state of one object to its waiters again: something else their
        predicates read (another watch's objects) has changed."""
        observed = self._cache.get((namespace, name))
        if observed is not None:
            for waiter in list(self._waiters.get((namespace, name), ())):
                waiter.offer(observed)

    async def ensure_watching(self, namespace: str) -> None:
        """Start the stream serving ``namespace`` if needed and wait for its first list.

        Raises the K8sError of the last list attempt while the stream cannot list (e.g. 403:
        no RBAC); the stream keeps retrying in the background.
        """
        key = self._stream_key(namespace)
        if key not in self._streams:
            self._synced[key] = asyncio.Event()
            self._attempted[key] = asyncio.Event()
            self._wake[key] = asyncio.Event()
            self._streams[key] = asyncio.create_task(
                self._run_stream(key), name=f"isvc-watch:{key or '*'}"
            )
        synced, attempted = self._synced[key], self._attempted[key]
        if synced.is_set():
            return
        if key in self._list_error:
            # Failing and backing off: try again now, so that a caller gets today's answer
            # (RBAC granted since the last attempt), not the one of the last attempt.
            attempted.clear()
            self._wake[key].set()
        self._ensuring[key] += 1
        try:
            await attempted.wait()
            error = self._list_error.get(key)
            if not synced.is_set() and error is not None:
                raise error
            await synced.wait()
        finally:
            self._ensuring[key] -= 1
            if self._ensuring[key] <= 0:
                del self._ensuring[key]

    async def wait_until(
        self,
        namespace: str,
        name: str,
        predicate: Predicate[V],
        *,
        deadline: float,
        resync_interval: float,
        initial: Obj | None = None,
    ) -> V:
        """Wait until ``predicate`` returns a value for this object; raise WaitTimeout if not.

        ``deadline`` is in event-loop time (``loop.time()``), so waits of one operation share it.

        ``initial`` is a state the caller just got from a write (create/apply response), so
        no GET is needed to start.
        """
        key = (namespace, name)
        waiter: Waiter[V] = Waiter(predicate)
        try:
            async with asyncio.timeout_at(deadline):
                await self.ensure_watching(namespace)
                self._waiters.setdefault(key, set()).add(waiter)  # type: ignore[arg-type]
                cached = self._cache.get(key)
                if cached is not None:
                    waiter.offer(cached)
                if initial is not None:
                    waiter.offer(Observed(initial, True))
                elif cached is None:
                    await self._refresh(waiter, key)
                while True:
                    stale_in = waiter.heard_at + resync_interval - time.monotonic()
                    if stale_in > 0:
                        done, _ = await asyncio.wait({waiter.future}, timeout=stale_in)
                        if done:
                            return waiter.future.result()
                    else:
                        await self._check_quiet(waiter, key, resync_interval)
                        if waiter.future.done():
                            return waiter.future.result()
        except TimeoutError:
            raise WaitTimeout(key, waiter.last) from None
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[key]
                    self._drop_tombstone(key)

    async def _check_quiet(self, waiter: Waiter[V], key: Key, interval: float) -> None:
        """``waiter`` heard nothing for ``interval`` (see the module's docstring)."""
        if self._stream_key(key[0]) not in self._in_order:
            await self._refresh(waiter, key)
            return
        if not self._client.answered_within(interval):
            if self._shared_reread is None:
                self._shared_reread = asyncio.create_task(self._refresh(waiter, key))
                self._shared_reread.add_done_callback(self._reread_done)
            # Shielded: the waiter whose re-read it is may reach its deadline; the others wait on.
            await asyncio.shield(self._shared_reread)
        waiter.heard_at = time.monotonic()

    def _reread_done(self, task: asyncio.Task[None]) -> None:
        if self._shared_reread is task:
            self._shared_reread = None

    async def _fetch(self, key: Key) -> Observed | None:
        """A fresh GET; None when the API server cannot answer (the wait goes on)."""
        try:
            return Observed(self._slim(await self._client.get(*key)), True)
        except NotFound:
            return Observed(None, False)
        except K8sError as exc:
            log.warning("re-read of %s/%s failed: %s", *key, exc)
            return None

    async def _refresh(self, waiter: Waiter[V], key: Key) -> None:
        observed = await self._fetch(key)
        if observed is None:
            waiter.heard_at = time.monotonic()  # try again one interval later
            return
        waiter.offer(observed)
        if _resource_version(observed) != _resource_version(self._cache.get(key)):
            # What a re-read finds (the watch lagged or dropped) reaches every listener too:
            # live status and metrics must not stay behind the acks.
            self._store(key, observed)
            self._notify(key, observed)

    async def stop(self) -> None:
        tasks = list(self._streams.values())
        if self._shared_reread is not None:
            tasks.append(self._shared_reread)
        self._streams.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- stream maintenance -------------------------------------------------------------------

    async def _run_stream(self, namespace: str | None) -> None:
        health = StreamHealth(
            f"{self._client.resource.kind}s in {namespace or 'all namespaces'}",
            self._settings.retry_delay_s,
        )
        version: str | None = None  # resume from here; None: list first
        while True:
            try:
                if version is None:
                    version = await self._list(namespace)
                    health.worked()
                async for event_type, obj in self._client.watch(
                    namespace,
                    resource_version=version,
                    labels=self._labels,
                    server_timeout=self._settings.server_timeout_s,
                ):
                    version = _version_of(obj) or version
                    health.worked()
                    self._apply_event(event_type, obj)
                continue
            except Stalled as exc:
                health.stalled(exc, version)
                continue  # a dead connection: the next request gets a new one
            except Gone:
                log.info("watch resourceVersion expired, re-listing namespace=%s", namespace)
                version = None
                continue
            except Exception as exc:
                delay = health.failed(exc)
                # A refusal (403 without RBAC, 404 namespace gone) lasts until someone acts: a
                # stream nothing needs may stop. Through an outage every stream keeps trying,
                # its listeners (live status, metrics) included.
                refused = isinstance(exc, K8sError) and not exc.retriable
                self._in_order.discard(namespace)
            version = None
            if not await self._back_off(namespace, delay, may_stop=refused):
                health.stopped()
                return

    async def _list(self, namespace: str | None) -> str:
        """List (reporting the outcome to ensure_watching) and take the listed objects in."""
        try:
            listing = await self._client.list(namespace, labels=self._labels)
        except K8sError as exc:
            self._list_error[namespace] = exc
            raise
        finally:
            self._attempted[namespace].set()
        self._list_error.pop(namespace, None)
        self._apply_list(namespace, listing.items)
        self._in_order.add(namespace)
        self._synced[namespace].set()
        return listing.resource_version

    async def _back_off(self, namespace: str | None, delay: float, *, may_stop: bool) -> bool:
        """Wait ``delay`` (less if ensure_watching asks for the stream); False when the stream
        ``may_stop`` and nothing needs it any more: it is then forgotten and must end."""
        wake = self._wake[namespace]
        if not may_stop or self._needed(namespace):
            wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await wake.wait()
            if not may_stop or self._needed(namespace):
                return True
        for table in (self._synced, self._attempted, self._list_error):
            table.pop(namespace, None)
        self._in_order.discard(namespace)
        self._wake.pop(namespace, None)
        if self._streams.get(namespace) is asyncio.current_task():
            del self._streams[namespace]
        return False

    def _needed(self, namespace: str | None) -> bool:
        return self.waits_in(namespace) or self._in_use(namespace)

    def waits_in(self, namespace: str | None) -> bool:
        """Whether a wait, a pin or an ensure_watching involves ``namespace`` (None: any)."""

        def here(key: Key) -> bool:
            return namespace is None or key[0] == namespace

        return (
            (namespace in self._ensuring if namespace is not None else bool(self._ensuring))
            or any(here(key) for key in self._waiters)
            or any(here(key) for key in self._pins)
        )

    def _apply_list(self, namespace: str | None, items: list[Obj]) -> None:
        listed: dict[Key, Obj] = {}
        for obj in items:
            meta = obj.get("metadata", {})
            listed[(meta.get("namespace", ""), meta.get("name", ""))] = obj
        for key, observed in list(self._cache.items()):
            if namespace is not None and key[0] != namespace:
                continue
            if key not in listed:
                # Tombstones are forgotten at a re-list; a vanished object gets one last notice.
                del self._cache[key]
                if observed.exists:
                    self._notify(key, Observed(observed.obj, False))
        for key, obj in listed.items():
            previous = self._cache.get(key)
            slim = self._slim(obj)
            if previous is None or previous.obj != slim or not previous.exists:
                self._cache[key] = Observed(slim, True)
                self._notify(key, self._cache[key])

    def _apply_event(self, event_type: str, obj: Obj) -> None:
        if event_type not in ("ADDED", "MODIFIED", "DELETED"):
            return  # BOOKMARK: nothing to tell
        meta = obj.get("metadata", {})
        key = (meta.get("namespace", ""), meta.get("name", ""))
        observed = Observed(self._slim(obj), event_type != "DELETED")
        self._store(key, observed)
        self._notify(key, observed)

    def _slim(self, obj: Obj) -> Obj:
        if self._settings.project is not None:
            return self._settings.project(obj)
        return _slim(obj, keep_spec=self._settings.keep_spec)

    def _store(self, key: Key, observed: Observed) -> None:
        self._cache[key] = observed
        if not observed.exists:
            self._drop_tombstone(key)

    def _drop_tombstone(self, key: Key) -> None:
        # Waiters are offered the tombstone when it is stored; only a pinned name (its delete
        # was sent, its waiter may not be registered yet) or a live waiter keeps it.
        known = self._cache.get(key)
        pinned = key in self._pins or key in self._waiters
        if known is not None and not known.exists and not pinned:
            del self._cache[key]

    def _notify(self, key: Key, observed: Observed) -> None:
        for waiter in list(self._waiters.get(key, ())):
            waiter.offer(observed)
        for listener in list(self._listeners):
            try:
                listener(key, observed)
            except Exception:
                log.exception("watch listener failed")


def _slim(obj: Obj, *, keep_spec: bool) -> Obj:
    """The object without ``metadata.managedFields`` (and ``spec`` unless kept): what is read."""
    slim = {k: v for k, v in obj.items() if keep_spec or k != "spec"}
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        slim["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    return slim


def _version_of(obj: Obj) -> str | None:
    version = obj.get("metadata", {}).get("resourceVersion")
    return version if isinstance(version, str) and version else None


def _resource_version(observed: Observed | None) -> str | None:
    if observed is None or not observed.exists or observed.obj is None:
        return None
    version = observed.obj.get("metadata", {}).get("resourceVersion")
    return version if isinstance(version, str) else None
