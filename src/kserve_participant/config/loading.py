"""Reading settings: file + built-in defaults + environment, into one validated Settings.

Every failure becomes one :class:`ConfigError` whose message names the key and never echoes a
secret value, so ``run`` can print it and exit before touching the broker.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from acm_participant import errors as sdk_errors
from acm_participant import merge_properties
from kserve_participant.config.defaults import DEFAULT_APPLICATION_YAML
from kserve_participant.config.model import Settings
from kserve_participant.config.placeholders import UnresolvedPlaceholder, resolve_placeholders

__all__ = ["ConfigError", "deep_merge", "load_settings"]

_SECRET_WORDS = ("password", "jaas", "secret", "token", "credential", "private-key", "privatekey")
_ECHO_LIMIT = 80


class ConfigError(sdk_errors.ConfigError, ValueError):
    """The configuration cannot be used; the message names the key and is safe to log."""


def _is_secret_path(path: str) -> bool:
    lowered = path.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``; maps merge key by key, anything else (lists too) replaces."""
    return merge_properties(base, override, merge_lists=False)


def _read_yaml(text: str, origin: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{origin}:{where}: {problem}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"{origin}: must be a YAML mapping at the top level")
    return document


def _dotted(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _phrase(error: Mapping[str, Any]) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["type"] == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"must be one of {expected}"
    if error["type"] == "uuid_parsing" or error["type"] == "uuid_type":
        return "must be a UUID"
    if error["type"] == "extra_forbidden":
        return "is not a known key"
    if error["type"] == "missing":
        return "is required"
    return message[:1].lower() + message[1:]


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    path = _dotted(first["loc"]) or "(top level)"
    text = f"{path}: {_phrase(first)}"
    value = first.get("input")
    scalar = isinstance(value, str | int | float | bool) and first["type"] != "extra_forbidden"
    if scalar and first["type"] != "missing" and not _is_secret_path(path):
        shown = json.dumps(value) if isinstance(value, str) else str(value)
        if len(shown) > _ECHO_LIMIT:
            shown = shown[: _ECHO_LIMIT - 4] + '..."'
        text += f", got {shown}"
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return text


def load_settings(path: Path | None, env: Mapping[str, str]) -> Settings:
    """Settings from ``path`` (None: built-in defaults only) and the environment ``env``."""
    tree = _read_yaml(DEFAULT_APPLICATION_YAML, "built-in defaults")
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the file ({exc.strerror})") from None
        tree = deep_merge(tree, _read_yaml(text, str(path)))
    try:
        resolved = resolve_placeholders(tree, env)
    except UnresolvedPlaceholder as exc:
        raise ConfigError(f"{exc.path}: {exc}") from None
    try:
        return Settings.model_validate(resolved)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
