"""`kserve-participant demo` (``make demo``): the seed workflow end to end on the local stack.

It starts what the workflow needs (Kafka, etcd and kube-apiserver with KServe's CRD from the
build cache, KServe's own controller, the participant as ``kserve-participant run``),
creates the namespace of the example instance, plays ONAP's runtime over the corrected ONAP
sample in ``examples/onap-kserve/``, and stops everything it started, also on Ctrl-C. Given a
running stack (the integration test's), it uses that one and leaves it running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import typer
from lightkube import ApiError
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace
from rich.console import Console

from kserve_participant.cli.sim_session import Connection, simulator_session
from kserve_participant.devstack import Stack, StackInfo
from kserve_participant.devstack.build import build_all
from kserve_participant.devstack.cache import Cache, ToolsDir
from kserve_participant.devstack.processes import ManagedProcess, free_ports, log_tail, spawn
from kserve_participant.devstack.session import find_repo_root
from kserve_participant.logs import configure_logging
from kserve_participant.simulator.console import SimConsole
from kserve_participant.simulator.lifecycle import SimOptions, Simulation
from kserve_participant.simulator.plan import planned_services
from kserve_participant.simulator.state import SimState, StepRecord
from kserve_participant.simulator.validation import validate_files
from kserve_participant.simulator.workflow import check_template, run_workflow

__all__ = ["DemoResult", "register", "run_demo", "running_participant"]

EXAMPLES = Path("examples") / "onap-kserve"

INTRODUCTION = """\
[bold]What this shows[/]
ONAP's ACM runtime ("ACM-R") manages [italic]automation compositions[/]. A composition is written in
TOSCA: here one element, of type KserveAutomationCompositionElement, whose properties hold a KServe
InferenceService (a served ML model). ACM-R never touches Kubernetes: it sends orders over Kafka to
[italic]participants[/], and the KServe participant creates, watches and deletes the
InferenceServices.
Below, a simulator plays ACM-R with ONAP's own KServe sample (corrected, see
examples/onap-kserve/CORRECTIONS.md): it waits for the participant to register, primes the
composition (sends its definitions), creates an instance, deploys it (the participant creates the
InferenceService and acks once KServe says Ready), then undeploys it (it goes away), deletes the
instance and deprimes the composition. Every ack is shown; a summary closes the run.
"""


@dataclass
class DemoResult:
    steps: list[StepRecord] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps) and not self.left_behind


Say = Callable[[str], None]


def _example(name: str) -> Path:
    return find_repo_root() / EXAMPLES / name


@contextmanager
def _own_stack(run_dir: Path, say: Say) -> Iterator[Stack]:
    say("building or reusing Kafka, Kubernetes, KWOK and KServe from the cache...")
    build_all(Cache.default(), ToolsDir.locate(), say=say)
    say(
        "starting Kafka, etcd, kube-apiserver, kube-controller-manager, kube-scheduler, "
        "KWOK (one fake node) and KServe's own controller..."
    )
    stack = Stack(run_dir / "stack", say=say)
    try:
        stack.start()
        yield stack
    finally:
        say("stopping the stack")
        stack.stop()


def _create_namespaces(stack: Stack, namespaces: set[str], say: Say) -> None:
    with stack.admin_client() as client:
        for namespace in sorted(namespaces):
            try:
                client.create(Namespace(metadata=ObjectMeta(name=namespace)))
                say(
                    f"namespace {namespace} created (ONAP expects it to exist; the checks "
                    "remind of it)"
                )
            except ApiError as exc:
                if exc.status.code != 409:
                    raise
                say(f"namespace {namespace} exists")


@contextmanager
def running_participant(info: StackInfo, run_dir: Path, say: Say) -> Iterator[ManagedProcess]:
    """``kserve-participant run`` against the stack, stopped on exit (also used by tests)."""
    directory = run_dir / f"participant-{uuid4().hex[:8]}"
    directory.mkdir(parents=True)
    config = directory / "application.yaml"
    # A free HTTP port, so the demo never collides with another participant on this machine.
    config.write_text(f"server:\n  port: {free_ports(1)[0]}\n")
    env = {
        **os.environ,
        "KAFKA_SERVER": info.kafka_bootstrap,
        "KUBECONFIG": str(info.kubeconfig),
        "LOG_LEVEL": "INFO",
    }
    argv = [
        sys.executable,
        "-c",
        "from kserve_participant.cli.main import main; main()",
        "run",
        "--config",
        str(config),
    ]
    log = directory / "participant.log"
    process = spawn(
        "participant", argv, run_dir=directory, log_path=log, marker=str(config), env=env
    )
    say(f"participant started: kserve-participant run (pid {process.pid}, log {log})")
    try:
        yield process
    finally:
        if process.alive():
            process.stop()
            say("participant stopped")
        else:
            say(f"participant had exited; last lines of its log:\n{log_tail(log)}")


async def _wait_for_enter(out: SimConsole, info: StackInfo) -> None:
    """Pause with the InferenceServices deployed until Enter (at once when stdin is closed)."""
    out.print(
        f"[bold magenta]{'hold':<12}[/] the InferenceServices are deployed: look at them with "
        f"`KUBECONFIG={info.kubeconfig} kubectl get inferenceservices -A`; press Enter to "
        "undeploy (Ctrl-C stops everything)"
    )
    loop = asyncio.get_running_loop()
    entered = asyncio.Event()
    stdin = sys.stdin.fileno()
    # A reader callback, not a thread: a thread blocked in readline() would keep the process
    # alive after Ctrl-C.
    try:
        loop.add_reader(stdin, entered.set)
    except PermissionError:  # a regular file or /dev/null: nothing to wait for
        return
    try:
        await entered.wait()
    finally:
        loop.remove_reader(stdin)
    with contextlib.suppress(OSError):
        os.read(stdin, 4096)


async def _simulate(
    info: StackInfo, out: SimConsole, tosca: Path, instance: Path, *, hold: bool = False
) -> DemoResult:
    result = DemoResult()
    state = SimState(tosca=str(tosca), instance=str(instance), composition_id=uuid4())
    report, commissioned = check_template(out, tosca)
    out.finished(commissioned)
    state.record(commissioned)
    if not commissioned.ok or report.template is None:
        result.steps = state.steps
        return result
    connection = Connection(kafka=info.kafka_bootstrap, kubeconfig=info.kubeconfig)
    async with simulator_session(connection, out, wait_s=36.0) as (driver, cluster):
        sim = Simulation(
            driver,
            out,
            state=state,
            template=report.template,
            instance=None,
            options=SimOptions(),
            cluster=cluster,
        )
        try:
            await run_workflow(
                sim,
                tosca=tosca,
                instance=instance,
                hold=(lambda: _wait_for_enter(out, info)) if hold else None,
            )
        finally:
            await sim.stop()
        if cluster is not None:
            result.left_behind = [
                f"{s.namespace}/{s.name}"
                for s in sim.planned
                if cluster.current(s.namespace, s.name).exists
            ]
    result.steps = state.steps
    return result


def _quiet_logs() -> None:
    """Only the story on screen: the Kafka client's transient start-up errors (group coordinator
    not available yet) are retried by the client and say nothing to a demo's reader."""
    configure_logging(level="WARNING")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


def run_demo(
    console: Console | None = None,
    *,
    stack: Stack | None = None,
    tosca: Path | None = None,
    instance: Path | None = None,
    hold: bool = False,
) -> DemoResult:
    """Run the seed workflow; with ``stack`` on that running stack, else on one of its own.

    With ``hold`` it pauses after the deploy until Enter, so the InferenceServices can be seen.
    """
    out = SimConsole(console)
    _quiet_logs()
    tosca = tosca or _example("tosca-kserve-participant.yml")
    instance = instance or _example("automation-composition-kserve.yml")

    def say(message: str) -> None:
        out.print(f"[bold magenta]{'setup':<12}[/] {message}")

    out.print(INTRODUCTION)
    checked = validate_files(tosca=tosca, instance=instance)
    namespaces = (
        {s.namespace for s in planned_services(checked.template, checked.instance)}
        if checked.template is not None and checked.instance is not None
        else set()
    )
    with ExitStack() as started, tempfile.TemporaryDirectory(prefix="ksp-demo-") as scratch:
        run_dir = Path(scratch)
        running = stack or started.enter_context(_own_stack(run_dir, say))
        _create_namespaces(running, namespaces, say)
        started.enter_context(running_participant(running.info, run_dir, say))
        out.heading("The simulator plays ONAP's ACM runtime")
        result = asyncio.run(_simulate(running.info, out, tosca, instance, hold=hold))
        out.summary(result.steps)
    if result.ok:
        out.print(
            "[bold green]Demo finished: every step acked NO_ERROR, no InferenceService left.[/]"
        )
    else:
        left = f" Left behind: {', '.join(result.left_behind)}." if result.left_behind else ""
        out.print(f"[bold red]Demo failed: see the steps above.{left}[/]")
    return result


def register(app: typer.Typer) -> None:
    """Adds the `demo` command to the CLI."""

    @app.command("demo")
    def demo_command(
        hold: bool = typer.Option(
            False,
            "--hold",
            help="Pause after the deploy, with the InferenceServices Ready, until Enter.",
        ),
    ) -> None:
        """Run the seed workflow end to end on a local stack (what `make demo` runs)."""
        try:
            result = run_demo(hold=hold)
        except KeyboardInterrupt:
            typer.echo("interrupted: everything the demo started was stopped", err=True)
            raise typer.Exit(130) from None
        raise typer.Exit(0 if result.ok else 1)
