"""`kserve-participant validate`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds the `validate` command to the CLI (placeholder until implemented)."""
