"""Ids bound to the current task (participant, instance, element, InferenceService).

Values live in contextvars, so a binding made in one asyncio task (an element operation) is
seen by every log line of that task and of the tasks it starts, and by no other task.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["CONTEXT_FIELDS", "ContextFilter", "bind", "bound_fields"]

CONTEXT_FIELDS = ("participant", "composition", "instance", "element", "isvc")

_fields: ContextVar[dict[str, str]] = ContextVar("kserve_participant_log_fields", default={})  # noqa: B039


def bound_fields() -> dict[str, str]:
    """The fields bound in the current context."""
    return dict(_fields.get())


@contextmanager
def bind(**fields: object) -> Iterator[None]:
    """Adds fields (None values are skipped) to every log line inside the block."""
    merged = {**_fields.get(), **{k: str(v) for k, v in fields.items() if v is not None}}
    token = _fields.set(merged)
    try:
        yield
    finally:
        _fields.reset(token)


def bind_globally(**fields: object) -> None:
    """Binds fields for the current context and everything started from it (process ids)."""
    _fields.set({**_fields.get(), **{k: str(v) for k, v in fields.items() if v is not None}})


class ContextFilter(logging.Filter):
    """Copies bound fields onto records that do not carry the same field already."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _fields.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
