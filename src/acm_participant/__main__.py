"""``python -m acm_participant run module:Handler``: a participant from a handler and options.

Every option also reads an environment variable (``ACM_PARTICIPANT_ID``, ``ACM_ELEMENT_TYPES``,
``KAFKA_BOOTSTRAP_SERVERS``, ...), so a container needs no wrapper script.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Annotated
from uuid import UUID

import typer

from acm_participant.handler import ElementHandler
from acm_participant.runner import run as run_participant
from acm_participant.settings import ParticipantSettings, SupportedElementType

app = typer.Typer(add_completion=False, no_args_is_help=True, help="ACM participant runner")


@app.callback()
def _root() -> None:
    """Commands of the acm_participant SDK."""


def load_handler(target: str) -> ElementHandler:
    """``package.module:Name`` where Name is an ElementHandler subclass or a factory of one."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise typer.BadParameter(f"expected module:Handler, got {target!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise typer.BadParameter(f"cannot load {target!r}: {exc}") from None
    handler = factory()
    if not isinstance(handler, ElementHandler):
        raise typer.BadParameter(f"{target!r} did not give an ElementHandler")
    return handler


def element_type(text: str) -> SupportedElementType:
    name, _, version = text.rpartition(":")
    if not name or not version:
        raise typer.BadParameter(f"expected TypeName:version, got {text!r}")
    return SupportedElementType(type_name=name, type_version=version)


@app.command()
def run(
    handler: Annotated[str, typer.Argument(help="module:Handler (class or factory)")],
    participant_id: Annotated[UUID, typer.Option(envvar="ACM_PARTICIPANT_ID")],
    element_types: Annotated[
        list[str],
        typer.Option(
            "--element-type",
            envvar="ACM_ELEMENT_TYPES",
            help="TypeName:version handled (repeat for several)",
        ),
    ],
    bootstrap: Annotated[
        str, typer.Option(envvar="KAFKA_BOOTSTRAP_SERVERS", help="host:port[,host:port]")
    ] = "localhost:9092",
    kafka_property: Annotated[
        list[str] | None,
        typer.Option(help="Java Kafka client property key=value (security.protocol, ...)"),
    ] = None,
    operation_topic: Annotated[
        str, typer.Option(envvar="ACM_OPERATION_TOPIC")
    ] = "policy-acruntime-participant",
    sync_topic: Annotated[str, typer.Option(envvar="ACM_SYNC_TOPIC")] = "acm-ppnt-sync",
    log_level: Annotated[str, typer.Option(envvar="ACM_LOG_LEVEL")] = "INFO",
) -> None:
    """Run HANDLER as a participant on Kafka until SIGTERM or SIGINT."""
    from acm_participant.transport.kafka_settings import KafkaSettings

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    sys.path.insert(0, "")  # module:Handler as given from the current directory
    properties = dict(item.partition("=")[::2] for item in kafka_property or [])
    settings = ParticipantSettings(
        participant_id=participant_id,
        supported_element_types=tuple(
            element_type(text) for item in element_types for text in item.split(",")
        ),
        operation_topic=operation_topic,
        sync_topic=sync_topic,
    )
    run_participant(
        load_handler(handler), settings, KafkaSettings.from_properties(bootstrap, properties)
    )


if __name__ == "__main__":
    app()
