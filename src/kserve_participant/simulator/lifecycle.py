"""The seed workflow, step by step, as ONAP's ACM runtime drives it: the simulator's core.

Each step sends what ACM-R sends through the SDK's runtime-side driver, waits for the acks within
the runtime's timeouts, honours start phases (deploy lowest phase first, undeploy and delete
highest first), shows what happens meanwhile and returns a :class:`StepRecord`. A timed-out step
is reported to the participant as ACM-R does (a SYNC with TIMEOUT), so it stops working on it.
The runtime's view survives between processes through :class:`SimState` (see ``restore``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID, uuid4

from acm_participant.protocol import (
    AcTypeState,
    AutomationCompositionDeployAck,
    DeployState,
    LockState,
    StateChangeResult,
)
from acm_participant.sim.driver import AckTimeout, AcmRuntimeDriver, MessageTimeout
from acm_participant.sim.model import InstanceModel
from kserve_participant.simulator.cluster_view import ClusterView, ServiceView
from kserve_participant.simulator.console import SimConsole
from kserve_participant.simulator.participants import ParticipantNotFound, find_participant
from kserve_participant.simulator.plan import (
    PlannedService,
    element_specs,
    node_templates,
    planned_services,
)
from kserve_participant.simulator.state import SimState, StepRecord
from kserve_participant.simulator.status_view import StatusFollower
from kserve_participant.simulator.timeouts import composition_timeout, element_timeout
from kserve_participant.simulator.tosca import InstanceSpec, ServiceTemplate

__all__ = ["SimOptions", "Simulation", "StepRefused"]

Acks = list[AutomationCompositionDeployAck]


class PhaseOrder(Protocol):
    """A driver order sent once per start phase (deploy, undeploy, delete)."""

    def __call__(
        self, instance_id: UUID, *, start_phase: int, first_start_phase: bool, timeout: float
    ) -> Awaitable[Acks]: ...


# How long the display waits for the cluster to show what an ack already said.
SETTLE_S = 3.0


class StepRefused(Exception):
    """The step makes no sense in the current state (e.g. undeploy without an instance)."""


@dataclass(frozen=True)
class SimOptions:
    max_operation_wait_s: float = 36.0
    participant_wait_s: float = 60.0


class Simulation:
    """One composition and its instance, driven through the lifecycle."""

    def __init__(
        self,
        driver: AcmRuntimeDriver,
        out: SimConsole,
        *,
        state: SimState,
        template: ServiceTemplate,
        instance: InstanceSpec | None,
        options: SimOptions,
        cluster: ClusterView | None = None,
    ) -> None:
        self.driver = driver
        self.out = out
        self.state = state
        self.template = template
        self.instance = instance
        self.options = options
        self.cluster = cluster
        self.planned: list[PlannedService] = (
            planned_services(template, instance) if instance is not None else []
        )
        self._status: StatusFollower | None = None

    # --- runtime model across processes ------------------------------------------------------

    def restore(self) -> None:
        """Rebuild the driver's runtime model from the state file (step commands)."""
        state = self.state
        if state.participant_id is None or state.composition_state == "COMMISSIONED":
            return
        composition = self.driver.model.add_composition(
            state.composition_id, node_templates(self.template), state.participant_id
        )
        composition.state = AcTypeState(state.composition_state)
        if state.composition_revision is not None:
            composition.revision = state.composition_revision
        if state.instance_id is None or state.deploy_state in (None, "DELETED"):
            return
        if self.instance is None:
            raise StepRefused(f"{state.instance} cannot be read: it is needed to go on")
        instance = self.driver.add_instance(
            state.instance_id, state.composition_id, element_specs(self.instance)
        )
        if state.instance_revision is not None:
            instance.revision = state.instance_revision
        instance.deploy_state = DeployState(state.deploy_state)
        instance.lock_state = (
            LockState.LOCKED if instance.deploy_state == DeployState.DEPLOYED else LockState.NONE
        )
        for element in instance.elements.values():
            element.deploy_state = DeployState(
                state.element_states.get(str(element.element_id), instance.deploy_state)
            )
            element.lock_state = instance.lock_state

    def _save_model(self) -> None:
        composition = self.driver.model.compositions.get(self.state.composition_id)
        if composition is not None:
            self.state.composition_state = composition.state.value
            self.state.composition_revision = composition.revision
        instance = self._instance_model()
        if instance is not None:
            self.state.deploy_state = instance.deploy_state.value
            self.state.instance_revision = instance.revision
            self.state.element_states = {
                str(e.element_id): e.deploy_state.value for e in instance.elements.values()
            }

    def _instance_model(self) -> InstanceModel | None:
        if self.state.instance_id is None:
            return None
        return self.driver.model.instances.get(self.state.instance_id)

    # --- steps ---------------------------------------------------------------------------------

    async def connect(self) -> StepRecord:
        """Wait for the participant supporting every element type (REGISTER or STATUS)."""
        types = {
            (node.type or "", node.type_version or "") for node in self.template.element_templates()
        }
        names = ", ".join(f"{name} {version}" for name, version in sorted(types))
        self.out.step("participant", f"waiting for a participant that supports {names}")
        started = time.monotonic()
        try:
            participant_id = await find_participant(
                self.driver,
                types,
                participant_id=self.state.participant_id,
                wait_s=self.options.participant_wait_s,
            )
        except ParticipantNotFound as exc:
            return self.record(StepRecord("participant", "TIMEOUT", _since(started), str(exc)))
        self.state.participant_id = participant_id
        return self.record(
            StepRecord("participant", "NO_ERROR", _since(started), f"participant {participant_id}")
        )

    async def prime(self) -> StepRecord:
        participant_id = self.state.participant_id
        assert participant_id is not None, "connect() finds the participant first"
        templates = node_templates(self.template)
        self.out.step(
            "prime",
            f"sending {len(templates)} element definition(s) of composition "
            f"{self.state.composition_id} to the participant",
        )
        timeout = composition_timeout(
            "prime", self.template.metadata, default_s=self.options.max_operation_wait_s
        )
        return await self._composition_step(
            "prime",
            lambda: self.driver.prime(
                self.state.composition_id, participant_id, templates, timeout=timeout
            ),
        )

    async def deprime(self) -> StepRecord:
        self.out.step("deprime", f"removing composition {self.state.composition_id}")
        composition = self.driver.model.compositions.get(self.state.composition_id)
        if composition is None or composition.state != AcTypeState.PRIMED:
            return self._refused("deprime", "the composition is not primed")
        if self._instance_model() is not None:
            return self._refused("deprime", "the composition still has an instance: delete it")
        timeout = composition_timeout(
            "deprime", self.template.metadata, default_s=self.options.max_operation_wait_s
        )
        return await self._composition_step(
            "deprime", lambda: self.driver.deprime(self.state.composition_id, timeout=timeout)
        )

    async def _composition_step(self, step: str, call: Callable[[], Awaitable[Any]]) -> StepRecord:
        started = time.monotonic()
        try:
            ack = await call()
        except MessageTimeout as exc:
            await self.driver.sync_composition(
                self.state.composition_id, state_change_result=StateChangeResult.TIMEOUT
            )
            return self.record(StepRecord(step, "TIMEOUT", _since(started), str(exc)))
        result = ack.state_change_result or StateChangeResult.NO_ERROR
        state = ack.composition_state.value if ack.composition_state else "?"
        detail = f"composition {state}" + (f": {ack.message}" if ack.message else "")
        return self.record(StepRecord(step, result.value, _since(started), detail))

    def instantiate(self, instance: InstanceSpec) -> StepRecord:
        """Create the (checked) instance UNDEPLOYED in the runtime model; nothing is sent."""
        self.instance = instance
        self.planned = planned_services(self.template, instance)
        instance_id = uuid4()
        self.state.instance_id = instance_id
        self.driver.add_instance(instance_id, self.state.composition_id, element_specs(instance))
        self.out.step(
            "instantiate",
            f'instance "{instance.name}" {instance.version} created as {instance_id}, '
            "UNDEPLOYED (nothing is sent to the participant yet)",
        )
        return self.record(StepRecord("instantiate", "NO_ERROR", 0.0, "instance UNDEPLOYED"))

    async def deploy(self) -> StepRecord:
        instance = self._require_instance()
        if instance.deploy_state in (DeployState.DEPLOYED, DeployState.DELETING):
            return self._invalid_order("deploy", instance)
        instance.deploy_state = DeployState.DEPLOYING
        phases = self.driver.model.phases(instance)
        await self._start_status_follower()

        return await self._phases("deploy", phases, self.driver.deploy, _ready)

    async def undeploy(self) -> StepRecord:
        instance = self._require_instance()
        if instance.deploy_state in (DeployState.UNDEPLOYED, DeployState.DELETING):
            return self._invalid_order("undeploy", instance)
        instance.deploy_state = DeployState.UNDEPLOYING
        phases = self.driver.model.phases(instance)[::-1]

        return await self._phases("undeploy", phases, self.driver.undeploy, _gone)

    async def delete(self) -> StepRecord:
        instance = self._require_instance()
        if instance.deploy_state not in (DeployState.UNDEPLOYED, DeployState.DELETING):
            return self._invalid_order("delete", instance)
        instance.deploy_state = DeployState.DELETING
        phases = self.driver.model.phases(instance)[::-1]

        record = await self._phases("delete", phases, self.driver.delete, None)
        if record.ok:
            self.state.deploy_state = "DELETED"
        return record

    async def update(self, updated: InstanceSpec) -> StepRecord:
        instance = self._require_instance()
        by_id = {spec.element_id: dict(spec.properties) for spec in element_specs(updated)}
        self.out.step("update", f"sending new properties of {len(by_id)} element(s)")
        started = time.monotonic()
        timeout = element_timeout(
            "update", by_id.values(), default_s=self.options.max_operation_wait_s
        )
        self.planned = planned_services(self.template, updated)
        await self._follow(self.planned)
        try:
            acks = await self.driver.update(instance.instance_id, by_id, timeout=timeout)
        except AckTimeout as exc:
            return await self._timed_out("update", started, exc)
        self._show_acks(acks)
        if not _failed(acks):
            await self._settle(self.planned, _ready)
        return self.record(_record("update", acks, started))

    def check_nothing_left(self) -> StepRecord:
        """After delete: every InferenceService of the instance must be gone from the cluster."""
        self.out.step("cleanup", "checking that no InferenceService of the instance is left")
        if self.cluster is None:
            return StepRecord("cleanup", "NO_ERROR", 0.0, "not checked (no --kubeconfig)")
        left = [
            f"{s.namespace}/{s.name}"
            for s in self.planned
            if self.cluster.current(s.namespace, s.name).exists
        ]
        if left:
            return self.record(
                StepRecord("cleanup", "FAILED", 0.0, "left behind: " + ", ".join(left))
            )
        return self.record(StepRecord("cleanup", "NO_ERROR", 0.0, "no InferenceService left"))

    # --- phases, acks, progress ------------------------------------------------------------------

    async def _phases(
        self,
        step: str,
        phases: list[int],
        order: PhaseOrder,
        settled: Callable[[ServiceView], bool] | None,
    ) -> StepRecord:
        instance = self._require_instance()
        started = time.monotonic()
        acks: Acks = []
        for index, phase in enumerate(phases):
            elements = self.driver.model.elements_in_phase(instance, phase)
            names = ", ".join(str(e.definition.name) for e in elements)
            self.out.step(step, f"start phase {phase}: {names}")
            services = [s for s in self.planned if s.element_id in {e.element_id for e in elements}]
            await self._follow(services)
            timeout = element_timeout(
                step, [e.properties for e in elements], default_s=self.options.max_operation_wait_s
            )
            try:
                phase_acks = await order(
                    instance.instance_id,
                    start_phase=phase,
                    first_start_phase=index == 0,
                    timeout=timeout,
                )
            except AckTimeout as exc:
                return await self._timed_out(step, started, exc)
            acks.extend(phase_acks)
            if self._status is not None:
                self._status.catch_up()
            self._show_acks(phase_acks)
            if _failed(phase_acks):
                break
            if settled is not None:
                await self._settle(services, settled)
        return self.record(_record(step, acks, started))

    async def _timed_out(self, step: str, started: float, exc: AckTimeout) -> StepRecord:
        # ACM-R marks the instance TIMEOUT and tells the participant with an instance SYNC.
        instance = self._require_instance()
        await self.driver.sync_instance(
            instance.instance_id, state_change_result=StateChangeResult.TIMEOUT
        )
        return self.record(StepRecord(step, "TIMEOUT", _since(started), str(exc)))

    def _show_acks(self, acks: Acks) -> None:
        names = {
            element.id: element.definition_name or element.key
            for element in (self.instance.elements if self.instance is not None else [])
        }
        for ack in acks:
            result = (ack.state_change_result or StateChangeResult.NO_ERROR).value
            for element_id, entry in ack.automation_composition_result_map.items():
                name = names.get(element_id) or str(element_id)
                states = "/".join(
                    s.value for s in (entry.deploy_state, entry.lock_state) if s is not None
                )
                reason = entry.message or ack.message or ""
                self.out.detail(
                    f"ack {name}: {states} {result}" + (f" - {reason}" if reason else "")
                )

    async def _follow(self, services: list[PlannedService]) -> None:
        if self.cluster is not None and services:
            await self.cluster.follow(s.key for s in services)

    async def _settle(
        self, services: list[PlannedService], done: Callable[[ServiceView], bool]
    ) -> None:
        if self.cluster is not None and services:
            await self.cluster.settle((s.key for s in services), done, within=SETTLE_S)

    async def _start_status_follower(self) -> None:
        """Without a kubeconfig, progress comes from the participant's STATUS outProperties."""
        if self.cluster is None and self._status is None:
            self._status = StatusFollower(self.driver, self.out)
            self._status.start()

    async def stop(self) -> None:
        if self._status is not None:
            await self._status.stop()
            self._status = None

    def _invalid_order(self, step: str, instance: InstanceModel) -> StepRecord:
        """ACM-R answers 400 to an order the instance's state does not allow. As in ACM-R, an
        accepted order puts the instance in its transitional state (DEPLOYING...), which stays
        after a failure or timeout: a failed deploy can be undeployed, not deleted."""
        return self._refused(
            step, f"Not valid order {step.upper()}; DeployState: {instance.deploy_state.value}"
        )

    def _refused(self, step: str, reason: str) -> StepRecord:
        return self.record(StepRecord(step, "REFUSED", 0.0, reason))

    def _require_instance(self) -> InstanceModel:
        instance = self._instance_model()
        if instance is None:
            raise StepRefused("there is no instance: run `sim deploy` after `sim prime`")
        return instance

    def record(self, record: StepRecord) -> StepRecord:
        """Keep ``record`` in the state (with the runtime model) and show it."""
        self._save_model()
        self.state.record(record)
        self.out.finished(record)
        return record


def _since(started: float) -> float:
    return time.monotonic() - started


def _failed(acks: Acks) -> bool:
    return any(ack.state_change_result == StateChangeResult.FAILED for ack in acks)


def _record(step: str, acks: Acks, started: float) -> StepRecord:
    failed = [ack for ack in acks if ack.state_change_result == StateChangeResult.FAILED]
    if failed:
        reasons = "; ".join(
            entry.message or ack.message or "no reason given"
            for ack in failed
            for entry in ack.automation_composition_result_map.values()
        ) or "; ".join(ack.message or "no reason given" for ack in failed)
        return StepRecord(step, "FAILED", _since(started), reasons)
    return StepRecord(step, "NO_ERROR", _since(started), f"{len(acks)} element ack(s)")


def _ready(view: ServiceView) -> bool:
    return view.exists and view.ready == "True"


def _gone(view: ServiceView) -> bool:
    return not view.exists
