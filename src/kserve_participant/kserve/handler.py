"""KServeElementHandler: the ACM element handler for KServe InferenceServices.

Why: it sequences the pieces (validate -> write -> wait -> report) for each ACM operation; the
rules live in ``entities`` (input), ``writes`` (create/adopt/update/delete), ``waiting``
(Ready / gone through the shared watch), ``readiness`` (KServe's status) and ``live`` (status
after the operation). Failure and clean-up policy (docs/kserve.md): a failed deploy leaves what it
created, labelled as this element's; a retried deploy adopts it (updating it if the payload
changed) and undeploy or delete remove every object carrying the element's labels.

Every operation runs against one deadline, its element's timeout from its start: requests go
through a :meth:`K8sClient.bounded` client, waits end by the same deadline, and a failure during
an API-server outage says so first (docs/architecture.md, "Deadlines").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from acm_participant import (
    CompositionContext,
    CompositionElement,
    ElementContext,
    ElementFailure,
    ElementHandler,
    ElementOutcome,
    ElementReporter,
    InstanceElement,
    merged_properties,
)
from acm_participant.protocol.enums import DeployState
from kserve_participant.k8s.client import K8sClient, Obj
from kserve_participant.k8s.errors import K8sError
from kserve_participant.k8s.resources import DEPLOYMENTS
from kserve_participant.k8s.watch import InferenceServiceWatch, Key, Observed, WatchSettings
from kserve_participant.kserve.entities import (
    DEFAULT_CHECK_INTERVAL_S,
    DEFAULT_TIMEOUT_S,
    ElementSpec,
    EntityPolicy,
    inference_service_ids,
    parse_element,
)
from kserve_participant.kserve.live import LiveStatus, TrackedEntity
from kserve_participant.kserve.ownership import (
    LABEL_MANAGED_BY,
    MANAGED_BY,
    Owner,
)
from kserve_participant.kserve.status import (
    EntityStatus,
)
from kserve_participant.kserve.views import ISVC_LABEL, deployment_view, inference_service_view
from kserve_participant.kserve.waiting import wait_gone_all, wait_ready_all
from kserve_participant.kserve.writes import (
    Written,
    delete_objects,
    dry_run_all,
    ensure_all,
    find_owned,
    write_warnings,
)

__all__ = ["HandlerSettings", "KServeElementHandler"]

log = logging.getLogger(__name__)

_ACTIONS = ("created", "updated", "unchanged", "deleted")
_DEPLOYED_LIKE = frozenset(
    {DeployState.DEPLOYED, DeployState.DEPLOYING, DeployState.UPDATING, DeployState.MIGRATING}
)


@dataclass(frozen=True, slots=True)
class HandlerSettings:
    participant_id: UUID
    policy: EntityPolicy = field(default_factory=EntityPolicy)


@dataclass(frozen=True, slots=True)
class _Budget:
    """One operation's deadline (event-loop time) and the client whose requests end by it."""

    client: K8sClient
    deadline: float


class KServeElementHandler(ElementHandler):
    """Deploys, watches, updates and removes the InferenceServices of KServe elements."""

    def __init__(
        self,
        *,
        client: K8sClient,
        watch: InferenceServiceWatch,
        settings: HandlerSettings,
        deployments: InferenceServiceWatch | None = None,
    ) -> None:
        self._client = client
        self._watch = watch
        # KServe's Deployments tell when an update serves; their changes wake the waiters of
        # the InferenceService that owns them.
        self._deployments = deployments or InferenceServiceWatch(
            client.for_resource(DEPLOYMENTS),
            WatchSettings(
                cluster_wide=watch.cluster_wide,
                labels={ISVC_LABEL: None},
                project=deployment_view,
            ),
        )
        self._deployments.subscribe(self._deployment_changed)
        self._settings = settings
        self._live = LiveStatus(watch)
        # A stream that fails (no RBAC in a namespace) stops once no operation waits there and
        # no element followed here has an object there.
        self._watch.keep_streams_while(self._live.follows)
        self._deployments.keep_streams_while(
            lambda namespace: self._live.follows(namespace) or self._watch.waits_in(namespace)
        )

    @classmethod
    def create(
        cls, client: K8sClient, settings: HandlerSettings, *, cluster_wide: bool = False
    ) -> KServeElementHandler:
        """A handler with its own watch over the objects this participant manages."""
        watch = InferenceServiceWatch(
            client,
            WatchSettings(
                cluster_wide=cluster_wide,
                labels={LABEL_MANAGED_BY: MANAGED_BY},
                project=inference_service_view,
            ),
        )
        return cls(client=client, watch=watch, settings=settings)

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self, reporter: ElementReporter) -> None:
        self._live.start(reporter)

    async def stop(self) -> None:
        await self._live.stop()
        await self._watch.stop()
        await self._deployments.stop()

    def sizes(self) -> dict[str, int]:
        """Entries of each structure that grows with the objects handled (none may keep growing)."""
        return {
            **self._watch.sizes(),
            **{f"Deployments: {k}": v for k, v in self._deployments.sizes().items()},
            **self._live.sizes(),
        }

    # --- helpers ---------------------------------------------------------------------------

    def _spec(self, composition: CompositionElement, instance: InstanceElement) -> ElementSpec:
        return parse_element(merged_properties(composition, instance), self._settings.policy)

    def _owner(self, instance: InstanceElement) -> Owner:
        return Owner(self._settings.participant_id, instance.instance_id, instance.element_id)

    def _budget(self, timeout_s: float) -> _Budget:
        deadline = asyncio.get_running_loop().time() + timeout_s
        return _Budget(self._client.bounded(deadline), deadline)

    @contextlib.contextmanager
    def _explained(self) -> Iterator[None]:
        """A failure while the API server does not answer says so first: what was seen last is
        stale then, and the ack's message holds only 255 characters."""
        try:
            yield
        except ElementFailure as exc:
            outage = self._client.outage()
            if outage is None:
                raise
            raise ElementFailure(f"{outage}; {exc}") from exc

    def _namespaces(self, *specs: ElementSpec | None) -> set[str | None]:
        found: set[str | None] = {e.namespace for s in specs if s for e in s.entities}
        if not found:
            found = set(self._settings.policy.namespaces) or {None}
        return found

    def _deployment_changed(self, key: Key, observed: Observed) -> None:
        labels = (observed.obj or {}).get("metadata", {}).get("labels") or {}
        owner = labels.get(ISVC_LABEL)
        if owner:
            self._watch.reconsider(key[0], str(owner))

    async def _watching(
        self, namespaces: set[str], deadline: float, *, rollouts: bool = False
    ) -> None:
        """The shared watches serve these namespaces; refused before anything is written."""
        watches = [("InferenceServices", self._watch)]
        if rollouts:
            watches.append(("Deployments (apps/v1)", self._deployments))
        for namespace in sorted(namespaces):
            for what, watch in watches:
                try:
                    async with asyncio.timeout_at(deadline):
                        await watch.ensure_watching(namespace)
                except TimeoutError:
                    raise ElementFailure(
                        f"cannot watch {what} in {namespace}: no first list before the element's "
                        "deadline"
                    ) from None
                except K8sError as exc:
                    raise ElementFailure(f"cannot watch {what} in {namespace}: {exc}") from exc

    async def _write_and_wait(
        self, budget: _Budget, spec: ElementSpec, owner: Owner
    ) -> tuple[list[Written], list[EntityStatus]]:
        await self._watching({e.namespace for e in spec.entities}, budget.deadline, rollouts=True)
        known = self._known(spec)
        written = await ensure_all(
            budget.client, known, spec.entities, owner, remember=self._watch.remember
        )
        statuses = await wait_ready_all(
            self._watch,
            self._deployments,
            written,
            deadline=budget.deadline,
            interval=spec.check_interval_s,
            timeout_s=spec.timeout_s,
        )
        return written, statuses

    def _known(self, spec: ElementSpec) -> dict[tuple[str, str], Obj]:
        """What the shared watch knows of the element's names (only objects that exist)."""
        known: dict[tuple[str, str], Obj] = {}
        for entity in spec.entities:
            observed = self._watch.cached(entity.namespace, entity.name)
            if observed is not None and observed.exists and observed.obj is not None:
                known[entity.key] = observed.obj
        return known

    async def _remove(
        self,
        budget: _Budget,
        owner: Owner,
        spec: ElementSpec | None,
        keep: set[tuple[str, str]],
        *more: ElementSpec,
    ) -> list[tuple[str, str]]:
        """Delete every object of the element not in ``keep``; wait until gone; say which."""
        namespaces = self._namespaces(spec, *more)
        namespaces |= {
            t.namespace for t in self._live.tracked((owner.instance_id, owner.element_id))
        }
        owned = await find_owned(budget.client, self._watch, namespaces, owner)
        doomed = {key: obj for key, obj in owned.items() if key not in keep}
        if not doomed:
            return []
        timeout = spec.timeout_s if spec else DEFAULT_TIMEOUT_S
        interval = spec.check_interval_s if spec else DEFAULT_CHECK_INTERVAL_S
        await self._watching({key[0] for key in doomed}, budget.deadline)
        # Pinned: a DELETED event that comes before the wait starts leaves its tombstone.
        with self._watch.pinned(doomed):
            await delete_objects(budget.client, doomed)
            await wait_gone_all(
                self._watch, doomed, deadline=budget.deadline, interval=interval, timeout_s=timeout
            )
        return sorted(doomed)

    def _track(self, owner: Owner, written: list[Written]) -> None:
        tracked = [
            TrackedEntity(w.entity.namespace, w.entity.name, w.entity.entity_id, w.uid, w.mark)
            for w in written
        ]
        self._live.track((owner.instance_id, owner.element_id), tracked)

    @staticmethod
    def _outcome(
        verb: str,
        spec: ElementSpec,
        written: list[Written],
        statuses: list[EntityStatus],
        deleted: Sequence[tuple[str, str]] = (),
    ) -> ElementOutcome:
        # The status goes out through the reporter (LiveStatus), not in the outcome: the runtime
        # would publish it before the ack and make the ack wait for one more broker round trip.
        done: dict[str, list[str]] = {}
        for w in sorted(written, key=lambda w: w.entity.key):
            action = "unchanged" if w.action == "adopted" else w.action
            done.setdefault(action, []).append(w.entity.name)
        if deleted:
            done["deleted"] = [name for _, name in deleted]
        message = f"{verb}: {len(statuses)} InferenceService(s) Ready"
        parts = [f"{a}: {', '.join(done[a])}" for a in _ACTIONS if a in done]
        if parts:
            message += f" ({'; '.join(parts)})"
        warnings = [*spec.warnings, *write_warnings(written)]
        if warnings:
            message += "; " + "; ".join(warnings)
        return ElementOutcome(message=message)

    @staticmethod
    def _log_api_warnings(verb: str, owner: Owner, warnings: list[str]) -> None:
        for warning in warnings:
            log.warning(
                "%s instance=%s element=%s: API server warning: %s",
                verb,
                owner.instance_id,
                owner.element_id,
                warning,
            )

    async def _follow_leftovers(self, budget: _Budget, spec: ElementSpec, owner: Owner) -> None:
        """After a failed deploy: report what it left (or that nothing is left), and follow it.
        Within the deploy's deadline: after a timeout, only what the shared watch knows."""
        element = (owner.instance_id, owner.element_id)
        try:
            owned = await find_owned(budget.client, self._watch, self._namespaces(spec), owner)
        except ElementFailure as exc:
            log.info("cannot list what the failed deploy left: %s", exc)
            return
        if owned:
            self._live.track(element, map(TrackedEntity.of, owned.values()), until_gone=True)
        else:
            await self._live.clear(element)

    # --- instance operations ---------------------------------------------------------------

    def log_fields(self, element: ElementContext) -> Mapping[str, object]:
        return {"isvc": inference_service_ids(element.properties)}

    async def deploy(self, element: ElementContext) -> ElementOutcome | None:
        spec = self._spec(element.composition, element.instance)
        owner = self._owner(element.instance)
        self._live.untrack((owner.instance_id, owner.element_id))
        for warning in spec.warnings:
            log.warning(
                "deploy instance=%s element=%s: %s", owner.instance_id, owner.element_id, warning
            )
        budget = self._budget(spec.timeout_s)
        with self._explained():
            try:
                written, statuses = await self._write_and_wait(budget, spec, owner)
            except ElementFailure:
                await self._follow_leftovers(budget, spec, owner)
                raise
        self._track(owner, written)
        self._log_api_warnings("deploy", owner, write_warnings(written))
        return self._outcome("deployed", spec, written, statuses)

    async def undeploy(self, element: ElementContext) -> ElementOutcome | None:
        owner = self._owner(element.instance)
        spec = self._spec_or_none(element.composition, element.instance)
        key = (owner.instance_id, owner.element_id)
        tracked = self._live.tracked(key)
        self._live.untrack(key)
        budget = self._budget(spec.timeout_s if spec else DEFAULT_TIMEOUT_S)
        try:
            with self._explained():
                removed = await self._remove(budget, owner, spec, set())
        except BaseException:
            if tracked:  # still deployed: keep reporting its status
                self._live.track(key, tracked)
            raise
        await self._live.clear(key)
        return ElementOutcome(message=f"undeployed: {len(removed)} InferenceService(s) deleted")

    async def delete(self, element: ElementContext) -> ElementOutcome | None:
        owner = self._owner(element.instance)
        key = (owner.instance_id, owner.element_id)
        self._live.untrack(key)
        spec = self._spec_or_none(element.composition, element.instance)
        budget = self._budget(spec.timeout_s if spec else DEFAULT_TIMEOUT_S)
        with self._explained():
            removed = await self._remove(budget, owner, spec, set())
        await self._live.clear(key)
        return ElementOutcome(
            message=f"deleted: {len(removed)} leftover InferenceService(s) removed"
        )

    def _spec_or_none(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementSpec | None:
        try:
            return self._spec(composition, instance)
        except ElementFailure as exc:
            log.info("properties unusable, cleaning up by labels only: %s", exc)
            return None

    async def _change(
        self,
        old: ElementSpec | None,
        new: ElementSpec,
        owner: Owner,
        verb: str,
    ) -> ElementOutcome:
        element = (owner.instance_id, owner.element_id)
        self._live.untrack(element)
        budget = self._budget(new.timeout_s)  # writes, waits and removals: one deadline
        with self._explained():
            written, statuses = await self._write_and_wait(budget, new, owner)
            keep = {e.key for e in new.entities}
            deleted = await self._remove(budget, owner, new, keep, *(s for s in (old,) if s))
        self._track(owner, written)
        self._log_api_warnings(verb, owner, write_warnings(written))
        return self._outcome(verb, new, written, statuses, deleted)

    async def update(self, element: ElementContext) -> ElementOutcome | None:
        updated = element.updated or element.instance
        new = self._spec(element.composition, updated)
        old = self._spec_or_none(element.composition, element.instance)
        return await self._change(old, new, self._owner(updated), "updated")

    async def migrate(self, element: ElementContext) -> ElementOutcome | None:
        migrated = element.updated or element.instance
        new = self._spec(element.target or element.composition, migrated)
        old = self._spec_or_none(element.composition, element.instance)
        return await self._change(old, new, self._owner(migrated), "migrated")

    async def rollback(self, element: ElementContext) -> ElementOutcome | None:
        new = self._spec(element.composition, element.instance)
        old = self._spec_or_none(
            element.target or element.composition, element.updated or element.instance
        )
        return await self._change(old, new, self._owner(element.instance), "rolled back")

    async def migrate_precheck(self, element: ElementContext) -> ElementOutcome | None:
        """Validate the migrated properties and dry-run each write (``dryRun=All``)."""
        migrated = element.updated or element.instance
        spec = self._spec(element.target or element.composition, migrated)
        owner = self._owner(migrated)
        with self._explained():
            warnings = await dry_run_all(self._budget(spec.timeout_s).client, spec.entities, owner)
        self._log_api_warnings("migrate precheck", owner, warnings)
        message = f"precheck: {len(spec.entities)} InferenceService(s) accepted"
        return ElementOutcome(message="; ".join([message, *spec.warnings, *warnings]))

    async def lock(self, element: ElementContext) -> ElementOutcome | None:
        return None

    async def unlock(self, element: ElementContext) -> ElementOutcome | None:
        return None

    # --- composition operations ------------------------------------------------------------

    async def prime(self, composition: CompositionContext) -> None:
        """Validate entities already in the composition (they may also come with instances)."""
        for element in composition.elements:
            if "kserveInferenceEntities" in element.properties:
                parse_element(element.properties, self._settings.policy)

    async def forget(self, element: ElementContext) -> None:
        """Another replica undeployed or deleted the element (or ACM-R dropped it): stop
        following it. Its objects are left alone, whoever removed the element dealt with them;
        their tombstones go with the last wait on them, as always."""
        self._live.untrack((element.instance.instance_id, element.instance.element_id))

    # --- restart ---------------------------------------------------------------------------

    async def restore(self, element: ElementContext) -> None:
        """Re-attach to the element's objects by labels (live status resumes).

        A deploy that was in flight is not re-run here: its DEPLOY was never committed, so the
        broker delivers it again to whichever replica owns its partition now, and it runs there
        under the element's serialisation. Re-running it here as well would repeat the work of a
        live replica when this one is a scale-up (docs/operations.md, "Delivery").
        """
        deploy_state = element.deploy_state
        if deploy_state not in _DEPLOYED_LIKE:
            return
        owner = self._owner(element.instance)
        spec = self._spec_or_none(element.composition, element.instance)
        budget = self._budget(spec.timeout_s if spec else DEFAULT_TIMEOUT_S)
        with self._explained():
            owned = await find_owned(budget.client, self._watch, self._namespaces(spec), owner)
            await self._watching({key[0] for key in owned}, budget.deadline)
        self._live.track(
            (owner.instance_id, owner.element_id), map(TrackedEntity.of, owned.values())
        )
        log.info(
            "restored instance=%s element=%s objects=%d state=%s",
            owner.instance_id,
            owner.element_id,
            len(owned),
            deploy_state,
        )
