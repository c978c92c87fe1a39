"""One entry point for checking a TOSCA template and/or an instance file, offline.

``validate`` (the CLI command) and the simulator (before commissioning and instantiating) both use
it, so what the command reports is exactly what the simulator refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from kserve_participant.simulator.commissioning import check_commissioning
from kserve_participant.simulator.element_checks import check_kserve_elements, check_namespaces
from kserve_participant.simulator.instantiation import check_instantiation
from kserve_participant.simulator.marked_yaml import YamlLoadError
from kserve_participant.simulator.problems import Origin, Problem, ProblemLog, Severity, errors
from kserve_participant.simulator.tosca import (
    InstanceSpec,
    ServiceTemplate,
    read_instance,
    read_service_template,
)

__all__ = ["ValidationReport", "validate_files"]


@dataclass(frozen=True)
class ValidationReport:
    template: ServiceTemplate | None
    instance: InstanceSpec | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return errors(self.problems)

    @property
    def runtime_errors(self) -> list[Problem]:
        """What ONAP's runtime itself would refuse (the simulator refuses exactly these)."""
        return errors(self.problems, origin=Origin.RUNTIME)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


def _unreadable(file: str, message: str, line: int | None, fix: str) -> Problem:
    return Problem(Severity.ERROR, Origin.RUNTIME, file, line, "", message, fix)


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(
            _unreadable(str(path), f"cannot read the file: {exc.strerror}", None, "check the path")
        )
    except UnicodeDecodeError:
        problems.append(
            _unreadable(str(path), "the file is not UTF-8 text", None, "save it as UTF-8")
        )
    return None


def validate_files(
    *,
    tosca: Path | None = None,
    instance: Path | None = None,
    composition_id: UUID | None = None,
) -> ValidationReport:
    """Reads and checks the given files; never raises for a bad file, it reports it."""
    problems: list[Problem] = []
    template: ServiceTemplate | None = None
    instance_spec: InstanceSpec | None = None
    template_log: ProblemLog | None = None
    instance_log: ProblemLog | None = None
    if tosca is not None and (text := _read_text(tosca, problems)) is not None:
        try:
            template = read_service_template(text, file=str(tosca))
        except YamlLoadError as exc:
            problems.append(_unreadable(str(tosca), str(exc), exc.line, "fix the YAML syntax"))
        else:
            template_log = ProblemLog(template.document)
            check_commissioning(template, template_log)
            check_kserve_elements(template, template_log)
    if instance is not None and (text := _read_text(instance, problems)) is not None:
        try:
            instance_spec = read_instance(text, file=str(instance), composition_id=composition_id)
        except YamlLoadError as exc:
            problems.append(_unreadable(str(instance), str(exc), exc.line, "fix the YAML syntax"))
        else:
            instance_log = ProblemLog(instance_spec.document)
            check_instantiation(
                instance_spec, template, instance_log, composition_id=composition_id
            )
    if template is not None or instance_spec is not None:
        check_namespaces(template, instance_spec, template_log, instance_log)
    for log in (template_log, instance_log):
        if log is not None:
            problems.extend(sorted(log.problems, key=lambda p: p.line or 0))
    return ValidationReport(template=template, instance=instance_spec, problems=problems)
