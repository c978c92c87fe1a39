"""Prints validation problems for a person: where, what, and how to fix it.

Shared by ``validate`` and the simulator commands, which refuse files with the same listing.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from kserve_participant.simulator.problems import Origin, Problem, Severity

__all__ = ["print_problems", "summary_line"]

_ORIGIN_NOTE = {
    Origin.RUNTIME: "ONAP's ACM runtime refuses this",
    Origin.PARTICIPANT: "the runtime accepts this, the KServe participant fails on it",
}


def print_problems(console: Console, problems: Sequence[Problem]) -> None:
    for problem in problems:
        if problem.severity is Severity.ERROR:
            label = "[bold red]error  [/]"
            note = f" [dim]({_ORIGIN_NOTE[problem.origin]})[/]"
        else:
            label = "[yellow]warning[/]"
            note = ""
        # soft_wrap: a long TOSCA path stays on one line, so it can be searched and copied.
        console.print(
            f"{label} [bold]{escape(problem.location)}[/]  {escape(problem.path)}", soft_wrap=True
        )
        console.print(f"        {escape(problem.message)}{note}", soft_wrap=True)
        console.print(f"        [green]fix:[/] {escape(problem.fix)}", soft_wrap=True)


def summary_line(problems: Sequence[Problem]) -> str:
    errors = [p for p in problems if p.severity is Severity.ERROR]
    refused = [p for p in errors if p.origin is Origin.RUNTIME]
    warnings = len(problems) - len(errors)
    if not errors:
        return f"no errors, {warnings} warning(s)"
    return (
        f"{len(errors)} error(s) ({len(refused)} that ONAP's runtime would refuse), "
        f"{warnings} warning(s)"
    )
