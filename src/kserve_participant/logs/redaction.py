"""Secret redaction applied to every log record before it is formatted.

Two nets: patterns that catch secrets by shape (JAAS ``password="..."``, bearer and basic
authorization values, JWT-looking tokens, PEM private keys, passwords in URLs), and the exact
secret values the participant was configured with (registered at start), which are replaced
wherever they appear, whatever their shape. Messages, arguments, exception text, stack text and
extra fields of a record are all redacted.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

__all__ = ["REDACTED", "RedactionFilter", "redact"]

REDACTED = "***"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        "[private key redacted]",
    ),
    # The JAAS line's value only: a quoted string (JSON escapes included), else everything up to
    # and including the ``;`` that ends a JAAS entry, so whatever follows it stays readable.
    (
        re.compile(
            r"(?i)(sasl\.jaas\.config[\"']?\s*[=:]\s*)"
            r"(\"(?:[^\"\\]|\\.)*\"|'[^']*'|(?:\"[^\"\n]*\"|[^\n;\"])*;?)"
        ),
        r"\1" + f'"{REDACTED}"',
    ),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*"), r"\1 " + REDACTED),
    (re.compile(r"(?i)\b(basic)\s+[A-Za-z0-9+/]{6,}=*"), r"\1 " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    (
        re.compile(
            r"(?i)(\b[\w.-]*(?:password|passwd|pwd|secret|token|apikey|api_key)[\w.-]*"
            r"[\"']?\s*[=:]\s*)(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s,;&\"'}\]]+)"
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(://[^/\s:@]+:)[^@\s/]+@"), r"\1" + REDACTED + "@"),
)

_MINIMUM_SECRET_LENGTH = 4


class _SecretValues:
    """The configured secret values, longest first so that a secret's part never wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            merged = set(self._values)
            merged.update(v for v in values if len(v) >= _MINIMUM_SECRET_LENGTH)
            self._values = tuple(sorted(merged, key=len, reverse=True))

    def snapshot(self) -> tuple[str, ...]:
        return self._values


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with known secret values and secret-shaped substrings replaced."""
    for value in secrets:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
)


class RedactionFilter(logging.Filter):
    """A handler filter: rewrites each record in place so no formatter sees a secret."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = _SecretValues()
        self._secrets.add(secrets)

    def add_secrets(self, values: Iterable[str]) -> None:
        """Registers exact secret values (passwords, JAAS lines, tokens) to scrub everywhere."""
        self._secrets.add(values)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets.snapshot()
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format must not lose the line nor leak args
            message = str(record.msg)
        record.msg = redact(message, secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, key, redact(value, secrets))
        return True
