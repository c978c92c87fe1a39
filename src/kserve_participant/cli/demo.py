"""`kserve-participant demo`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds the `demo` command to the CLI (placeholder until implemented)."""
