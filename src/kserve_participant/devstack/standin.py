"""A stand-in for KServe's InferenceService controller, for the local dev stack and the tests.

KServe itself cannot run here: the dev stack has a bare kube-apiserver (no kubelet, no controller
manager, no Knative or Istio), so nothing would ever reconcile an InferenceService. This module
plays the part of KServe's controller as seen through the API server, and nothing more: it watches
InferenceServices in all namespaces, adds KServe's finalizer on first sight, writes through the
``/status`` subresource the status KServe writes in Standard (RawDeployment) mode, and on delete
removes the finalizer. It starts no workloads. Per-object knobs (annotations, see
``standin_status``) make it slow, never ready, failing, or slow to delete.

Run it standalone with ``python -m kserve_participant.devstack.standin --kubeconfig PATH``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
from lightkube import ALL_NS, ApiError, AsyncClient, KubeConfig
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.types import PatchType

from kserve_participant.devstack.resources import FINALIZER, InferenceService
from kserve_participant.devstack.standin_status import READY_MESSAGE, Knobs, build_status, plan

__all__ = ["READY_MESSAGE", "StandInController", "main"]

logger = logging.getLogger(__name__)


_RECONNECT_SECONDS = 0.5


@dataclass
class _Tracked:
    signature: tuple[int, Knobs]
    task: asyncio.Task[None] | None = None


@dataclass
class StandInController:
    """Reconciles InferenceServices the way KServe's controller looks from the API server."""

    client: AsyncClient
    _tracked: dict[str, _Tracked] = field(default_factory=dict)
    _deleting: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def run(self, ready: asyncio.Event | None = None) -> None:
        """Reconcile until cancelled; survives API server restarts by relisting."""
        announced = False
        try:
            while True:
                try:
                    version = await self._relist()
                    if not announced:
                        logger.info(READY_MESSAGE)
                        announced = True
                    if ready is not None:
                        ready.set()
                    async for kind, obj in self.client.watch(
                        InferenceService, namespace=ALL_NS, resource_version=version
                    ):
                        await self._on_event(kind, obj)
                except (httpx2.HTTPError, ApiError) as error:
                    logger.warning("watch interrupted (%s); relisting", _describe(error))
                    await asyncio.sleep(_RECONNECT_SECONDS)
        finally:
            await self._cancel_all()

    async def _relist(self) -> str:
        listing = self.client.list(InferenceService, namespace=ALL_NS)
        async for obj in listing:
            await self._on_event("ADDED", obj)
        return listing.resourceVersion

    async def _on_event(self, kind: str, obj: Any) -> None:
        meta = obj.metadata
        uid = str(meta.uid)
        if kind == "DELETED":
            self._forget(uid)
            return
        finalizers = list(meta.finalizers or [])
        if meta.deletionTimestamp is not None:
            self._forget(uid)
            if FINALIZER in finalizers and uid not in self._deleting:
                knobs = Knobs.from_annotations(meta.annotations)
                self._deleting[uid] = asyncio.create_task(
                    self._finish_delete(meta.namespace, meta.name, uid, knobs.delete_delay_ms),
                    name=f"standin-delete-{meta.namespace}/{meta.name}",
                )
            return
        if FINALIZER not in finalizers:
            await self._add_finalizer(obj, finalizers)
        knobs = Knobs.from_annotations(meta.annotations)
        signature = (int(meta.generation or 0), knobs)
        tracked = self._tracked.get(uid)
        if tracked is not None and tracked.signature == signature:
            return
        if tracked is None and _already_reconciled(obj):
            self._tracked[uid] = _Tracked(signature)
            return
        self._forget(uid)
        self._tracked[uid] = _Tracked(
            signature,
            asyncio.create_task(
                self._progress(meta.namespace, meta.name, signature[0], knobs),
                name=f"standin-status-{meta.namespace}/{meta.name}",
            ),
        )

    async def _add_finalizer(self, obj: Any, finalizers: list[str]) -> None:
        meta = obj.metadata
        patch = {
            "metadata": {
                "finalizers": [*finalizers, FINALIZER],
                "resourceVersion": meta.resourceVersion,
            }
        }
        try:
            await self.client.patch(
                InferenceService,
                meta.name,
                patch,
                namespace=meta.namespace,
                patch_type=PatchType.MERGE,
            )
        except ApiError as error:
            # 409: changed meanwhile, the next watch event retries; 404: already gone.
            if error.status.code not in (404, 409):
                raise

    async def _progress(self, namespace: str, name: str, generation: int, knobs: Knobs) -> None:
        with _background_write("status update", namespace, name):
            for delay_ms, phase in plan(knobs):
                if delay_ms:
                    await asyncio.sleep(delay_ms / 1000)
                current = await self.client.get(InferenceService, name, namespace=namespace)
                if _metadata(current).deletionTimestamp is not None:
                    return
                status = build_status(
                    phase,
                    name=name,
                    namespace=namespace,
                    generation=generation,
                    knobs=knobs,
                    previous=_status_of(current),
                    now=datetime.now(UTC),
                )
                await self.client.patch(
                    InferenceService.Status,
                    name,
                    {"status": status},
                    namespace=namespace,
                    patch_type=PatchType.MERGE,
                )
                logger.info("%s/%s generation %d: %s", namespace, name, generation, phase.value)

    async def _finish_delete(self, namespace: str, name: str, uid: str, delay_ms: int) -> None:
        try:
            with _background_write("finalizer removal", namespace, name):
                await self._remove_finalizer(namespace, name, delay_ms)
        finally:
            self._deleting.pop(uid, None)

    async def _remove_finalizer(self, namespace: str, name: str, delay_ms: int) -> None:
        """As KServe's controller does once its clean-up is done: drop our finalizer."""
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        while True:
            current = await self.client.get(InferenceService, name, namespace=namespace)
            meta = _metadata(current)
            remaining = [f for f in meta.finalizers or [] if f != FINALIZER]
            patch = {
                "metadata": {
                    "finalizers": remaining,
                    "resourceVersion": meta.resourceVersion,
                }
            }
            try:
                await self.client.patch(
                    InferenceService,
                    name,
                    patch,
                    namespace=namespace,
                    patch_type=PatchType.MERGE,
                )
            except ApiError as error:
                if error.status.code == 409:
                    continue
                raise
            logger.info("%s/%s: finalizer removed", namespace, name)
            return

    def _forget(self, uid: str) -> None:
        tracked = self._tracked.pop(uid, None)
        if tracked is not None and tracked.task is not None:
            tracked.task.cancel()

    async def _cancel_all(self) -> None:
        tasks = [t.task for t in self._tracked.values() if t.task is not None]
        tasks += list(self._deleting.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _metadata(obj: Any) -> ObjectMeta:
    meta = obj.metadata
    if not isinstance(meta, ObjectMeta):
        raise TypeError(f"object without metadata: {obj!r}")
    return meta


def _status_of(obj: Any) -> Mapping[str, Any] | None:
    status = obj.status
    return status if isinstance(status, Mapping) else None


def _already_reconciled(obj: Any) -> bool:
    """True when the object already carries a final status for its generation (stand-in restart)."""
    status = _status_of(obj) or {}
    if status.get("observedGeneration") != obj.metadata.generation:
        return False
    ready = [c for c in status.get("conditions") or [] if c.get("type") == "Ready"]
    target = ((status.get("modelStatus") or {}).get("states") or {}).get("targetModelState")
    return bool(ready and ready[0].get("status") == "True") or target == "FailedToLoad"


@contextlib.contextmanager
def _background_write(what: str, namespace: str, name: str) -> Iterator[None]:
    """A write in the background: an object gone meanwhile (404) is no error, a lost API server
    is logged as an interruption, any other refusal with its traceback."""
    try:
        yield
    except ApiError as error:
        if error.status.code != 404:
            logger.exception("%s of %s/%s failed", what, namespace, name)
    except httpx2.HTTPError as error:
        logger.warning("%s of %s/%s interrupted: %s", what, namespace, name, _describe(error))


def _describe(error: Exception) -> str:
    if isinstance(error, ApiError):
        return f"{error.status.code} {error.status.reason}"
    return type(error).__name__


async def _serve(kubeconfig: Path) -> None:
    config = KubeConfig.from_file(kubeconfig)
    client = AsyncClient(config, field_manager="kserve-standin")
    controller = StandInController(client)
    task = asyncio.create_task(controller.run(), name="standin")
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m kserve_participant.devstack.standin",
        description="Stand-in for KServe's InferenceService controller (KServe cannot run here).",
    )
    parser.add_argument("--kubeconfig", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for noisy in ("httpx", "httpx2"):  # lightkube's HTTP client logs every request at INFO
        logging.getLogger(noisy).setLevel(logging.WARNING)
    asyncio.run(_serve(args.kubeconfig))


if __name__ == "__main__":
    main()
