"""What a handler's operation receives: one typed context per call, and the values in it.

:class:`ElementContext` carries everything an element operation needs (ids, the composition
and instance elements, their merged properties, the stage, a logger bound to the element and
the reporter); :class:`CompositionContext` the same for prime and deprime.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError

from acm_participant.failures import InvalidProperties
from acm_participant.protocol.enums import DeployState, LockState, StateChangeResult

__all__ = [
    "CompositionContext",
    "CompositionElement",
    "ElementContext",
    "ElementDefinitionId",
    "ElementLogger",
    "ElementOutcome",
    "ElementReporter",
    "InstanceElement",
    "merged_properties",
]

JsonMap = Mapping[str, Any]
M = TypeVar("M", bound=BaseModel)
ElementLogger = logging.LoggerAdapter[logging.Logger]


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

    The merge ONAP's Java participants apply (``docs/protocol.md``, decision D7).
    """
    return {**composition.properties, **instance.properties}


@dataclass(frozen=True, slots=True)
class ElementOutcome:
    """What a successful operation wants the runtime to say besides the success states."""

    message: str | None = None
    out_properties: JsonMap | None = None
    operational_state: str | None = None
    use_state: str | None = None


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


@dataclass(frozen=True, slots=True)
class ElementContext:
    """One element operation's input.

    ``composition`` is the element's definition (for a migration, the one it leaves);
    ``instance`` its current instance element; ``updated`` the instance element an update or a
    migration moves to, ``target`` the composition element a migration moves to.
    ``properties`` is what the element should be once the operation is done: the merge of
    (``target`` or ``composition``) with (``updated`` or ``instance``).
    """

    operation: str
    composition: CompositionElement
    instance: InstanceElement
    reporter: ElementReporter
    log: ElementLogger
    stage: int | None = None
    updated: InstanceElement | None = None
    target: CompositionElement | None = None
    deploy_state: DeployState | None = None
    """Restore only: the state ACM-R last knew."""
    lock_state: LockState | None = None
    """Restore only: the lock state ACM-R last knew."""

    @property
    def composition_id(self) -> UUID:
        return self.composition.composition_id

    @property
    def instance_id(self) -> UUID:
        return self.instance.instance_id

    @property
    def element_id(self) -> UUID:
        return self.instance.element_id

    @property
    def definition(self) -> ElementDefinitionId:
        return self.composition.definition_id

    @property
    def properties(self) -> dict[str, Any]:
        return merged_properties(self.target or self.composition, self.updated or self.instance)

    def parsed(self, model: type[M]) -> M:
        """``properties`` validated by ``model``.

        Raises:
            InvalidProperties: they do not fit; its message lists every problem (it becomes the
                FAILED ack's message when not caught).
        """
        try:
            return model.model_validate(self.properties)
        except ValidationError as exc:
            raise InvalidProperties.from_error(exc) from None


@dataclass(frozen=True, slots=True)
class CompositionContext:
    """A prime or deprime: my element definitions of one composition."""

    composition_id: UUID
    elements: list[CompositionElement]
    reporter: ElementReporter
    log: ElementLogger
