"""`kserve-participant dev` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="dev commands.", no_args_is_help=True)
