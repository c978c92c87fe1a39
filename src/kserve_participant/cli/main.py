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

# typer (>= 0.29) vendors click: its own Command/Context/Parameter types are the ones it checks.
from typer._click import Command, Context, HelpFormatter, Parameter

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


def _without_flag_types(params: list[Parameter]) -> list[Parameter]:
    # typer's rich help prints a type after every option, "<bool>" for a flag that takes no
    # value; an empty metavar shows nothing there.
    for param in params:
        if isinstance(param, typer.core.TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    return params


class _Command(typer.core.TyperCommand):
    def get_params(self, ctx: Context) -> list[Parameter]:
        return _without_flag_types(super().get_params(ctx))


class _Group(typer.core.TyperGroup):
    def get_params(self, ctx: Context) -> list[Parameter]:
        return _without_flag_types(super().get_params(ctx))


def _use_own_classes(sub_app: typer.Typer) -> None:
    if sub_app.info.cls in (None, typer.core.TyperGroup) or isinstance(
        sub_app.info.cls, typer.models.DefaultPlaceholder
    ):
        sub_app.info.cls = _Group
    for command in sub_app.registered_commands:
        if command.cls in (None, typer.core.TyperCommand):
            command.cls = _Command
    for group in sub_app.registered_groups:
        if group.typer_instance is not None:
            _use_own_classes(group.typer_instance)


def _load(name: str) -> Command:
    module = importlib.import_module(_COMMANDS[name].module)
    sub_app = getattr(module, "app", None)
    if isinstance(sub_app, typer.Typer):
        _use_own_classes(sub_app)
        group = typer.main.get_command(sub_app)
        group.name = name
        return group
    holder = typer.Typer(add_completion=False)
    module.register(holder)
    _use_own_classes(holder)
    return typer.main.get_command(holder)


class _LazyGroup(_Group):
    """Imports a sub-command only when it runs; its help lists the summaries without importing."""

    _summaries_only = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        entry = _COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self._summaries_only:
            return _Command(name=cmd_name, callback=None, short_help=entry.summary)
        return _load(cmd_name)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._summaries_only = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._summaries_only = False


app = typer.Typer(
    name="kserve-participant",
    help="ONAP ACM KServe participant: deploys KServe InferenceServices for ACM instances.",
    cls=_LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
