"""Start phases and stages: which elements act in which DEPLOY, MIGRATION or PREPARE message.

Both live in the composition node template's properties: ``startPhase`` (an int, or a string
holding one) and ``stage`` (``{"migrate": [...], "prepare": [...]}`` or, legacy, a plain list
meaning the migrate stages).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal

__all__ = ["next_stage", "previous_stage", "stages", "start_phase"]

_log = logging.getLogger(__name__)

StageKind = Literal["migrate", "prepare"]


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def start_phase(composition_properties: Mapping[str, Any]) -> int:
    """The element's start phase; absent or unreadable means 0."""
    raw = composition_properties.get("startPhase")
    if raw is None:
        return 0
    phase = _as_int(raw)
    if phase is None:
        _log.warning("unreadable startPhase %r taken as 0", raw)
        return 0
    return phase


def stages(composition_properties: Mapping[str, Any], kind: StageKind) -> list[int]:
    """Sorted stages the element takes part in for a migration or a prepare; default ``[0]``."""
    raw = composition_properties.get("stage")
    listed: Any
    if isinstance(raw, Mapping):
        listed = raw.get(kind)
    elif isinstance(raw, list) and kind == "migrate":
        listed = raw
    else:
        listed = None
    if not isinstance(listed, list):
        return [0]
    values = sorted({v for v in (_as_int(item) for item in listed) if v is not None})
    return values or [0]


def next_stage(element_stages: Sequence[int], current: int) -> int | None:
    """The smallest stage above ``current``, or None when ``current`` is the element's last."""
    later = [s for s in element_stages if s > current]
    return min(later) if later else None


def previous_stage(element_stages: Sequence[int], current: int) -> int | None:
    """The largest stage below ``current`` (rollback walks stages down), or None."""
    earlier = [s for s in element_stages if s < current]
    return max(earlier) if earlier else None
