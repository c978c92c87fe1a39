"""Recursive merge of property maps: the one deep merge of the project.

As ACM-R and the Java participant apply element updates: maps merge key by key, lists of the
same length item by item, anything else is replaced. With ``merge_lists=False`` lists are
replaced whole, as configuration layers are (Spring's rule for YAML documents).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["merge_properties"]


def merge_properties(
    current: Mapping[str, Any], update: Mapping[str, Any], *, merge_lists: bool = True
) -> dict[str, Any]:
    """A new map: ``current`` with ``update`` merged in; neither argument is modified."""
    merged = dict(current)
    for key, new in update.items():
        merged[key] = _merge_value(merged[key], new, merge_lists) if key in merged else new
    return merged


def _merge_value(old: Any, new: Any, merge_lists: bool) -> Any:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return merge_properties(old, new, merge_lists=merge_lists)
    if merge_lists and isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [_merge_value(o, n, merge_lists) for o, n in zip(old, new, strict=True)]
    return new
