"""Field types shared by the wire models: how ONAP's JSON maps to Python values and back.

Why it exists: every quirk of the Java serializers (null = absent, ``Z`` instants, free-form
maps written without nulls) is decided once here, not per model.
Nothing here knows a message type.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    PlainSerializer,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "FreeMap",
    "Instant",
    "WireModel",
    "fresh_message_id",
    "instant_to_wire",
    "now",
    "without_nulls",
]


class WireModel(BaseModel):
    """Base of every wire model: camelCase on the wire, snake_case in Python, immutable.

    Unknown members are ignored on input (newer runtimes add members, older ones send
    ``state``/``result``/``toscaServiceTemplateFragment``).
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
        revalidate_instances="never",
        # Validators and serializers are built on first use, not at import: a participant
        # builds what REGISTER needs and the rest when the first message arrives, so about
        # 0.2 s of schema building moves from before its REGISTER to after it.
        defer_build=True,
    )


def without_nulls(value: Any) -> Any:
    """``value`` without null object members, at every depth (null list items are kept).

    This is Jackson's non-null inclusion (master) and Gson's default: what a Java runtime
    writes never holds a null member, and one that does (9.0.1) means "absent".
    """
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


FreeMap = Annotated[dict[str, Any], PlainSerializer(without_nulls, when_used="json")]
"""A free-form JSON object (properties, outProperties, ...): keys and values kept as received
(ints stay ints, JSON held in strings stays a string); written without null members."""


def now() -> datetime:
    return datetime.now(UTC)


def fresh_message_id() -> UUID:
    return uuid4()


def _to_utc(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def instant_to_wire(value: datetime) -> str:
    """``Instant.toString()`` form with ``Z`` and 3 fraction digits, or 6 when sub-millisecond."""
    value = _to_utc(value)
    timespec = "milliseconds" if value.microsecond % 1000 == 0 else "microseconds"
    return value.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


Instant = Annotated[
    AwareDatetime,
    AfterValidator(_to_utc),
    PlainSerializer(instant_to_wire, return_type=str, when_used="json"),
]
"""A point in time, always timezone-aware UTC in Python; zoneless input is rejected."""
