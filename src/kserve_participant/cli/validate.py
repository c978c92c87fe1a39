"""`kserve-participant validate`: checks a TOSCA template and/or an instance file offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console

from kserve_participant.cli.problem_view import print_problems, summary_line
from kserve_participant.simulator.validation import validate_files

__all__ = ["CompositionIdOption", "InstanceOption", "ToscaOption", "register"]


def _uuid(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a UUID") from exc


ToscaOption = Annotated[
    Path | None,
    typer.Option(
        "--tosca",
        help="ONAP TOSCA service template (what is POSTed to /compositions).",
        dir_okay=False,
    ),
]
InstanceOption = Annotated[
    Path | None,
    typer.Option(
        "--instance",
        help="Instance file in the shape of ONAP's REST API ({{compositionId}} may stay as is).",
        dir_okay=False,
    ),
]
CompositionIdOption = Annotated[
    str | None,
    typer.Option(
        "--composition-id", help="Check the instance's compositionId against this composition."
    ),
]


VALIDATE_HELP = (
    "Check a TOSCA template and/or an instance file as ONAP's ACM runtime and the KServe "
    "participant would.\n\n"
    "Lists every problem with its file, line, path and a fix. Errors are what ONAP's runtime "
    "refuses and what the participant would fail on; warnings are workable but questionable. "
    "Exits 1 on any error."
)


def validate(
    tosca: ToscaOption = None,
    instance: InstanceOption = None,
    composition_id: CompositionIdOption = None,
) -> None:
    """Check files as ONAP's ACM runtime and the KServe participant would."""
    if tosca is None and instance is None:
        raise typer.BadParameter("give --tosca, --instance or both")
    console = Console(highlight=False)
    report = validate_files(tosca=tosca, instance=instance, composition_id=_uuid(composition_id))
    print_problems(console, report.problems)
    checked = ", ".join(str(p) for p in (tosca, instance) if p is not None)
    verdict = summary_line(report.problems)
    style = "bold red" if report.errors else "bold green"
    console.print(f"[{style}]{checked}: {verdict}[/]", soft_wrap=True)
    if report.errors:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Adds the `validate` command to the CLI."""
    app.command("validate", help=VALIDATE_HELP)(validate)
