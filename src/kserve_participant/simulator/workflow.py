"""The seed workflow as sequences of steps: the whole of it (``sim run``, the demo) or one step.

Checks come where ONAP's runtime makes them: the template at commissioning, the instance at
instantiation. What the runtime refuses stops the workflow there (REFUSED); what only the
participant would fail on is shown and sent anyway, so its FAILED ack can be seen. After a failed
deploy the instance is still undeployed, deleted and its composition deprimed, so that nothing is
left behind; the result stays failed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import UUID

from kserve_participant.simulator.console import SimConsole
from kserve_participant.simulator.lifecycle import Simulation
from kserve_participant.simulator.problems import Origin, Problem, Severity
from kserve_participant.simulator.state import StepRecord
from kserve_participant.simulator.tosca import InstanceSpec
from kserve_participant.simulator.validation import ValidationReport, validate_files

__all__ = ["check_instance", "check_template", "run_workflow"]


def _show(out: SimConsole, problems: list[Problem]) -> None:
    for problem in problems:
        if problem.severity is Severity.ERROR and problem.origin is Origin.RUNTIME:
            label = "refused"
        elif problem.severity is Severity.ERROR:
            label = "participant will fail"
        else:
            label = "warning"
        out.detail(f"{label}: {problem.location} {problem.path}: {problem.message}")
        out.detail(f"  fix: {problem.fix}")


def check_template(out: SimConsole, tosca: Path) -> tuple[ValidationReport, StepRecord]:
    """Commissioning: the template checked as ACM-R checks ``POST /compositions``."""
    out.step("commission", f"checking {tosca} as ONAP's runtime does")
    report = validate_files(tosca=tosca)
    _show(out, report.problems)
    refused = report.runtime_errors
    if refused or report.template is None:
        detail = f"ONAP's runtime answers 400: {len(refused)} problem(s), see above"
        return report, StepRecord("commission", "REFUSED", 0.0, detail)
    return report, StepRecord("commission", "NO_ERROR", 0.0, "composition COMMISSIONED")


def check_instance(
    out: SimConsole, tosca: Path, instance: Path, composition_id: UUID
) -> tuple[ValidationReport, StepRecord | None]:
    """Instantiation: the instance checked as ACM-R checks ``POST .../instances``; a refusal or
    None."""
    out.step("instantiate", f"checking {instance} as ONAP's runtime does")
    report = validate_files(tosca=tosca, instance=instance, composition_id=composition_id)
    own = [p for p in report.problems if p.file == str(instance)]
    _show(out, own)
    refused = [p for p in own if p.severity is Severity.ERROR and p.origin is Origin.RUNTIME]
    if refused or report.instance is None:
        detail = f"ONAP's runtime answers 400: {len(refused)} problem(s), see above"
        return report, StepRecord("instantiate", "REFUSED", 0.0, detail)
    return report, None


async def run_workflow(
    sim: Simulation,
    *,
    tosca: Path,
    instance: Path,
    update: InstanceSpec | None = None,
    hold: Callable[[], Awaitable[None]] | None = None,
) -> bool:
    """Participant, prime, instantiate, deploy, [update], undeploy, delete, deprime.

    ``sim`` holds the commissioned template (checked by the caller) and the parsed instance,
    which is checked here, after priming, as the runtime does. Returns True when every step
    ended NO_ERROR. ``hold``, when given, is awaited while the instance is deployed (the demo's
    ``--hold``: time to look at the InferenceServices before they are undeployed).
    """
    for step in (sim.connect, sim.prime):
        if not (await step()).ok:
            return False
    report, refusal = check_instance(sim.out, tosca, instance, sim.state.composition_id)
    if refusal is not None or report.instance is None:
        sim.record(refusal or StepRecord("instantiate", "REFUSED", 0.0, "unreadable"))
        await sim.deprime()
        return False
    sim.instantiate(report.instance)
    ok = (await sim.deploy()).ok
    if ok and update is not None:
        ok = (await sim.update(update)).ok
    if ok and hold is not None:
        await hold()
    for teardown in (sim.undeploy, sim.delete):
        ok = (await teardown()).ok and ok
    ok = sim.check_nothing_left().ok and ok
    return (await sim.deprime()).ok and ok
