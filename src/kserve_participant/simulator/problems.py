"""What a check reports: one problem with its place in the file, its reason and how to fix it.

Two verdicts matter to a user: would ONAP's ACM runtime refuse the file (``Origin.RUNTIME``), or
would the runtime accept it and the KServe participant fail later (``Origin.PARTICIPANT``). Both are
errors; the simulator only refuses the first kind, so the participant's own failure can still be
watched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from kserve_participant.simulator.marked_yaml import MarkedDocument, Path, format_path

__all__ = ["Origin", "Problem", "ProblemLog", "Severity", "errors"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Origin(StrEnum):
    RUNTIME = "runtime"
    """ONAP's ACM runtime refuses it (REST 400)."""
    PARTICIPANT = "participant"
    """The runtime accepts it; the KServe participant fails on it or it is questionable."""


@dataclass(frozen=True)
class Problem:
    severity: Severity
    origin: Origin
    file: str
    line: int | None
    path: str
    message: str
    fix: str

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass
class ProblemLog:
    """Collects problems about one document, resolving each path to its line."""

    document: MarkedDocument
    problems: list[Problem] = field(default_factory=list)

    def error(self, path: Path, message: str, fix: str, *, origin: Origin = Origin.RUNTIME) -> None:
        self._add(Severity.ERROR, origin, path, message, fix)

    def warning(self, path: Path, message: str, fix: str) -> None:
        self._add(Severity.WARNING, Origin.PARTICIPANT, path, message, fix)

    def _add(self, severity: Severity, origin: Origin, path: Path, message: str, fix: str) -> None:
        self.problems.append(
            Problem(
                severity=severity,
                origin=origin,
                file=self.document.file,
                line=self.document.line_of(path),
                path=format_path(path),
                message=message,
                fix=fix,
            )
        )


def errors(problems: Iterable[Problem], *, origin: Origin | None = None) -> list[Problem]:
    """The errors among ``problems``, optionally only those of one origin."""
    return [
        p
        for p in problems
        if p.severity is Severity.ERROR and (origin is None or p.origin is origin)
    ]
