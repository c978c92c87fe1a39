"""Progress without cluster access: what the participant reports about its InferenceServices.

The KServe participant publishes each element's InferenceServices (state, reason, URL) as
outProperties in PARTICIPANT_STATUS messages; ACM-R stores them. Without a kubeconfig the
simulator shows each change of those reports while it waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from acm_participant.protocol import ParticipantStatus
from acm_participant.sim.driver import AcmRuntimeDriver, MessageTimeout
from kserve_participant.simulator.console import SimConsole

__all__ = ["StatusFollower", "reported_services"]

Key = tuple[str, str]


def reported_services(out_properties: Mapping[str, Any]) -> list[tuple[Key, str]]:
    """``(namespace, name)`` and a short text per InferenceService in an element's outProperties."""
    services = out_properties.get("inferenceServices")
    found: list[tuple[Key, str]] = []
    for service in services if isinstance(services, list) else []:
        if isinstance(service, Mapping) and service.get("name") and service.get("namespace"):
            state = str(service.get("state") or ("Ready" if service.get("ready") else "?"))
            reason = service.get("reason")
            text = f"{state} ({reason})" if reason else state
            found.append(((str(service["namespace"]), str(service["name"])), text))
    return found


class StatusFollower:
    """Prints each change of the reported InferenceServices until stopped."""

    def __init__(self, driver: AcmRuntimeDriver, out: SimConsole) -> None:
        self._driver = driver
        self._out = out
        self._shown: dict[Key, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._position = driver.mark()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._follow(), name="sim-status")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def catch_up(self) -> None:
        """Show what arrived since the last look (before an ack is shown, so reports come first)."""
        received = self._driver.received
        for message in received[self._position :]:
            if isinstance(message, ParticipantStatus):
                for info in message.automation_composition_info_list:
                    for element in info.elements:
                        self._show(reported_services(element.out_properties))
        self._position = len(received)

    async def _follow(self) -> None:
        while True:
            try:
                await self._driver.wait_for(
                    lambda m: (
                        isinstance(m, ParticipantStatus)
                        and bool(m.automation_composition_info_list)
                    ),
                    timeout=3600,
                    since=self._position,
                )
            except MessageTimeout:
                continue
            self.catch_up()

    def _show(self, services: list[tuple[Key, str]]) -> None:
        for (namespace, name), text in services:
            if self._shown.get((namespace, name)) != text:
                self._shown[(namespace, name)] = text
                self._out.detail(f"participant reports InferenceService {namespace}/{name}: {text}")
