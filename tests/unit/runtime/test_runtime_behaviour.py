"""The runtime's own promises, through the in-memory broker: isolation, cancellation, hooks."""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest

from acm_participant.observe import Observer
from acm_participant.protocol import (
    AutomationCompositionDeployAck,
    DeployOrder,
    DeployState,
    ParticipantDeregister,
    ParticipantPrimeAck,
    ParticipantStatus,
    StateChangeResult,
)
from acm_participant.testing import participant_under_test

from .builders import Call, RecordingHandler, World, deploy_started, make_settings


class CrashingHandler(RecordingHandler):
    async def deploy(self, element):
        self.calls.append(Call("deploy", (element.composition, element.instance)))
        if len([c for c in self.calls if c.operation == "deploy"]) == 1:
            raise RuntimeError("disk on fire")
        return None


async def test_handler_exception_becomes_failed_ack_and_participant_keeps_serving(peer_and_runtime):
    _runtime, peer = await peer_and_runtime(CrashingHandler())
    world = World()
    await peer.send(world.prime())
    await peer.expect(ParticipantPrimeAck)
    await peer.send(world.deploy())
    failed = await peer.expect(AutomationCompositionDeployAck)
    assert failed.state_change_result is StateChangeResult.FAILED
    assert failed.message == "disk on fire"
    await peer.send(world.deploy())
    ok = await peer.expect(AutomationCompositionDeployAck)
    assert ok.state_change_result is StateChangeResult.NO_ERROR


class SlowFirstInstance(RecordingHandler):
    def __init__(self, slow_instance: UUID) -> None:
        super().__init__()
        self.slow_instance = slow_instance

    async def deploy(self, element):
        if element.instance_id == self.slow_instance:
            self.block = {"deploy"}
        else:
            self.block = set()
        return await super().deploy(element)


async def test_slow_element_does_not_delay_another_instance_when_deploying(peer_and_runtime):
    slow, fast = World(), World()
    handler = SlowFirstInstance(slow.instance_id)
    _runtime, peer = await peer_and_runtime(handler)
    fast.composition_id = slow.composition_id
    await peer.send(slow.prime())
    await peer.expect(ParticipantPrimeAck)
    await peer.send(slow.deploy())
    async with asyncio.timeout(5):
        await handler.started.wait()
    await peer.send(fast.deploy())
    ack = await peer.expect(AutomationCompositionDeployAck)
    assert ack.automation_composition_id == fast.instance_id
    handler.release.set()
    late = await peer.expect(AutomationCompositionDeployAck)
    assert late.automation_composition_id == slow.instance_id


async def test_new_operation_cancels_the_running_one_without_a_late_ack(peer_and_runtime):
    handler = RecordingHandler(block={"deploy"})
    _runtime, peer = await peer_and_runtime(handler)
    world = World()
    await deploy_started(peer, handler, world)
    await peer.send(world.state_change(deploy=DeployOrder.UNDEPLOY))
    ack = await peer.expect(AutomationCompositionDeployAck)
    (entry,) = ack.automation_composition_result_map.values()
    assert entry.deploy_state is DeployState.UNDEPLOYED
    assert handler.cancelled == ["deploy"]
    assert await peer.probe() == []


class ReportingHandler(RecordingHandler):
    async def deploy(self, element):
        assert self.reporter is not None
        await self.reporter.report_element_info(
            element.instance_id, element.element_id, out_properties={"ready": False}
        )
        return None


async def test_reporter_sends_element_info_and_later_state_when_handler_reports(peer_and_runtime):
    handler = ReportingHandler()
    _runtime, peer = await peer_and_runtime(handler)
    world = World()
    await peer.send(world.prime())
    await peer.expect(ParticipantPrimeAck)
    await peer.send(world.deploy())
    info = await peer.expect(ParticipantStatus, lambda s: bool(s.automation_composition_info_list))
    assert info.automation_composition_info_list[0].elements[0].out_properties == {"ready": False}
    await peer.expect(AutomationCompositionDeployAck)
    assert handler.reporter is not None
    await handler.reporter.report_element_state(
        world.instance_id,
        world.elements[0].element_id,
        deploy_state=DeployState.UNDEPLOYED,
        result=StateChangeResult.FAILED,
        message="model went away",
    )
    later = await peer.expect(AutomationCompositionDeployAck)
    (entry,) = later.automation_composition_result_map.values()
    assert (entry.deploy_state, later.message) == (DeployState.UNDEPLOYED, "model went away")


class CountingObserver(Observer):
    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def message_received(self, message_type: str) -> None:
        self.events.append(("received", message_type))

    def message_sent(self, message_type: str) -> None:
        self.events.append(("sent", message_type))

    def decode_failed(self, topic: str) -> None:
        self.events.append(("decode_failed", topic))

    def heartbeat_sent(self) -> None:
        self.events.append(("heartbeat",))

    def registration_changed(self, registered: bool) -> None:
        self.events.append(("registered", str(registered)))

    def operation_finished(self, operation: str, result: str, seconds: float) -> None:
        assert seconds >= 0
        self.events.append(("finished", operation, result))


async def test_observer_hooks_are_called_when_things_happen():
    from acm_participant.runtime import ParticipantRuntime
    from acm_participant.testing import RuntimePeer, memory_transports, runtime_group
    from acm_participant.transport.base import Subscription

    settings = make_settings()
    transports = memory_transports()
    peer = RuntimePeer(
        transports([Subscription(settings.operation_topic, runtime_group())]), settings
    )
    await peer.start()
    observer = CountingObserver()
    runtime = ParticipantRuntime(settings, transports, RecordingHandler(), observer=observer)
    replica = runtime.replica_id
    await runtime.start()
    await peer.register(replica_id=replica)
    await peer.expect(ParticipantStatus)
    world = World()
    await peer.send(world.prime())
    await peer.expect(ParticipantPrimeAck)
    await peer.send(world.deploy())
    await peer.expect(AutomationCompositionDeployAck)
    await peer.send_raw(b"not json")
    assert await peer.probe() == []
    await runtime.stop()
    await peer.expect(ParticipantDeregister)
    await peer.stop()
    events = observer.events
    for expected in [
        ("registered", "True"),
        ("heartbeat",),
        ("received", "PARTICIPANT_PRIME"),
        ("received", "AUTOMATION_COMPOSITION_DEPLOY"),
        ("sent", "PARTICIPANT_PRIME_ACK"),
        ("sent", "AUTOMATION_COMPOSITION_STATECHANGE_ACK"),
        ("finished", "prime", "NO_ERROR"),
        ("finished", "deploy", "NO_ERROR"),
        ("decode_failed", settings.operation_topic),
        ("sent", "PARTICIPANT_DEREGISTER"),
        ("registered", "False"),
    ]:
        assert expected in events, expected


async def test_health_reports_registration_and_heartbeat_when_running(peer_and_runtime):
    runtime, _peer = await peer_and_runtime()
    health = runtime.health()
    assert health.running
    assert health.registered
    assert health.broker_connected is True
    assert health.last_heartbeat is not None
    assert health.running_operations == 0


async def test_stop_lets_running_operations_finish_before_deregister_and_is_idempotent():
    handler = RecordingHandler(block={"deploy"})
    world = World()
    async with participant_under_test(handler, make_settings(shutdown_grace_ms=5_000)) as (
        runtime,
        peer,
    ):
        await deploy_started(peer, handler, world)
        stopping = asyncio.create_task(runtime.stop())
        # Scheduled after the stop task's first step: the deploy ends while stop() drains.
        asyncio.get_running_loop().call_soon(handler.release.set)
        await stopping
        await runtime.stop()
        before, _deregister = await peer.collect_until(ParticipantDeregister)
        assert [type(m) for m in before if not isinstance(m, ParticipantStatus)] == [
            AutomationCompositionDeployAck
        ]
        assert not runtime.health().running


async def test_stop_cancels_operations_past_the_grace_period_without_acking():
    handler = RecordingHandler(block={"deploy"})
    world = World()
    async with participant_under_test(handler, make_settings(shutdown_grace_ms=0)) as (
        runtime,
        peer,
    ):
        await deploy_started(peer, handler, world)
        await runtime.stop()
        before, _ = await peer.collect_until(ParticipantDeregister)
        assert not [m for m in before if isinstance(m, AutomationCompositionDeployAck)]
        assert handler.cancelled == ["deploy"]


async def test_composition_timeout_does_not_cancel_element_operations_of_its_instances(
    peer_and_runtime,
):
    handler = RecordingHandler(block={"deploy"})
    _runtime, peer = await peer_and_runtime(handler)
    world = World()
    await deploy_started(peer, handler, world)
    await peer.send(
        world.sync(state_change_result=StateChangeResult.TIMEOUT, with_definitions=False)
    )
    assert await peer.probe() == []
    handler.release.set()
    ack = await peer.expect(AutomationCompositionDeployAck)
    assert ack.state_change_result is StateChangeResult.NO_ERROR
    assert handler.cancelled == []


async def test_reporter_refuses_transitional_states_and_timeout_when_reported_without_stage(
    peer_and_runtime,
):
    handler = RecordingHandler()
    _runtime, peer = await peer_and_runtime(handler)
    world = World()
    assert handler.reporter is not None
    element = world.elements[0].element_id
    with pytest.raises(ValueError, match="transitional"):
        await handler.reporter.report_element_state(
            world.instance_id, element, deploy_state=DeployState.DEPLOYING
        )
    with pytest.raises(ValueError, match="TIMEOUT"):
        await handler.reporter.report_element_state(
            world.instance_id,
            element,
            deploy_state=DeployState.DEPLOYED,
            result=StateChangeResult.TIMEOUT,
        )
    assert await peer.probe() == []


class BrokenTransport:
    """Refuses to start, as a broker rejecting the credentials does."""

    def __init__(self) -> None:
        self.stopped = False

    async def start(self) -> None:
        from acm_participant.errors import TransportAuthError

        raise TransportAuthError("broker refused the credentials")

    async def stop(self) -> None:
        self.stopped = True

    async def publish(self, topic: str, value: bytes, *, key: str | None = None) -> None:
        raise AssertionError("nothing may be published")

    def done(self, record: object) -> None:
        return None

    def records(self):  # pragma: no cover - never consumed
        raise AssertionError("nothing may be consumed")


async def test_failed_start_leaves_nothing_running_and_stop_is_harmless():
    from acm_participant.errors import TransportAuthError
    from acm_participant.runtime import ParticipantRuntime

    runtime = ParticipantRuntime(
        make_settings(), lambda _subscriptions: BrokenTransport(), RecordingHandler()
    )
    with pytest.raises(TransportAuthError):
        await runtime.start()
    assert not runtime.health().running
    await runtime.stop()
    assert not runtime.registered.is_set()
