"""Ids bound to the log lines of the current task (participant, composition, instance, element).

The runtime binds them around every handler call, so each line the handler (and any library it
calls) writes during an operation can carry them. Values live in a contextvar: a binding made in
one asyncio task is seen by that task and the tasks it starts, and by no other. Install
:class:`LogContextFilter` on a logging handler to copy them onto its records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = [
    "LogContextFilter",
    "bind_log_fields",
    "bind_log_fields_globally",
    "bound_log_fields",
]

_fields: ContextVar[dict[str, str]] = ContextVar("acm_participant_log_fields", default={})  # noqa: B039


def bound_log_fields() -> dict[str, str]:
    """The fields bound in the current context."""
    return dict(_fields.get())


@contextmanager
def bind_log_fields(**fields: object) -> Iterator[None]:
    """Adds fields (None values are skipped) to the context inside the block."""
    merged = {**_fields.get(), **{k: str(v) for k, v in fields.items() if v is not None}}
    token = _fields.set(merged)
    try:
        yield
    finally:
        _fields.reset(token)


def bind_log_fields_globally(**fields: object) -> None:
    """Binds fields for the current context and everything started from it (process ids)."""
    _fields.set({**_fields.get(), **{k: str(v) for k, v in fields.items() if v is not None}})


class LogContextFilter(logging.Filter):
    """Copies bound fields onto records that do not carry the same field already."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _fields.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
