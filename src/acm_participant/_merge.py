"""Recursive merge of element properties, as ACM-R and the Java participant apply updates.

Maps merge key by key, lists of the same length item by item, anything else is replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["merge_properties"]


def merge_properties(current: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """A new map: ``current`` with ``update`` merged in; neither argument is modified."""
    merged = dict(current)
    for key, new in update.items():
        merged[key] = _merge_value(merged[key], new) if key in merged else new
    return merged


def _merge_value(old: Any, new: Any) -> Any:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return merge_properties(old, new)
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [_merge_value(o, n) for o, n in zip(old, new, strict=True)]
    return new
