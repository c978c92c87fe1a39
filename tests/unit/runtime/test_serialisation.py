"""Two operations on one element never overlap: a superseded one finishes its clean-up before its
successor starts, and a result the handler produced is acked even if a cancellation lands."""

from __future__ import annotations

import asyncio

from acm_participant import ElementContext, ElementOutcome
from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    DeployOrder,
)
from acm_participant.testing import participant_under_test

from .builders import RecordingHandler, World, deploy_started, make_settings


class SlowCleanup(RecordingHandler):
    """deploy blocks; when cancelled it cleans up until ``cleanup_release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.cleanup_release = asyncio.Event()
        self.events: list[str] = []

    async def deploy(self, element: ElementContext) -> ElementOutcome | None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.events.append("deploy clean-up started")
            await self.cleanup_release.wait()
            self.events.append("deploy clean-up done")
            raise
        return None

    async def undeploy(self, element: ElementContext) -> ElementOutcome | None:
        self.events.append("undeploy")
        return None


async def test_undeploy_starts_only_after_the_superseded_deploy_cleaned_up():
    handler = SlowCleanup()
    async with participant_under_test(handler, make_settings()) as (_runtime, peer):
        world = World()
        await deploy_started(peer, handler, world)
        await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
        assert await peer.probe() == []  # the UNDEPLOY was handled, and nothing acked yet
        assert handler.events == ["deploy clean-up started"]
        handler.cleanup_release.set()
        undeployed = await peer.expect(AutomationCompositionDeployAck)
    (entry,) = undeployed.automation_composition_result_map.values()
    assert str(entry.deploy_state) == "UNDEPLOYED"
    assert handler.events == ["deploy clean-up started", "deploy clean-up done", "undeploy"]
