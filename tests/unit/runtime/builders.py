"""ACM-R's messages with test defaults: one composition element type, ids made up per call."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from acm_participant import ElementFailure, ElementHandler
from acm_participant.context import (
    CompositionContext,
    CompositionElement,
    ElementContext,
    ElementOutcome,
    ElementReporter,
    InstanceElement,
)
from acm_participant.protocol import (
    AcElementDeploy,
    AcElementRestart,
    AcTypeState,
    AutomationCompositionDeploy,
    AutomationCompositionElementDefinition,
    AutomationCompositionMigration,
    AutomationCompositionPrepare,
    AutomationCompositionStateChange,
    DeployOrder,
    DeployState,
    LockOrder,
    LockState,
    MigrationState,
    ParticipantDefinition,
    ParticipantDeploy,
    ParticipantPrime,
    ParticipantPrimeAck,
    ParticipantRestartAc,
    ParticipantSync,
    PrimeOrder,
    PropertiesUpdate,
    StateChangeResult,
    ToscaConceptIdentifier,
    ToscaNodeTemplate,
)
from acm_participant.settings import ParticipantSettings, SupportedElementType

PARTICIPANT_ID = UUID("2d9b5e7a-4c1f-4a8e-9b3d-6f0e1a2b3c4d")
OTHER_PARTICIPANT = UUID("99999999-4c1f-4a8e-9b3d-6f0e1a2b3c4d")
ELEMENT_TYPE_NAME = "org.example.Element"
ELEMENT_TYPE_VERSION = "1.0.0"

ELEMENT_TYPE = SupportedElementType(type_name=ELEMENT_TYPE_NAME, type_version=ELEMENT_TYPE_VERSION)


def make_settings(**overrides: object) -> ParticipantSettings:
    values: dict[str, object] = {
        "participant_id": PARTICIPANT_ID,
        "supported_element_types": (ELEMENT_TYPE,),
        "reporting_time_interval_ms": 60_000,
        "register_retry_initial_ms": 50,
        "shutdown_grace_ms": 500,
    }
    values.update(overrides)
    return ParticipantSettings.model_validate(values)


@dataclass(frozen=True)
class Call:
    operation: str
    args: tuple[Any, ...]
    context: Any = None
    """The ElementContext (or CompositionContext) the handler was given."""

    @property
    def composition(self) -> CompositionElement:
        composition: CompositionElement = self.args[0]
        return composition

    @property
    def instance(self) -> InstanceElement:
        instance: InstanceElement = self.args[1]
        return instance


class RecordingHandler(ElementHandler):
    """The trivial element handler of the tests: succeeds unless told to fail or to block.

    ``fail`` maps an operation to the message it fails with; operations in ``block`` wait
    until ``release`` is set (and record their cancellation); ``outcomes`` are returned.
    """

    def __init__(
        self,
        *,
        fail: dict[str, str] | None = None,
        block: set[str] | None = None,
        outcomes: dict[str, ElementOutcome] | None = None,
    ) -> None:
        self.fail = dict(fail or {})
        self.block = set(block or ())
        self.outcomes = dict(outcomes or {})
        self.calls: list[Call] = []
        self.cancelled: list[str] = []
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.forgotten = asyncio.Event()
        self.reporter: ElementReporter | None = None

    def ops(self) -> list[str]:
        return [c.operation for c in self.calls]

    async def start(self, reporter: ElementReporter) -> None:
        self.reporter = reporter

    async def _do(
        self, operation: str, *args: Any, context: object = None
    ) -> ElementOutcome | None:
        self.calls.append(Call(operation, args, context))
        if operation in self.block:
            self.started.set()
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                self.cancelled.append(operation)
                raise
        if operation in self.fail:
            raise ElementFailure(self.fail[operation])
        return self.outcomes.get(operation)

    # Each call is recorded with the values the handler reads from its context, in a fixed
    # order per operation (composition, [target,] instance, [updated,] [stage]).

    async def prime(self, composition: CompositionContext) -> None:
        await self._do(
            "prime", composition.composition_id, composition.elements, context=composition
        )

    async def deprime(self, composition: CompositionContext) -> None:
        await self._do(
            "deprime", composition.composition_id, composition.elements, context=composition
        )

    async def _plain(self, operation: str, e: ElementContext) -> ElementOutcome | None:
        return await self._do(operation, e.composition, e.instance, context=e)

    async def deploy(self, element: ElementContext) -> ElementOutcome | None:
        return await self._plain("deploy", element)

    async def undeploy(self, element: ElementContext) -> ElementOutcome | None:
        return await self._plain("undeploy", element)

    async def lock(self, element: ElementContext) -> ElementOutcome | None:
        return await self._plain("lock", element)

    async def unlock(self, element: ElementContext) -> ElementOutcome | None:
        return await self._plain("unlock", element)

    async def delete(self, element: ElementContext) -> ElementOutcome | None:
        return await self._plain("delete", element)

    async def review(self, element: ElementContext) -> ElementOutcome | None:
        return await self._plain("review", element)

    async def update(self, element: ElementContext) -> ElementOutcome | None:
        e = element
        return await self._do("update", e.composition, e.instance, e.updated, context=e)

    async def migrate(self, element: ElementContext) -> ElementOutcome | None:
        e = element
        return await self._do(
            "migrate", e.composition, e.target, e.instance, e.updated, e.stage, context=e
        )

    async def migrate_precheck(self, element: ElementContext) -> ElementOutcome | None:
        e = element
        return await self._do(
            "migrate_precheck", e.composition, e.target, e.instance, e.updated, context=e
        )

    async def rollback(self, element: ElementContext) -> ElementOutcome | None:
        e = element
        return await self._do(
            "rollback", e.composition, e.target, e.instance, e.updated, e.stage, context=e
        )

    async def prepare(self, element: ElementContext) -> ElementOutcome | None:
        e = element
        return await self._do("prepare", e.composition, e.instance, e.stage, context=e)

    async def restore(self, element: ElementContext) -> None:
        e = element
        await self._do(
            "restore", e.composition, e.instance, e.deploy_state, e.lock_state, context=e
        )

    async def forget(self, element: ElementContext) -> None:
        e = element
        await self._do("forget", e.composition, e.instance, e.deploy_state, context=e)
        self.forgotten.set()


class DeployOnlyHandler(ElementHandler):
    """Implements deploy and undeploy only: everything else is ONAP's "not supported"."""

    async def deploy(self, element: ElementContext) -> ElementOutcome | None:
        return None

    async def undeploy(self, element: ElementContext) -> ElementOutcome | None:
        return None


def definition(
    name: str = "onap.element.Example", version: str = "1.2.3"
) -> ToscaConceptIdentifier:
    return ToscaConceptIdentifier(name=name, version=version)


@dataclass
class Element:
    """An element of a test instance: its definition, instance properties and phase."""

    definition: ToscaConceptIdentifier = field(default_factory=definition)
    properties: dict[str, Any] = field(default_factory=dict)
    composition_properties: dict[str, Any] = field(default_factory=dict)
    element_id: UUID = field(default_factory=uuid4)
    migration_state: MigrationState = MigrationState.DEFAULT


@dataclass
class World:
    """The ids of one test's composition and instance, and the revisions ACM-R gave them."""

    participant_id: UUID = PARTICIPANT_ID
    composition_id: UUID = field(default_factory=uuid4)
    instance_id: UUID = field(default_factory=uuid4)
    revision_composition: UUID | None = None
    revision_instance: UUID | None = None
    elements: list[Element] = field(default_factory=lambda: [Element()])

    # --- compositions -----------------------------------------------------------------------

    def definitions(
        self, elements: list[Element] | None = None, participant_id: UUID | None = None
    ) -> list[ParticipantDefinition]:
        return [
            ParticipantDefinition(
                participant_id=participant_id or self.participant_id,
                automation_composition_element_definition_list=[
                    AutomationCompositionElementDefinition(
                        ac_element_definition_id=e.definition,
                        automation_composition_element_tosca_node_template=ToscaNodeTemplate(
                            name=e.definition.name,
                            version=e.definition.version,
                            type=ELEMENT_TYPE_NAME,
                            type_version=ELEMENT_TYPE_VERSION,
                            properties=e.composition_properties,
                        ),
                    )
                    for e in (elements if elements is not None else self.elements)
                ],
            )
        ]

    def prime(self, *, composition_id: UUID | None = None, **extra: Any) -> ParticipantPrime:
        values: dict[str, Any] = {
            "composition_id": composition_id or self.composition_id,
            "revision_id_composition": self.revision_composition,
            "participant_id_list": [self.participant_id],
            "participant_definition_updates": self.definitions(),
            "prime_order": PrimeOrder.PRIME,
        }
        values.update(extra)
        return ParticipantPrime(**values)

    def deprime(self, **extra: Any) -> ParticipantPrime:
        values: dict[str, Any] = {
            "composition_id": self.composition_id,
            "participant_id_list": [self.participant_id],
            "prime_order": PrimeOrder.DEPRIME,
        }
        values.update(extra)
        return ParticipantPrime(**values)

    # --- instances --------------------------------------------------------------------------

    def updates(
        self, order: DeployOrder, elements: list[Element] | None = None
    ) -> list[ParticipantDeploy]:
        return [
            ParticipantDeploy(
                participant_id=self.participant_id,
                ac_element_list=[
                    AcElementDeploy(
                        id=e.element_id,
                        definition=e.definition,
                        ordered_state=order,
                        migration_state=e.migration_state,
                        properties=e.properties,
                    )
                    for e in (elements if elements is not None else self.elements)
                ],
            )
        ]

    def _ids(self) -> dict[str, Any]:
        return {
            "composition_id": self.composition_id,
            "automation_composition_id": self.instance_id,
            "revision_id_composition": self.revision_composition,
            "revision_id_instance": self.revision_instance,
            "participant_id_list": [self.participant_id],
        }

    def deploy(self, *, start_phase: int = 0, first: bool = True, **extra: Any):
        values = self._ids() | {
            "participant_updates_list": self.updates(DeployOrder.DEPLOY),
            "start_phase": start_phase,
            "first_start_phase": first,
        }
        values.update(extra)
        return AutomationCompositionDeploy(**values)

    def state_change(
        self,
        *,
        deploy: DeployOrder = DeployOrder.NONE,
        lock: LockOrder = LockOrder.NONE,
        start_phase: int = 0,
        **extra: Any,
    ) -> AutomationCompositionStateChange:
        values = self._ids() | {
            "deploy_ordered_state": deploy,
            "lock_ordered_state": lock,
            "start_phase": start_phase,
            "first_start_phase": True,
        }
        values.update(extra)
        return AutomationCompositionStateChange(**values)

    def update(self, *, rollback: bool = False, **extra: Any) -> PropertiesUpdate:
        values = self._ids() | {
            "participant_updates_list": self.updates(DeployOrder.UPDATE),
            "rollback": rollback,
        }
        values.update(extra)
        return PropertiesUpdate(**values)

    def migration(
        self,
        target_id: UUID,
        *,
        elements: list[Element] | None = None,
        stage: int = 0,
        first_stage: bool = True,
        precheck: bool = False,
        rollback: bool = False,
        **extra: Any,
    ) -> AutomationCompositionMigration:
        values = self._ids() | {
            "composition_target_id": target_id,
            "participant_updates_list": self.updates(
                DeployOrder.MIGRATION_REVERT if rollback else DeployOrder.MIGRATE, elements
            ),
            "stage": stage,
            "first_stage": first_stage,
            "precheck": precheck,
            "rollback": rollback,
        }
        values.update(extra)
        return AutomationCompositionMigration(**values)

    def prepare(self, *, pre_deploy: bool = True, stage: int = 0, **extra: Any):
        values = self._ids() | {
            "participant_list": self.updates(DeployOrder.NONE) if pre_deploy else [],
            "pre_deploy": pre_deploy,
            "stage": stage,
        }
        values.update(extra)
        return AutomationCompositionPrepare(**values)

    # --- synchronisation ----------------------------------------------------------------------

    def restart_instance(
        self,
        deploy_state: DeployState = DeployState.DEPLOYED,
        lock_state: LockState = LockState.LOCKED,
        revision: UUID | None = None,
    ) -> ParticipantRestartAc:
        return ParticipantRestartAc(
            automation_composition_id=self.instance_id,
            deploy_state=deploy_state,
            lock_state=lock_state,
            state_change_result=StateChangeResult.NO_ERROR,
            revision_id=revision,
            ac_element_list=[
                AcElementRestart(
                    id=e.element_id,
                    definition=e.definition,
                    participant_id=self.participant_id,
                    deploy_state=deploy_state,
                    lock_state=lock_state,
                    migration_state=MigrationState.DEFAULT,
                    properties=e.properties,
                )
                for e in self.elements
            ],
        )

    def sync(
        self,
        *,
        instances: list[ParticipantRestartAc] | None = None,
        with_definitions: bool = True,
        **extra: Any,
    ) -> ParticipantSync:
        values: dict[str, Any] = {
            "composition_id": self.composition_id,
            "revision_id_composition": self.revision_composition,
            "participant_id_list": [self.participant_id],
            "state": AcTypeState.PRIMED,
            "participant_definition_updates": self.definitions() if with_definitions else [],
            "automation_composition_list": instances or [],
        }
        values.update(extra)
        return ParticipantSync(**values)


async def deploy_started(peer: Any, handler: RecordingHandler, world: World) -> None:
    """Prime the world's composition, send its DEPLOY, return once the handler's deploy runs."""
    await peer.send(world.prime())
    await peer.expect(ParticipantPrimeAck)
    await peer.send(world.deploy())
    async with asyncio.timeout(5):
        await handler.started.wait()
