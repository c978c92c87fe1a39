"""How the simulator talks to a person: one line per event, in words someone new to ONAP follows.

Every step says what ONAP's runtime would do and what came back; while a step waits, each change of
an InferenceService is shown as it happens; at the end a table sums the steps up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kserve_participant.simulator.cluster_view import ServiceView
from kserve_participant.simulator.state import StepRecord

__all__ = ["SimConsole"]

_RESULT_STYLE = {"NO_ERROR": "green", "FAILED": "red", "TIMEOUT": "red", "REFUSED": "red"}


class SimConsole:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)

    def print(self, text: str) -> None:
        self.console.print(text, soft_wrap=True)

    def heading(self, text: str) -> None:
        self.print(f"\n[bold]{escape(text)}[/]")

    def step(self, name: str, what: str) -> None:
        self.print(f"[bold cyan]{name:<12}[/] {escape(what)}")

    def detail(self, text: str) -> None:
        self.print(f"{'':<13}{escape(text)}")

    def service(self, view: ServiceView) -> None:
        style = "green" if view.ready == "True" and not view.deleting else "yellow"
        if not view.exists:
            style = "dim"
        if view.ready == "False" and view.reason:
            style = "red"
        self.print(
            f"{'':<13}InferenceService {escape(view.namespace)}/{escape(view.name)}: "
            f"[{style}]{escape(view.summary)}[/]"
        )

    def finished(self, record: StepRecord) -> None:
        style = _RESULT_STYLE.get(record.result, "yellow")
        detail = f": {record.detail}" if record.detail else ""
        self.print(
            f"{'':<13}[{style}]{record.result}[/]{escape(detail)} [dim]({record.seconds:.1f} s)[/]"
        )

    def summary(self, steps: Sequence[StepRecord], services: Iterable[ServiceView] = ()) -> None:
        table = Table(title="Summary", title_justify="left", show_lines=False)
        table.add_column("step")
        table.add_column("result")
        table.add_column("time", justify="right")
        table.add_column("detail", overflow="fold")
        for record in steps:
            style = _RESULT_STYLE.get(record.result, "yellow")
            table.add_row(
                record.step,
                f"[{style}]{record.result}[/]",
                f"{record.seconds:.1f} s",
                escape(record.detail),
            )
        self.console.print(table)
        for view in services:
            self.service(view)
