"""The codec: bytes from the broker to a typed message and back; the only JSON boundary.

Why it exists: one place decides how a record becomes a message, so callers catch exactly one
error type (:class:`~acm_participant.errors.DecodeError`) whatever is wrong with the bytes.
The union is validated straight from JSON by a TypeAdapter built once (dispatch on
``messageType``). Error reasons list locations and causes, never input values, because
payloads may hold secrets.

Null members: ONAP's serializers omit them, except 9.0.1 runtimes, which write ``null`` for
absent. Documents containing ``null`` are therefore parsed, stripped of null members
(:func:`~acm_participant.protocol.fields.without_nulls`) and then validated; the others
(nearly all traffic) take the direct path, which needs no per-field Python hook.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, from_json

from acm_participant.errors import DecodeError
from acm_participant.protocol.fields import without_nulls
from acm_participant.protocol.messages import (
    AnyMessage,
    ParticipantAckMessage,
    ParticipantMessage,
)

__all__ = ["decode", "encode"]

_MAX_REASON_ERRORS = 5
_MAX_TAG_LENGTH = 64

_ADAPTER: TypeAdapter[AnyMessage] = TypeAdapter(AnyMessage)


def decode(data: bytes | str) -> AnyMessage:
    """The message ``data`` holds (UTF-8 JSON), typed by its ``messageType``.

    Unknown members are ignored; a ``null`` member reads as absent.

    Raises:
        DecodeError: malformed JSON, missing or unknown ``messageType``, or an invalid UUID,
            enum constant, number or instant; ``reason`` says which, without the payload.
    """
    try:
        if _may_hold_null(data):
            return _ADAPTER.validate_python(without_nulls(_parse(data)))
        return _ADAPTER.validate_json(data)
    except ValidationError as exc:
        raise DecodeError(_reason(exc)) from None
    except (ValueError, TypeError, RecursionError) as exc:
        # e.g. a str holding lone surrogates, which cannot be read as UTF-8
        raise DecodeError(f"undecodable input ({type(exc).__name__})") from None


def encode(message: ParticipantMessage | ParticipantAckMessage) -> bytes:
    """The compact UTF-8 JSON of ``message``, with ONAP's member names and no null members."""
    return message.__pydantic_serializer__.to_json(message, by_alias=True, exclude_none=True)


def _may_hold_null(data: bytes | str) -> bool:
    return b"null" in data if isinstance(data, bytes) else "null" in data


def _parse(data: bytes | str) -> Any:
    try:
        return from_json(data)
    except ValueError as exc:
        raise DecodeError(f"malformed JSON: {exc}") from None


def _reason(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    parts = [_describe(error) for error in errors[:_MAX_REASON_ERRORS]]
    if len(errors) > _MAX_REASON_ERRORS:
        parts.append(f"and {len(errors) - _MAX_REASON_ERRORS} more")
    return "; ".join(parts)


def _describe(error: ErrorDetails) -> str:
    if error["type"] == "union_tag_not_found":
        return "missing messageType"
    if error["type"] == "union_tag_invalid":
        tag = str(error.get("ctx", {}).get("tag", ""))[:_MAX_TAG_LENGTH]
        return f"unknown messageType {tag!r}"
    return f"{_location(error['loc'])}{error['msg']}"


def _location(steps: tuple[int | str, ...]) -> str:
    return f"{'.'.join(str(step) for step in steps)}: " if steps else ""
