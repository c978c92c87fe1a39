"""The DTO payloads of master runtimes (``models/acm/dto``): composition and instance properties.

Why it exists: master runtimes send, besides the legacy element lists, one ``ParticipantDto`` per
participant whose ``elementDtos`` carry the composition and instance properties of each element
before and after the operation, and ``ParticipantPrimeDto`` entries in PRIME. Older runtimes
send none; the lists then decode empty.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from acm_participant.protocol.concepts import ToscaConceptIdentifier, ToscaConceptKey
from acm_participant.protocol.enums import ElementState
from acm_participant.protocol.fields import FreeMap, WireModel

__all__ = [
    "CompositionDto",
    "CompositionElementDto",
    "ElementDto",
    "InstanceElementDto",
    "ParticipantDto",
    "ParticipantPrimeDto",
]


class CompositionDto(WireModel):
    """A composition's in- and outProperties per element definition (keys ``"name version"``)."""

    composition_id: UUID | None = None
    in_properties_map: dict[ToscaConceptKey, FreeMap] = Field(default_factory=dict)
    out_properties_map: dict[ToscaConceptKey, FreeMap] = Field(default_factory=dict)


class ParticipantPrimeDto(WireModel):
    """The composition properties one participant primes (PRIME, master)."""

    participant_id: UUID | None = None
    composition_dto: CompositionDto | None = None


class CompositionElementDto(WireModel):
    """An element definition of a composition: node template properties (``inProperties``)."""

    composition_id: UUID | None = None
    element_definition_id: ToscaConceptIdentifier
    in_properties: FreeMap = Field(default_factory=dict)
    out_properties: FreeMap = Field(default_factory=dict)
    state: ElementState = ElementState.PRESENT


class InstanceElementDto(WireModel):
    """An instance element: the user's instance properties (``inProperties``)."""

    instance_id: UUID | None = None
    element_id: UUID | None = None
    in_properties: FreeMap = Field(default_factory=dict)
    out_properties: FreeMap = Field(default_factory=dict)
    state: ElementState = ElementState.PRESENT


class ElementDto(WireModel):
    """One element of an operation, before (``composition_element``/``instance_element``) and
    after (``..._target``); which ones are set depends on the message (docs/protocol.md §4.1)."""

    composition_element: CompositionElementDto | None = None
    instance_element: InstanceElementDto | None = None
    composition_element_target: CompositionElementDto | None = None
    instance_element_target: InstanceElementDto | None = None

    @property
    def element_id(self) -> UUID | None:
        """The element's id: from the instance element, else from its target."""
        for instance in (self.instance_element, self.instance_element_target):
            if instance is not None and instance.element_id is not None:
                return instance.element_id
        return None


class ParticipantDto(WireModel):
    """The elements of one participant in an operation (master)."""

    participant_id: UUID | None = None
    element_dtos: list[ElementDto] = Field(default_factory=list)
