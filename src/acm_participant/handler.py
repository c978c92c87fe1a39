"""The element handler seam: what a participant implements for its element types.

A handler is told *what* to do for one element (deploy, undeploy, ...) and does it; the SDK
runtime decides *when* (start phases, stages, revision gates), sends the acks the ACM runtime
expects and keeps the caches. A handler never sees a wire message.

Contract of every operation method:

* returning (``None`` or an :class:`ElementOutcome`) means success: the runtime acks the
  operation's success states (e.g. DEPLOYED/LOCKED for deploy), with the outcome's message and
  outProperties if given;
* raising means failure: the runtime acks the operation's failure states with
  ``StateChangeResult.FAILED`` and the exception's message (``str(exc)``, truncated to 255
  characters); :class:`ElementFailure` is the plain way to say "failed because ...";
* raising :class:`OperationNotSupported` (what the defaults below do) answers as ONAP's Java
  participant does for an unimplemented operation: success "Not implemented", or FAILED
  "Not supported" when the participant is configured with ``failUnsupportedOperation``;
* the call runs in its own task: the runtime cancels it when the operation is superseded, timed
  out by the ACM runtime, or the participant shuts down. A handler cleans up on
  ``CancelledError`` and re-raises it; no ack is sent for a cancelled call.

Results that arrive later (a model that goes unready an hour after deploy, live status) are
reported through the :class:`ElementReporter` the runtime hands to :meth:`ElementHandler.start`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from acm_participant.protocol.enums import DeployState, LockState, StateChangeResult

__all__ = [
    "CompositionElement",
    "ElementDefinitionId",
    "ElementFailure",
    "ElementHandler",
    "ElementOutcome",
    "ElementReporter",
    "InstanceElement",
    "OperationNotSupported",
    "merged_properties",
]

JsonMap = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ElementDefinitionId:
    """A TOSCA concept identifier: the node template's name and version."""

    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


@dataclass(frozen=True, slots=True)
class CompositionElement:
    """An element of a primed composition: its node template properties (``inProperties``)."""

    composition_id: UUID
    definition_id: ElementDefinitionId
    properties: JsonMap = field(default_factory=dict)
    out_properties: JsonMap = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InstanceElement:
    """An element of an automation composition instance: the user's instance properties."""

    instance_id: UUID
    element_id: UUID
    properties: JsonMap = field(default_factory=dict)
    out_properties: JsonMap = field(default_factory=dict)


def merged_properties(composition: CompositionElement, instance: InstanceElement) -> dict[str, Any]:
    """Composition properties overlaid by instance properties (instance keys win).

    This is the merge ONAP's Java KServe participant applies (spec section 8, decision 7).
    """
    return {**composition.properties, **instance.properties}


@dataclass(frozen=True, slots=True)
class ElementOutcome:
    """What a successful operation wants the runtime to say besides the success states."""

    message: str | None = None
    out_properties: JsonMap | None = None
    operational_state: str | None = None
    use_state: str | None = None


class ElementFailure(Exception):
    """Raised by a handler to fail an operation with a reason meant for the ACM runtime's user."""


class OperationNotSupported(Exception):
    """Raised by the default implementation of an operation the handler does not implement."""


class ElementReporter(Protocol):
    """How a handler reports results at any time, also long after its call returned."""

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
        """Send a state-change ack for one element (updateAutomationCompositionElementState)."""

    async def report_element_info(
        self,
        instance_id: UUID,
        element_id: UUID,
        *,
        out_properties: JsonMap | None = None,
        operational_state: str | None = None,
        use_state: str | None = None,
    ) -> None:
        """Publish live status of one element: outProperties, operational and use state.

        ``None`` keeps the cached value; outProperties replace the element's map as a whole.
        """

    async def report_composition_info(
        self,
        composition_id: UUID,
        definition_id: ElementDefinitionId,
        *,
        out_properties: JsonMap,
    ) -> None:
        """Publish outProperties of a composition element definition."""


class ElementHandler:
    """Base class of element handlers: override the operations your element type supports.

    ``deploy`` and ``undeploy`` have no default. Every other operation raises
    :class:`OperationNotSupported`, except those whose ONAP default is a plain success
    (migrate precheck, prepare, review, deprime, restore).
    """

    async def start(self, reporter: ElementReporter) -> None:
        """Called once before any operation; keep the reporter for later reports."""

    async def stop(self) -> None:
        """Called once at shutdown, after in-flight operations ended or were cancelled."""

    # --- composition (definition) operations -----------------------------------------------

    async def prime(self, composition_id: UUID, elements: list[CompositionElement]) -> None:
        """Validate/prepare the definitions of a composition being primed."""
        raise OperationNotSupported("prime")

    async def deprime(self, composition_id: UUID, elements: list[CompositionElement]) -> None:
        """Forget a composition being deprimed."""

    # --- instance element operations ----------------------------------------------------------

    async def deploy(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        raise NotImplementedError

    async def undeploy(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        raise NotImplementedError

    async def lock(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        raise OperationNotSupported("lock")

    async def unlock(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        raise OperationNotSupported("unlock")

    async def delete(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        raise OperationNotSupported("delete")

    async def update(
        self,
        composition: CompositionElement,
        instance: InstanceElement,
        updated: InstanceElement,
    ) -> ElementOutcome | None:
        """Apply new instance properties (``updated``) to a deployed element."""
        raise OperationNotSupported("update")

    async def migrate(
        self,
        composition: CompositionElement,
        target: CompositionElement,
        instance: InstanceElement,
        migrated: InstanceElement,
        stage: int,
    ) -> ElementOutcome | None:
        """Move an element to a new composition (one call per stage the element takes part in)."""
        raise OperationNotSupported("migrate")

    async def migrate_precheck(
        self,
        composition: CompositionElement,
        target: CompositionElement,
        instance: InstanceElement,
        migrated: InstanceElement,
    ) -> ElementOutcome | None:
        """Check, without changing anything, that a migration would work."""
        return None

    async def rollback(
        self,
        composition: CompositionElement,
        target: CompositionElement,
        instance: InstanceElement,
        migrated: InstanceElement,
        stage: int,
    ) -> ElementOutcome | None:
        """Undo a failed migration (one call per stage, highest first)."""
        raise OperationNotSupported("rollback")

    async def prepare(
        self, composition: CompositionElement, instance: InstanceElement, stage: int
    ) -> ElementOutcome | None:
        """Prepare an undeployed element before its deploy."""
        return None

    async def review(
        self, composition: CompositionElement, instance: InstanceElement
    ) -> ElementOutcome | None:
        """Review a deployed element."""
        return None

    async def restore(
        self,
        composition: CompositionElement,
        instance: InstanceElement,
        *,
        deploy_state: DeployState,
        lock_state: LockState,
    ) -> None:
        """Re-attach to an element the ACM runtime handed back after a participant restart."""
