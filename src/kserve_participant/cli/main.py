"""The `kserve-participant` command: parses arguments and hands over; no logic lives here.

Sub-commands are imported only when invoked: `dev up` or `--version` must not pay for the
simulator, the HTTP server and the Kubernetes client (about a second of imports on a busy host).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import typer
import typer.core
import typer.main

# typer (>= 0.29) vendors click: its own Command/Context/HelpFormatter types are the ones it checks.
from typer._click import Command, Context, HelpFormatter

from kserve_participant import __version__


@dataclass(frozen=True, slots=True)
class _Entry:
    module: str
    summary: str


_COMMANDS: dict[str, _Entry] = {
    "run": _Entry("kserve_participant.cli.run", "Run the participant until SIGTERM/SIGINT."),
    "validate": _Entry(
        "kserve_participant.cli.validate", "Check ONAP TOSCA and instance files offline."
    ),
    "sim": _Entry("kserve_participant.cli.sim", "Play ONAP's ACM runtime against a participant."),
    "dev": _Entry("kserve_participant.cli.dev", "Build, start and stop the local dev stack."),
    "demo": _Entry("kserve_participant.cli.demo", "Run the seed workflow end to end, locally."),
}


def _load(name: str) -> Command:
    module = importlib.import_module(_COMMANDS[name].module)
    sub_app = getattr(module, "app", None)
    if isinstance(sub_app, typer.Typer):
        group = typer.main.get_command(sub_app)
        group.name = name
        return group
    holder = typer.Typer()
    module.register(holder)
    return typer.main.get_command(holder)


class _LazyGroup(typer.core.TyperGroup):
    def list_commands(self, ctx: Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in _COMMANDS:
            return None
        return _load(cmd_name)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = [(name, entry.summary) for name, entry in _COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="kserve-participant",
    help="ONAP ACM KServe participant: deploys KServe InferenceServices for ACM instances.",
    cls=_LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"kserve-participant {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_print_version,
        is_eager=True,
    ),
) -> None:
    """ONAP ACM KServe participant."""


def main() -> None:
    app()
