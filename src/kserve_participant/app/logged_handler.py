"""Wraps the element handler so every operation logs one line per lifecycle event with its ids.

Each call binds participant, composition, instance, element and InferenceService ids (the
``namespace/name`` of the element's entities) to the log context, so every line the handler and
the Kubernetes adapter write during the call carries them too; then it logs start and outcome
(with the duration, or the failure reason). It changes no result: exceptions pass through.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from uuid import UUID

from acm_participant.handler import (
    CompositionElement,
    ElementHandler,
    ElementOutcome,
    ElementReporter,
    InstanceElement,
    OperationNotSupported,
)
from acm_participant.protocol.enums import DeployState, LockState
from kserve_participant.logs import bind

__all__ = ["LoggedHandler", "inference_service_ids"]

log = logging.getLogger("kserve_participant.lifecycle")

T = TypeVar("T")


def inference_service_ids(properties: Mapping[str, Any]) -> str | None:
    """``ns/name`` of every entity of an element, comma-separated; None when there are none."""
    entities = properties.get("kserveInferenceEntities")
    if not isinstance(entities, list):
        return None
    ids = [
        f"{item.get('namespace', '?')}/{item.get('name', '?')}"
        for item in entities
        if isinstance(item, Mapping)
    ]
    return ",".join(ids) or None


class LoggedHandler(ElementHandler):
    def __init__(self, inner: ElementHandler) -> None:
        self._inner = inner

    async def _logged(
        self,
        operation: str,
        call: Callable[[], Awaitable[T]],
        *,
        composition: UUID | None = None,
        instance: InstanceElement | None = None,
        isvc: str | None = None,
    ) -> T:
        fields = {
            "composition": composition,
            "instance": instance.instance_id if instance else None,
            "element": instance.element_id if instance else None,
            "isvc": isvc
            if isvc
            else inference_service_ids(instance.properties)
            if instance
            else None,
        }
        with bind(**fields):
            log.info("%s started", operation)
            started = time.monotonic()
            try:
                result = await call()
            except OperationNotSupported:
                log.info("%s not supported by this participant", operation)
                raise
            except Exception as exc:
                log.warning(
                    "%s failed after %.1f s: %s", operation, time.monotonic() - started, exc
                )
                raise
            except BaseException:
                log.info("%s cancelled after %.1f s", operation, time.monotonic() - started)
                raise
            log.info("%s succeeded in %.1f s", operation, time.monotonic() - started)
            return result

    async def start(self, reporter: ElementReporter) -> None:
        await self._inner.start(reporter)

    async def stop(self) -> None:
        await self._inner.stop()

    async def prime(self, composition_id: UUID, elements: list[CompositionElement]) -> None:
        await self._logged(
            "prime", lambda: self._inner.prime(composition_id, elements), composition=composition_id
        )

    async def deprime(self, composition_id: UUID, elements: list[CompositionElement]) -> None:
        await self._logged(
            "deprime",
            lambda: self._inner.deprime(composition_id, elements),
            composition=composition_id,
        )

    async def deploy(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        return await self._logged(
            "deploy",
            lambda: self._inner.deploy(composition, instance),
            composition=composition.composition_id,
            instance=instance,
            isvc=inference_service_ids({**composition.properties, **instance.properties}),
        )

    async def undeploy(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        return await self._logged(
            "undeploy",
            lambda: self._inner.undeploy(composition, instance),
            composition=composition.composition_id,
            instance=instance,
            isvc=inference_service_ids({**composition.properties, **instance.properties}),
        )

    async def lock(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        return await self._logged(
            "lock", lambda: self._inner.lock(composition, instance), instance=instance
        )

    async def unlock(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        return await self._logged(
            "unlock", lambda: self._inner.unlock(composition, instance), instance=instance
        )

    async def delete(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        return await self._logged(
            "delete", lambda: self._inner.delete(composition, instance), instance=instance
        )

    async def update(
        self, composition: CompositionElement, instance: InstanceElement, updated: InstanceElement
    ) -> ElementOutcome | None:
        return await self._logged(
            "update",
            lambda: self._inner.update(composition, instance, updated),
            composition=composition.composition_id,
            instance=updated,
        )

    async def migrate(
        self,
        composition: CompositionElement,
        target: CompositionElement,
        instance: InstanceElement,
        migrated: InstanceElement,
        stage: int,
    ) -> ElementOutcome | None:
        return await self._logged(
            f"migrate stage {stage}",
            lambda: self._inner.migrate(composition, target, instance, migrated, stage),
            composition=target.composition_id,
            instance=migrated,
        )

    async def migrate_precheck(
        self,
        composition: CompositionElement,
        target: CompositionElement,
        instance: InstanceElement,
        migrated: InstanceElement,
    ) -> ElementOutcome | None:
        return await self._logged(
            "migrate precheck",
            lambda: self._inner.migrate_precheck(composition, target, instance, migrated),
            composition=target.composition_id,
            instance=migrated,
        )

    async def rollback(
        self,
        composition: CompositionElement,
        target: CompositionElement,
        instance: InstanceElement,
        migrated: InstanceElement,
        stage: int,
    ) -> ElementOutcome | None:
        return await self._logged(
            f"rollback stage {stage}",
            lambda: self._inner.rollback(composition, target, instance, migrated, stage),
            composition=composition.composition_id,
            instance=instance,
        )

    async def prepare(
        self, composition: CompositionElement, instance: InstanceElement, stage: int
    ) -> ElementOutcome | None:
        return await self._logged(
            "prepare", lambda: self._inner.prepare(composition, instance, stage), instance=instance
        )

    async def review(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        return await self._logged(
            "review", lambda: self._inner.review(composition, instance), instance=instance
        )

    async def restore(
        self,
        composition: CompositionElement,
        instance: InstanceElement,
        *,
        deploy_state: DeployState,
        lock_state: LockState,
    ) -> None:
        await self._logged(
            "restore",
            lambda: self._inner.restore(
                composition, instance, deploy_state=deploy_state, lock_state=lock_state
            ),
            composition=composition.composition_id,
            instance=instance,
        )
