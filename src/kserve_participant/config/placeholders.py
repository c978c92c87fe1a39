"""Spring-style ``${NAME:default}`` placeholders, resolved from the environment.

The Java participant's ``application.yaml`` maps its environment overrides (KAFKA_SERVER,
HTTP_PASSWORD, ...) through such placeholders, so reading that file unchanged means resolving
them the way Spring does: the environment variable if set, else the default after the first
colon; nested placeholders in defaults are allowed; a placeholder without a default whose
variable is unset is an error, as in Spring.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["UnresolvedPlaceholder", "resolve_placeholders", "resolve_text"]


class UnresolvedPlaceholder(ValueError):
    """A ``${NAME}`` without default whose variable is not set."""

    def __init__(self, name: str, path: str = "") -> None:
        super().__init__(f"placeholder ${{{name}}} has no default and {name} is not set")
        self.name = name
        self.path = path


def _lookup(name: str, env: Mapping[str, str]) -> str | None:
    """The variable as written, then in Spring's relaxed form (``a.b-c`` -> ``A_B_C``)."""
    if name in env:
        return env[name]
    relaxed = name.replace(".", "_").replace("-", "_").upper()
    return env.get(relaxed)


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the placeholder opened just before ``start``; -1 if none."""
    depth = 1
    index = start
    while index < len(text):
        if text.startswith("${", index):
            depth += 1
            index += 2
            continue
        if text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def resolve_text(text: str, env: Mapping[str, str]) -> str:
    """Replaces every placeholder of ``text``; an unterminated ``${`` is kept literally."""
    out: list[str] = []
    index = 0
    while True:
        opening = text.find("${", index)
        if opening < 0:
            out.append(text[index:])
            return "".join(out)
        closing = _closing_brace(text, opening + 2)
        if closing < 0:
            out.append(text[index:])
            return "".join(out)
        out.append(text[index:opening])
        body = text[opening + 2 : closing]
        name, has_default, default = body.partition(":")
        value = _lookup(name.strip(), env)
        if value is None:
            if not has_default:
                raise UnresolvedPlaceholder(name.strip())
            value = resolve_text(default, env)
        out.append(value)
        index = closing + 1


def resolve_placeholders(tree: Any, env: Mapping[str, str], path: str = "") -> Any:
    """A copy of a parsed YAML tree with placeholders resolved in every string scalar.

    Raises :class:`UnresolvedPlaceholder` carrying the dotted key path of the offending value.
    """
    if isinstance(tree, str):
        try:
            return resolve_text(tree, env)
        except UnresolvedPlaceholder as exc:
            raise UnresolvedPlaceholder(exc.name, path) from None
    if isinstance(tree, Mapping):
        return {
            key: resolve_placeholders(value, env, f"{path}.{key}" if path else str(key))
            for key, value in tree.items()
        }
    if isinstance(tree, list):
        return [
            resolve_placeholders(item, env, f"{path}[{index}]") for index, item in enumerate(tree)
        ]
    return tree
