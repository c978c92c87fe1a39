"""Value types of the settings, with the error messages an operator should read.

Each type accepts what Spring would bind from ``application.yaml`` (numbers as strings after
placeholder resolution, durations like ``5s``) and fails with a short phrase that the loader
prefixes with the key, e.g. ``...reportingTimeIntervalMs: must be a positive integer, got "abc"``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr

__all__ = [
    "Duration",
    "NonNegativeInt",
    "OptionalDuration",
    "OptionalSecret",
    "Port",
    "PositiveInt",
    "ServerList",
    "SpringBool",
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|s|m|h|d)?\s*$")
_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}


def _integer(value: Any, *, minimum: int, phrase: str) -> int:
    if isinstance(value, bool):
        raise ValueError(phrase)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        number = int(value)
    else:
        raise ValueError(phrase)
    if number < minimum:
        raise ValueError(phrase)
    return number


def _positive_int(value: Any) -> int:
    return _integer(value, minimum=1, phrase="must be a positive integer")


def _non_negative_int(value: Any) -> int:
    return _integer(value, minimum=0, phrase="must be a non-negative integer")


def _port(value: Any) -> int:
    number = _integer(value, minimum=0, phrase="must be a port number (0-65535)")
    if number > 65535:
        raise ValueError("must be a port number (0-65535)")
    return number


def _duration_seconds(value: Any) -> float:
    """Spring's Duration: a bare number is milliseconds; units ns, us, ms, s, m, h, d."""
    phrase = 'must be a duration such as "500ms", "5s" or "2m"'
    if isinstance(value, bool):
        raise ValueError(phrase)
    if isinstance(value, int | float):
        seconds = float(value) / 1000.0
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        amount, unit = match.groups()
        seconds = float(amount) * _DURATION_UNITS[unit or "ms"]
    else:
        raise ValueError(phrase)
    if seconds <= 0:
        raise ValueError("must be a positive duration")
    return seconds


def _optional_duration(value: Any) -> float | None:
    """A duration, or nothing: empty (``${VARIABLE:}`` unset) or absent means "not set"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _duration_seconds(value)


def _spring_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("must be true or false")


def _server_list(value: Any) -> tuple[str, ...]:
    """``host:port`` entries given as a YAML list or one comma-separated string."""
    items = value if isinstance(value, list) else str(value).split(",")
    servers = tuple(str(item).strip() for item in items if str(item).strip())
    if not servers:
        raise ValueError("must name at least one host:port")
    return servers


def _optional_secret(value: Any) -> Any:
    """An empty secret (``${KAFKA_SASL_JAAS_CONFIG:}`` unset) means "not configured"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, SecretStr | str):
        return value
    raise ValueError("must be a string")


PositiveInt = Annotated[int, BeforeValidator(_positive_int)]
NonNegativeInt = Annotated[int, BeforeValidator(_non_negative_int)]
Port = Annotated[int, BeforeValidator(_port)]
Duration = Annotated[float, BeforeValidator(_duration_seconds)]
OptionalDuration = Annotated[float | None, BeforeValidator(_optional_duration)]
SpringBool = Annotated[bool, BeforeValidator(_spring_bool)]
ServerList = Annotated[tuple[str, ...], BeforeValidator(_server_list)]
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(_optional_secret)]
