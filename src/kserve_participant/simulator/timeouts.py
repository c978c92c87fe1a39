"""How long ONAP's runtime waits for each operation before it calls it TIMEOUT.

ACM-R reads a per-element limit from the instance element's properties (``deployTimeoutMs``,
``undeployTimeoutMs``, ``updateTimeoutMs``, ``deleteTimeoutMs``), else ``maxOperationWaitMs``
(36 s in 9.x); composition operations read ``primeTimeoutMs`` / ``deprimeTimeoutMs`` from the
service template's metadata. A phase ends when its slowest element does, so the simulator waits
for the largest limit among the elements it awaits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["DEFAULT_MAX_OPERATION_WAIT_S", "composition_timeout", "element_timeout"]

DEFAULT_MAX_OPERATION_WAIT_S = 36.0

_ELEMENT_KEYS = {
    "deploy": "deployTimeoutMs",
    "undeploy": "undeployTimeoutMs",
    "update": "updateTimeoutMs",
    "delete": "deleteTimeoutMs",
}
_COMPOSITION_KEYS = {"prime": "primeTimeoutMs", "deprime": "deprimeTimeoutMs"}


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        milliseconds = float(value)
    except (TypeError, ValueError):
        return None
    return milliseconds / 1000 if milliseconds > 0 else None


def element_timeout(
    operation: str, properties: Iterable[Mapping[str, Any]], *, default_s: float
) -> float:
    """The wait for ``operation`` over elements with these instance properties."""
    key = _ELEMENT_KEYS[operation]
    limits = [_seconds(p.get(key)) for p in properties]
    return max([limit for limit in limits if limit is not None], default=default_s)


def composition_timeout(operation: str, metadata: Mapping[str, Any], *, default_s: float) -> float:
    """The wait for ``prime`` or ``deprime`` of a composition with this template metadata."""
    limit = _seconds(metadata.get(_COMPOSITION_KEYS[operation]))
    return default_s if limit is None else limit
