"""The `kserve-participant` command: parses arguments and hands over; no logic lives here."""

from __future__ import annotations

import typer

from kserve_participant import __version__
from kserve_participant.cli import demo, dev, run, sim, validate

app = typer.Typer(
    name="kserve-participant",
    help="ONAP ACM KServe participant: deploys KServe InferenceServices for ACM instances.",
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


app.add_typer(dev.app, name="dev")
app.add_typer(sim.app, name="sim")
run.register(app)
validate.register(app)
demo.register(app)


def main() -> None:
    app()
