"""`kserve-participant sim ...`: plays ONAP's ACM runtime against a running participant.

Exit codes: 0 when every step ended NO_ERROR; 1 on a FAILED ack, a timeout or a refusal; 2 for a
usage or state-file problem; 130 on Ctrl-C (after stopping what the command started).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from uuid import uuid4

import typer

from acm_participant.errors import TransportError
from kserve_participant.cli.run import LevelOption
from kserve_participant.cli.sim_options import (
    KubeconfigOption,
    SessionOptions,
    StateOption,
    session_command,
)
from kserve_participant.cli.sim_session import Connection, simulator_session
from kserve_participant.config import ConfigError
from kserve_participant.simulator.cluster_view import ClusterView
from kserve_participant.simulator.console import SimConsole
from kserve_participant.simulator.lifecycle import SimOptions, Simulation, StepRefused
from kserve_participant.simulator.plan import planned_services
from kserve_participant.simulator.state import (
    DEFAULT_STATE_FILE,
    SimState,
    StateFileError,
    StepRecord,
)
from kserve_participant.simulator.tosca import InstanceSpec, ServiceTemplate
from kserve_participant.simulator.validation import validate_files
from kserve_participant.simulator.workflow import check_instance, check_template, run_workflow

__all__ = ["app"]

app = typer.Typer(
    help=(
        "Play ONAP's ACM runtime: commission, prime, instantiate, deploy, update, undeploy, "
        "delete and deprime an ONAP TOSCA composition against a running participant."
    ),
    no_args_is_help=True,
    add_completion=False,
)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

ToscaArg = Annotated[
    Path, typer.Option("--tosca", help="ONAP TOSCA service template.", dir_okay=False)
]
InstanceArg = Annotated[
    Path,
    typer.Option(
        "--instance", help="Instance file in the shape of ONAP's REST API.", dir_okay=False
    ),
]
UpdateOption = Annotated[
    Path | None,
    typer.Option("--update", help="Instance file with new element properties.", dir_okay=False),
]


def _execute(work: Callable[[], Coroutine[Any, Any, int]], log_level: str | None) -> None:
    from kserve_participant.logs import configure_logging

    configure_logging(level=(log_level or "WARNING").upper())
    try:
        code = asyncio.run(work())
    except KeyboardInterrupt:
        typer.echo("interrupted: stopped", err=True)
        code = EXIT_INTERRUPTED
    except (StateFileError, StepRefused, ConfigError) as exc:
        typer.echo(str(exc), err=True)
        code = EXIT_USAGE
    except TransportError as exc:
        typer.echo(f"cannot talk to the broker: {exc}", err=True)
        code = EXIT_FAILED
    raise typer.Exit(code)


def _finish(out: SimConsole, state: SimState, path: Path | None, ok: bool) -> int:
    out.summary(state.steps)
    if path is not None:
        state.save(path)
    return 0 if ok else EXIT_FAILED


def _commission(
    out: SimConsole, tosca: Path, instance: Path
) -> tuple[SimState, ServiceTemplate | None]:
    """A new state file's content with the template commissioned; no template when refused."""
    state = SimState(tosca=str(tosca), instance=str(instance), composition_id=uuid4())
    report, commissioned = check_template(out, tosca)
    out.finished(commissioned)
    state.record(commissioned)
    return state, report.template if commissioned.ok else None


@asynccontextmanager
async def _simulation(
    connection: Connection,
    out: SimConsole,
    state: SimState,
    template: ServiceTemplate,
    instance: InstanceSpec | None,
    options: SimOptions,
) -> AsyncIterator[Simulation]:
    """A simulation on a started session, stopped before the session is."""
    async with simulator_session(connection, out, wait_s=options.max_operation_wait_s) as (
        driver,
        cluster,
    ):
        sim = Simulation(
            driver,
            out,
            state=state,
            template=template,
            instance=instance,
            options=options,
            cluster=cluster,
        )
        try:
            yield sim
        finally:
            await sim.stop()


@app.command("run")
@session_command
def run_command(
    session: SessionOptions, tosca: ToscaArg, instance: InstanceArg, update: UpdateOption = None
) -> None:
    """Run the whole workflow: commission ... deprime; a summary table at the end."""
    connection, options, state_file = session.connection, session.options, session.state_file

    async def work() -> int:
        out = SimConsole()
        state, template = _commission(out, tosca, instance)
        if template is None:
            return _finish(out, state, state_file, False)
        updated = None
        if update is not None:
            update_report = validate_files(tosca=tosca, instance=update)
            if update_report.instance is None or update_report.runtime_errors:
                typer.echo(f"--update {update}: not a valid instance file", err=True)
                return EXIT_USAGE
            updated = update_report.instance
        async with _simulation(connection, out, state, template, None, options) as sim:
            ok = await run_workflow(sim, tosca=tosca, instance=instance, update=updated)
        return _finish(out, state, state_file, ok)

    _execute(work, session.log_level)


@app.command("prime")
@session_command
def prime_command(session: SessionOptions, tosca: ToscaArg, instance: InstanceArg) -> None:
    """Commission the template and prime it on the participant; starts a new state file."""

    async def work() -> int:
        out = SimConsole()
        state, template = _commission(out, tosca, instance)
        ok = template is not None
        if template is not None:
            async with _simulation(
                session.connection, out, state, template, None, session.options
            ) as sim:
                ok = (await sim.connect()).ok and (await sim.prime()).ok
        return _finish(out, state, session.state_file, ok)

    _execute(work, session.log_level)


Step = Callable[[Simulation], Awaitable[bool]]


async def _on_saved_state(session: SessionOptions, step: Step) -> int:
    """Load the state, rebuild the runtime's view, find the participant, run ``step``, save."""
    out = SimConsole()
    state_file, connection, options = session.state_file, session.connection, session.options
    state = SimState.load(state_file)
    report = validate_files(tosca=Path(state.tosca), instance=Path(state.instance))
    if report.template is None:
        raise StateFileError(f"{state.tosca} cannot be read any more: start over with `sim prime`")
    async with _simulation(
        connection, out, state, report.template, report.instance, options
    ) as sim:
        sim.restore()
        ok = (await sim.connect()).ok and await step(sim)
    return _finish(out, state, state_file, ok)


def _step_command(name: str, help_text: str, step: Step) -> None:
    def command(session: SessionOptions) -> None:
        _execute(lambda: _on_saved_state(session, step), session.log_level)

    app.command(name, help=help_text)(session_command(command))


async def _deploy(sim: Simulation) -> bool:
    if sim.state.composition_state != "PRIMED":
        sim.out.print("the composition is not primed: run `sim prime` first")
        return False
    if sim.state.instance_id is None or sim.state.deploy_state in (None, "DELETED"):
        report, refusal = check_instance(
            sim.out, Path(sim.state.tosca), Path(sim.state.instance), sim.state.composition_id
        )
        if refusal is not None or report.instance is None:
            sim.record(refusal or StepRecord("instantiate", "REFUSED", 0.0, "unreadable"))
            return False
        sim.instantiate(report.instance)
    return (await sim.deploy()).ok


async def _undeploy(sim: Simulation) -> bool:
    return (await sim.undeploy()).ok


async def _delete(sim: Simulation) -> bool:
    return (await sim.delete()).ok and sim.check_nothing_left().ok


async def _deprime(sim: Simulation) -> bool:
    return (await sim.deprime()).ok


_step_command(
    "deploy",
    "Create the instance (checked as ONAP's runtime does) if needed; deploy it phase by phase.",
    _deploy,
)
_step_command("undeploy", "Undeploy the instance, highest start phase first.", _undeploy)
_step_command("delete", "Delete the (undeployed) instance.", _delete)
_step_command("deprime", "Deprime the composition.", _deprime)


@app.command("update")
@session_command
def update_command(
    session: SessionOptions,
    update: Annotated[
        Path,
        typer.Option("--update", help="Instance file with new element properties.", dir_okay=False),
    ],
) -> None:
    """Send new element properties to the deployed instance (PROPERTIES_UPDATE)."""

    async def step(sim: Simulation) -> bool:
        report = validate_files(tosca=Path(sim.state.tosca), instance=update)
        if report.instance is None or report.runtime_errors:
            sim.out.print(f"{update}: not a valid instance file (see `validate`)")
            return False
        return (await sim.update(report.instance)).ok

    _execute(lambda: _on_saved_state(session, step), session.log_level)


@app.command("status")
def status_command(
    kubeconfig: KubeconfigOption = None,
    log_level: LevelOption = None,
    state_file: StateOption = DEFAULT_STATE_FILE,
) -> None:
    """Show the runtime's view kept in the state file (with --kubeconfig, the services too)."""

    async def work() -> int:
        out = SimConsole()
        state = SimState.load(state_file)
        out.print(f"composition {state.composition_id}: {state.composition_state}")
        out.print(
            f"instance {state.instance_id or '-'}: {state.deploy_state or 'not instantiated'}"
        )
        out.print(f"participant {state.participant_id or '-'}")
        out.summary(state.steps)
        if kubeconfig is not None:
            report = validate_files(tosca=Path(state.tosca), instance=Path(state.instance))
            if report.template is not None and report.instance is not None:
                keys = [s.key for s in planned_services(report.template, report.instance)]
                view = ClusterView(kubeconfig, lambda _: None)
                try:
                    await view.follow(keys)
                    for namespace, name in keys:
                        out.service(view.current(namespace, name))
                finally:
                    await view.close()
        return 0

    _execute(work, log_level)
