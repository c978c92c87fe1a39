"""What the participant knows about its own health, as the HTTP endpoints report it.

Written by the metrics observer (broker connection, registration) and by the Kubernetes probe;
read by the HTTP handlers. Plain attributes: everything runs on one event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Component", "HealthState"]

Status = Literal["UP", "DOWN"]


@dataclass(frozen=True, slots=True)
class Component:
    status: Status
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status}
        if self.details:
            body["details"] = self.details
        return body


def _up(flag: bool) -> Status:
    return "UP" if flag else "DOWN"


@dataclass
class HealthState:
    broker_connected: bool = False
    broker_failure: str | None = None
    """Why the last attempt to reach the broker at start failed, until it is reached."""
    registered: bool = False
    kubernetes_reachable: bool = False
    crd_present: bool = False
    kubernetes_detail: str = "not checked yet"
    shutting_down: bool = False

    def components(self) -> dict[str, Component]:
        return {
            "broker": Component(
                _up(self.broker_connected),
                {"detail": self.broker_failure} if self.broker_failure else {},
            ),
            "registration": Component(_up(self.registered)),
            "kubernetes": Component(
                _up(self.kubernetes_reachable), {"detail": self.kubernetes_detail}
            ),
            "inferenceServiceCrd": Component(_up(self.crd_present)),
        }

    @property
    def healthy(self) -> bool:
        return all(component.status == "UP" for component in self.components().values())

    @property
    def ready(self) -> bool:
        """Registered and the API server answers: the participant can take operations."""
        return not self.unready_reasons()

    def unready_reasons(self) -> list[str]:
        """Why the participant cannot take operations, in fixed words (the readiness endpoint
        is open to anyone: no address, no error text); empty when it can."""
        if self.shutting_down:
            return ["shutting down"]
        reasons: list[str] = []
        if not self.registered:
            if self.broker_failure is not None:
                reasons.append("Kafka broker unreachable")
            elif not self.broker_connected:
                reasons.append("connecting to the broker")
            else:
                reasons.append("waiting for the ACM runtime to acknowledge REGISTER")
        if not self.kubernetes_reachable:
            reasons.append("Kubernetes API server unreachable")
        return reasons
