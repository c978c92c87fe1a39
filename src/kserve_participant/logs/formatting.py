"""One line per record: ``key=value`` (the default, for humans and grep) or JSON (for shippers).

Fields: time (UTC, ms), level, logger, msg, then every extra field of the record (bound ids
first), then the exception text when there is one.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from kserve_participant.logs.context import CONTEXT_FIELDS

__all__ = ["JsonFormatter", "KeyValueFormatter", "record_fields"]

_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)
_BARE_VALUE = re.compile(r"^[\w.:/@+\-,\[\]]+$")


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record as ordered fields, extras included, exception text last."""
    fields: dict[str, Any] = {
        "ts": _timestamp(record),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    extras = {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
    }
    for key in CONTEXT_FIELDS:
        if key in extras:
            fields[key] = extras.pop(key)
    fields.update(sorted(extras.items()))
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        fields["exc"] = record.exc_text
    if record.stack_info:
        fields["stack"] = record.stack_info
    return fields


def _kv_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and _BARE_VALUE.match(text):
        return text
    return json.dumps(text)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_kv_value(value)}" for key, value in record_fields(record).items())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(record_fields(record), default=str, ensure_ascii=False)
