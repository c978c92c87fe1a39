"""Field types shared by the wire models: how ONAP's JSON maps to Python values and back.

Why it exists: every quirk of the Java serializers (null = absent, ``Z`` instants, free-form
maps with null-free output, ``"name version"`` keys) is decided once here, not per model.
Nothing here knows a message type.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID, uuid4

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticUseDefault

__all__ = [
    "FreeMap",
    "Instant",
    "NullAsDefault",
    "WireModel",
    "drop_null_map_values",
    "fresh_message_id",
    "instant_to_wire",
    "now",
]

T = TypeVar("T")


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
    )


def _null_as_default(value: Any) -> Any:
    # Jackson 9.0.1 writes absent members as explicit nulls: treat them as absent.
    if value is None:
        raise PydanticUseDefault()
    return value


NullAsDefault = BeforeValidator(_null_as_default)
"""Marker for fields with a non-None default: an explicit JSON ``null`` yields the default."""


def drop_null_map_values(value: dict[str, Any]) -> dict[str, Any]:
    """The map without null values, at every map depth (list items are kept, as Jackson does)."""
    return {
        key: drop_null_map_values(item) if isinstance(item, dict) else item
        for key, item in value.items()
        if item is not None
    }


FreeMap = Annotated[
    dict[str, Any],
    NullAsDefault,
    PlainSerializer(drop_null_map_values, when_used="json"),
]
"""A free-form JSON object (properties, outProperties, ...): kept exactly as received;
written without null values (Jackson and Gson both omit them)."""


def now() -> datetime:
    return datetime.now(UTC)


def fresh_message_id() -> UUID:
    return uuid4()


def _to_utc(value: datetime) -> datetime:
    return value if value.utcoffset() == UTC.utcoffset(None) else value.astimezone(UTC)


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
