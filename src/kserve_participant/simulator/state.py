"""What the simulator remembers between two step commands (``sim prime``, ``sim deploy``, ...).

ONAP's runtime keeps compositions and instances in its database; the simulator keeps the few ids
and states it needs in a small JSON file (``--state``, default ``.dev/sim-state.json``), written
atomically after every step so that an interrupted command never leaves half a file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

__all__ = ["DEFAULT_STATE_FILE", "SimState", "StateFileError", "StepRecord"]

DEFAULT_STATE_FILE = Path(".dev/sim-state.json")


UUID_FIELDS = (
    "composition_id",
    "instance_id",
    "participant_id",
    "composition_revision",
    "instance_revision",
)


class StateFileError(Exception):
    """The state file is missing or unreadable; the message says which command starts over."""


@dataclass(frozen=True)
class StepRecord:
    """One finished step: its name, ACM result (NO_ERROR, FAILED, TIMEOUT, REFUSED), time, why."""

    step: str
    result: str
    seconds: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.result == "NO_ERROR"


@dataclass
class SimState:
    tosca: str
    instance: str
    composition_id: UUID
    composition_state: str = "COMMISSIONED"
    instance_id: UUID | None = None
    deploy_state: str | None = None
    participant_id: UUID | None = None
    composition_revision: UUID | None = None
    instance_revision: UUID | None = None
    element_states: dict[str, str] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)

    def record(self, step: StepRecord) -> None:
        self.steps.append(step)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in UUID_FIELDS:
            if data[key] is not None:
                data[key] = str(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SimState:
        def uuid(key: str) -> UUID | None:
            value = data.get(key)
            return UUID(value) if value else None

        composition_id = uuid("composition_id")
        if composition_id is None:
            raise ValueError("composition_id is missing")
        return cls(
            tosca=str(data["tosca"]),
            instance=str(data["instance"]),
            composition_id=composition_id,
            composition_state=str(data.get("composition_state", "COMMISSIONED")),
            instance_id=uuid("instance_id"),
            deploy_state=data.get("deploy_state"),
            participant_id=uuid("participant_id"),
            composition_revision=uuid("composition_revision"),
            instance_revision=uuid("instance_revision"),
            element_states={str(k): str(v) for k, v in data.get("element_states", {}).items()},
            steps=[StepRecord(**step) for step in data.get("steps", [])],
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> SimState:
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise StateFileError(
                f"{path} does not exist: start with `kserve-participant sim prime --tosca ... "
                "--instance ...`"
            ) from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StateFileError(
                f"{path} is not a simulator state file ({exc}): delete it and start with "
                "`kserve-participant sim prime`"
            ) from exc
