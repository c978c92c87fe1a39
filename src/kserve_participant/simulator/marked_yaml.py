"""YAML loading that remembers where every value came from.

Problems found in an ONAP TOSCA template or instance file are only useful with a line number, so the
documents are parsed once into plain Python values plus an index from each value's path to its line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["MarkedDocument", "Path", "YamlLoadError", "format_path", "load_marked"]

Path = tuple[str | int, ...]


class YamlLoadError(Exception):
    """The text is not YAML (or JSON); ``line`` is 1-based where the parser knows it."""

    def __init__(self, message: str, *, line: int | None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class MarkedDocument:
    """A parsed document (``data``) and the 1-based line of each path inside it."""

    file: str
    data: Any
    lines: Mapping[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor known to the parser."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def get(self, path: Path) -> Any:
        """The value at ``path``, or None when any step of it is missing."""
        node: Any = self.data
        for step in path:
            if isinstance(step, int):
                if not isinstance(node, list) or not 0 <= step < len(node):
                    return None
            elif not isinstance(node, Mapping) or step not in node:
                return None
            node = node[step]
        return node


def load_marked(text: str, *, file: str) -> MarkedDocument:
    """Parse one YAML (or JSON) document, keeping the line of every mapping key and list item."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        raise YamlLoadError(f"not valid YAML: {problem}", line=line) from exc
    except yaml.YAMLError as exc:
        raise YamlLoadError(f"not valid YAML: {exc}", line=None) from exc
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    if node is not None:
        _index(node, (), lines)
    return MarkedDocument(file=file, data=data, lines=lines)


def _index(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = (*path, key)
            # The key's line is where a reader looks for "this property", also for block values.
            lines[child] = key_node.start_mark.line + 1
            _index_children(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _index_children(item, child, lines)


def _index_children(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        _index(node, path, lines)


def format_path(path: Sequence[str | int]) -> str:
    """``("a", "b.c", 0, "d")`` -> ``a["b.c"][0].d``: dotted TOSCA names stay readable."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif not step.replace("_", "").replace("-", "").isalnum():
            text += f'["{step}"]'
        else:
            text += f".{step}" if text else step
    return text
