"""The options every `sim` command that talks to the participant shares, declared once.

:func:`session_command` gives a command function these options on top of its own, and hands them
to it as one :class:`SessionOptions`: the commands cannot drift apart (each used to repeat them).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from kserve_participant.cli.run import ConfigOption, LevelOption
from kserve_participant.cli.sim_session import Connection
from kserve_participant.simulator.lifecycle import SimOptions
from kserve_participant.simulator.state import DEFAULT_STATE_FILE

__all__ = ["KubeconfigOption", "SessionOptions", "StateOption", "session_command"]

KafkaOption = Annotated[
    str | None,
    typer.Option("--kafka", help="Kafka bootstrap host:port (PLAINTEXT); default: from --config."),
]
DmaapOption = Annotated[
    str | None,
    typer.Option("--dmaap", help="DMaaP Message Router URL, instead of Kafka."),
]
KubeconfigOption = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        envvar="KUBECONFIG",
        help="Show the InferenceServices' progress from this cluster.",
        dir_okay=False,
    ),
]
StateOption = Annotated[
    Path, typer.Option("--state", help="Where step commands keep the runtime's view.")
]
WaitOption = Annotated[
    float,
    typer.Option(
        "--max-operation-wait",
        help="Seconds ACM-R waits for an operation (maxOperationWaitMs); per-element "
        "deployTimeoutMs etc. win.",
    ),
]
ParticipantWaitOption = Annotated[
    float,
    typer.Option("--participant-wait", help="Seconds to wait for the participant to answer."),
]


@dataclass(frozen=True)
class SessionOptions:
    connection: Connection
    options: SimOptions
    state_file: Path
    log_level: str | None


def _shared(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


_SHARED = (
    _shared("config", ConfigOption, None),
    _shared("kafka", KafkaOption, None),
    _shared("dmaap", DmaapOption, None),
    _shared("kubeconfig", KubeconfigOption, None),
    _shared("log_level", LevelOption, None),
    _shared("state_file", StateOption, DEFAULT_STATE_FILE),
    _shared("max_operation_wait", WaitOption, 36.0),
    _shared("participant_wait", ParticipantWaitOption, 60.0),
)


def session_command(func: Callable[..., None]) -> Callable[..., None]:
    """``func(session, **own)`` as a typer command taking its own options plus the shared ones."""
    hints = typing.get_type_hints(func, include_extras=True)
    own = [
        parameter.replace(annotation=hints[parameter.name])
        for parameter in inspect.signature(func).parameters.values()
        if parameter.name != "session"
    ]

    def command(**given: Any) -> None:
        shared = {parameter.name: given.pop(parameter.name) for parameter in _SHARED}
        session = SessionOptions(
            connection=Connection(
                config=shared["config"],
                kafka=shared["kafka"],
                dmaap=shared["dmaap"],
                kubeconfig=shared["kubeconfig"],
            ),
            options=SimOptions(shared["max_operation_wait"], shared["participant_wait"]),
            state_file=shared["state_file"],
            log_level=shared["log_level"],
        )
        func(session, **given)

    parameters = [*own, *_SHARED]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__doc__ = func.__doc__
    command.__name__ = func.__name__
    return command
