"""The codec: bytes from the broker to a typed message and back; the only JSON boundary.

Why it exists: one place decides how a record becomes a message, so callers catch exactly one
error type (:class:`~acm_participant.errors.DecodeError`) whatever is wrong with the bytes.
The union is validated straight from JSON by a TypeAdapter built once (dispatch on
``messageType``). Error reasons list locations and causes, never input values, because
payloads may hold secrets.

Null members: ONAP's serializers omit them, except 9.0.1 runtimes, which write ``null`` for
every absent member. A ``null`` where the model allows None simply reads as None; where it
does not (a list, a map, a flag with a default), validation fails at that member, the member is
removed and the document validated again, so the default applies as if it were absent. Nearly
all traffic has no such null and takes the direct path, with no per-field Python hook.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, from_json, to_json

from acm_participant.errors import DecodeError
from acm_participant.protocol.messages import (
    AnyMessage,
    ParticipantAckMessage,
    ParticipantMessage,
)

__all__ = ["decode", "encode"]

_MAX_REASON_ERRORS = 5
_MAX_TAG_LENGTH = 64
_MAX_NULL_PASSES = 4  # nulls nested in removed-then-defaulted members surface one level a pass

# Built on the first decode (see WireModel's defer_build), then reused.
_ADAPTER: TypeAdapter[AnyMessage] = TypeAdapter(AnyMessage, config={"defer_build": True})


def decode(data: bytes | str) -> AnyMessage:
    """The message ``data`` holds (UTF-8 JSON), typed by its ``messageType``.

    Unknown members are ignored; a ``null`` member reads as absent.

    Raises:
        DecodeError: malformed JSON, missing or unknown ``messageType``, or an invalid UUID,
            enum constant, number, instant or map key; ``reason`` says which, without the
            payload.
    """
    try:
        try:
            return _ADAPTER.validate_json(data)
        except ValidationError as exc:
            return _decode_with_nulls_absent(data, exc)
    except (ValueError, TypeError, RecursionError) as exc:
        # e.g. a str holding lone surrogates, which cannot be read as UTF-8
        raise DecodeError(f"undecodable input ({type(exc).__name__})") from None


def encode(message: ParticipantMessage | ParticipantAckMessage) -> bytes:
    """The compact UTF-8 JSON of ``message``, with ONAP's member names and no null members."""
    return message.__pydantic_serializer__.to_json(message, by_alias=True, exclude_none=True)


def _decode_with_nulls_absent(data: bytes | str, error: ValidationError) -> AnyMessage:
    document: Any = None
    for _ in range(_MAX_NULL_PASSES):
        failed_nulls = [
            detail["loc"][1:]  # the first step is the messageType tag
            for detail in error.errors(include_url=False, include_context=False)
            if detail["input"] is None and detail["type"] != "missing"
        ]
        if not failed_nulls:
            break
        if document is None:
            document = from_json(data)
        if not all(_remove_member(document, path) for path in failed_nulls):
            break
        try:
            return _ADAPTER.validate_json(to_json(document))
        except ValidationError as exc:
            error = exc
    raise DecodeError(_reason(error)) from None


def _remove_member(document: Any, path: tuple[int | str, ...]) -> bool:
    """Remove the null object member at ``path``; False if there is none (e.g. a list item)."""
    if not path:
        return False
    parent = document
    for step in path[:-1]:
        if not _has_step(parent, step):
            return False
        parent = parent[step]
    member = path[-1]
    if isinstance(parent, dict) and member in parent and parent[member] is None:
        del parent[member]
        return True
    return False


def _has_step(container: Any, step: int | str) -> bool:
    if isinstance(container, dict):
        return isinstance(step, str) and step in container
    return isinstance(container, list) and isinstance(step, int) and 0 <= step < len(container)


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
