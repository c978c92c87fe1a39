"""Logging setup: key=value or JSON lines, context fields, secret redaction.

:func:`configure_logging` is the only place that installs handlers. Its redaction filter sits on
the handler, so it covers records of every logger (ours, the SDK's, aiokafka's, aiohttp's).
"""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO

from kserve_participant.logs.context import (
    CONTEXT_FIELDS,
    ContextFilter,
    bind,
    bind_globally,
    bound_fields,
)
from kserve_participant.logs.formatting import JsonFormatter, KeyValueFormatter
from kserve_participant.logs.redaction import REDACTED, RedactionFilter, redact
from kserve_participant.logs.repeats import RepeatLimiter

__all__ = [
    "CONTEXT_FIELDS",
    "REDACTED",
    "LogFormat",
    "RedactionFilter",
    "bind",
    "bind_globally",
    "bound_fields",
    "configure_logging",
    "redact",
]

LogFormat = Literal["kv", "json"]

_HANDLER_NAME = "kserve-participant"
# Libraries that repeat the same line while a connection is down: limited to one per minute.
_REPEATING_LOGGERS = ("aiokafka", "kafka")
# Chatty third-party loggers kept at WARNING unless DEBUG is asked for.
_QUIET_LOGGERS = ("aiokafka", "kafka", "aiohttp.access", "httpx", "httpx2", "httpcore")


def configure_logging(
    *,
    level: str = "INFO",
    log_format: LogFormat = "kv",
    stream: TextIO | None = None,
    secrets: tuple[str, ...] = (),
) -> RedactionFilter:
    """Installs one stream handler on the root logger (replacing a previous one of ours).

    Returns the redaction filter so that secrets learnt later (tokens) can be registered.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    redaction = RedactionFilter(secrets)
    if level.upper() != "DEBUG":
        handler.addFilter(RepeatLimiter(_REPEATING_LOGGERS))
    handler.addFilter(ContextFilter())
    handler.addFilter(redaction)
    handler.setFormatter(JsonFormatter() if log_format == "json" else KeyValueFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    root.setLevel(numeric if isinstance(numeric, int) else logging.INFO)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(
            logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING
        )
    return redaction
