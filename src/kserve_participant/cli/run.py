"""`kserve-participant run`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds the `run` command to the CLI (placeholder until implemented)."""
