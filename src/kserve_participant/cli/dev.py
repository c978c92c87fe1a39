"""`kserve-participant dev` commands: build, start, inspect and stop the local dev stack."""

from __future__ import annotations

import time

import typer

from kserve_participant.devstack.build import BuildError, build_all
from kserve_participant.devstack.cache import Cache, ToolsDir
from kserve_participant.devstack.helm import build_helm, differences, write_manifests
from kserve_participant.devstack.info import StackInfo
from kserve_participant.devstack.processes import DaemonDied
from kserve_participant.devstack.seed import ensure_seed
from kserve_participant.devstack.session import DevSession, find_repo_root
from kserve_participant.devstack.stack import ArtefactsMissing
from kserve_participant.devstack.strimzi import build_kafkauser_crd

app = typer.Typer(
    help="Local dev stack: Kafka, Kubernetes (apiserver, etcd, controllers, KWOK) and KServe.",
    no_args_is_help=True,
    add_completion=False,
)


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _session() -> DevSession:
    return DevSession(find_repo_root())


def _print_details(session: DevSession, info: StackInfo) -> None:
    typer.echo(f"Kafka (PLAINTEXT)        {info.kafka_bootstrap}")
    typer.echo(f"Kafka (SASL_PLAINTEXT)   {info.kafka_sasl_bootstrap} user {info.scram_username}")
    if info.kafka_sasl_ssl_bootstrap:
        typer.echo(f"Kafka (SASL_SSL)         {info.kafka_sasl_ssl_bootstrap} same user")
    if info.kafka_gssapi_bootstrap:
        typer.echo(
            f"Kafka (GSSAPI)           {info.kafka_gssapi_bootstrap} principal "
            f"{info.kerberos_principal} keytab {info.kerberos_keytab} "
            f"KRB5_CONFIG={info.krb5_config}"
        )
    typer.echo(f"kube-apiserver           {info.api_server}")
    typer.echo(f"KUBECONFIG               {info.kubeconfig}")
    typer.echo(f"logs and data            {info.run_dir}")
    typer.echo(f"environment (secrets)    {session.env_file}")


@app.command()
def build() -> None:
    """Build (or reuse from the user's cache) the stack's artefacts, the etcd seed, helm and
    Strimzi's KafkaUser CRD (for the chart tests)."""
    try:
        build_all(Cache.default(), ToolsDir.locate(), say=_say)
        build_helm(Cache.default(), say=_say)
        build_kafkauser_crd(Cache.default(), ToolsDir.locate(), say=_say)
        ensure_seed(Cache.default(), say=_say)
    except (BuildError, DaemonDied, FileNotFoundError) as error:
        _say(str(error))
        raise typer.Exit(1) from error


@app.command()
def up() -> None:
    """Start the whole stack detached, with KServe's controller; writes .dev/env."""
    session = _session()
    info = session.info()
    if session.is_up() and info is not None:
        typer.echo("the dev stack is already up")
        _print_details(session, info)
        return
    started = time.monotonic()
    try:
        build_all(Cache.default(), ToolsDir.locate(), say=_say)
        info = session.up(say=_say)
    except (BuildError, ArtefactsMissing, DaemonDied, FileNotFoundError) as error:
        _say(f"dev up failed: {error}")
        raise typer.Exit(1) from error
    typer.echo(f"the dev stack is up ({time.monotonic() - started:.1f} s)")
    _print_details(session, info)


@app.command()
def down() -> None:
    """Stop the stack started by `dev up` (nothing to do when it is down)."""
    stopped = _session().down()
    typer.echo(f"stopped: {', '.join(stopped)}" if stopped else "the dev stack is not running")


@app.command()
def status() -> None:
    """Show which processes of the stack run, and where to reach them."""
    session = _session()
    running = session.running()
    for name, pid in running.items():
        typer.echo(f"{name:<16} {'running, pid ' + str(pid) if pid else 'stopped'}")
    info = session.info()
    if info is not None and any(running.values()):
        _print_details(session, info)
    if not session.is_up():
        raise typer.Exit(3)


@app.command()
def manifests(
    check: bool = typer.Option(False, "--check", help="Only compare; exit 1 when a file differs."),
) -> None:
    """Render deploy/kubernetes/ from the Helm chart in deploy/helm/ (their one source)."""
    deploy = find_repo_root() / "deploy"
    try:
        helm = build_helm(Cache.default(), say=_say)
        if check:
            stale = differences(helm, deploy)
            for variant, names in stale.items():
                _say(f"deploy/kubernetes/{variant}: {', '.join(names)} differ from the chart")
            if stale:
                _say("run `make manifests` and commit the result")
                raise typer.Exit(1)
            return
        for path in write_manifests(helm, deploy):
            typer.echo(f"wrote {path.relative_to(deploy.parent)}")
    except (BuildError, FileNotFoundError) as error:
        _say(str(error))
        raise typer.Exit(1) from error
