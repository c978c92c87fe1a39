"""`kserve-participant run`: load the configuration, set up logging, run until a signal.

Exit codes: 0 after a graceful shutdown, 2 for a configuration error (printed as one line
naming the key, before anything touches the broker), 3 when the broker refuses the credentials
or the TLS handshake, 4 when shutdown overran its deadline, 5 when no broker answered within
``kserveParticipant.brokerStartDeadline`` (only when set: by default an unreachable broker is
waited for).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer

from kserve_participant.config import ConfigError, load_settings

EXIT_CONFIG = 2
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="KSERVE_PARTICIPANT_CONFIG",
        help="application.yaml in the Java participant's format (default: built-in defaults).",
        dir_okay=False,
    ),
]
LevelOption = Annotated[
    str | None,
    typer.Option("--log-level", help="DEBUG, INFO, WARNING or ERROR (default: config/LOG_LEVEL)."),
]
FormatOption = Annotated[
    str | None, typer.Option("--log-format", help="kv or json (default: config/LOG_FORMAT).")
]


def _run(config: Path | None, log_level: str | None, log_format: str | None) -> int:
    # Imported here so that `--help` and the other commands stay fast.
    from kserve_participant.app import prepare, run
    from kserve_participant.logs import configure_logging

    try:
        settings = load_settings(config, dict(os.environ))
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        return EXIT_CONFIG
    logging_settings = settings.kserve_participant.logging
    redaction = configure_logging(
        level=(log_level or logging_settings.level).upper(),
        log_format="json" if (log_format or logging_settings.format) == "json" else "kv",
    )
    try:
        components = prepare(settings, add_secrets=redaction.add_secrets)
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        return EXIT_CONFIG
    return asyncio.run(run(components))


def register(app: typer.Typer) -> None:
    """Adds the `run` command to the CLI."""

    @app.command("run")
    def run_command(
        config: ConfigOption = None,
        log_level: LevelOption = None,
        log_format: FormatOption = None,
    ) -> None:
        """Run the participant in the foreground until SIGTERM/SIGINT."""
        if log_level is not None and log_level.upper() not in LOG_LEVELS:
            typer.echo(
                f"--log-level: must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}", err=True
            )
            raise typer.Exit(EXIT_CONFIG)
        if log_format is not None and log_format not in ("kv", "json"):
            typer.echo(f"--log-format: must be kv or json, got {log_format!r}", err=True)
            raise typer.Exit(EXIT_CONFIG)
        raise typer.Exit(_run(config, log_level, log_format))
