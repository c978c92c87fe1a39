"""Conformance C14-C21 (register, heartbeat, deregister) on the real Kafka broker."""

from __future__ import annotations

from uuid import uuid4

import pytest

from acm_participant.protocol import (
    ParticipantDeregister,
    ParticipantDeregisterAck,
    ParticipantRegister,
    ParticipantRegisterAck,
    ParticipantStatus,
    ParticipantStatusReq,
)
from acm_participant.testing import participant_under_test
from tests.unit.runtime.builders import (
    OTHER_PARTICIPANT,
    PARTICIPANT_ID,
    RecordingHandler,
)

pytestmark = pytest.mark.integration


async def test_c14_register_at_start_carries_ids_and_stable_supported_types(harness):
    runtime, peer = await harness.participant(register=False)
    register = await peer.register(replica_id=runtime.replica_id)
    assert register.participant_id == PARTICIPANT_ID
    assert register.replica_id == runtime.replica_id
    types = register.participant_supported_element_type
    assert [(t.type_name, t.type_version) for t in types] == [("org.example.Element", "1.0.0")]
    again, _ = await harness.participant(register=False, peer=peer)
    second = await peer.expect(ParticipantRegister, lambda r: r.replica_id == again.replica_id)
    assert second.replica_id != register.replica_id
    assert second.participant_supported_element_type[0].id == types[0].id


async def test_c15_register_is_resent_instead_of_status_until_acked(harness):
    runtime, peer = await harness.participant(register=False)
    before, _third = await peer.collect_until(ParticipantRegister)
    before2, _ = await peer.collect_until(ParticipantRegister)
    assert not any(isinstance(m, ParticipantStatus) for m in before + before2)
    assert not runtime.registered.is_set()


async def test_c16_register_ack_triggers_status_at_once_then_each_interval(harness):
    runtime, peer = await harness.participant(register=False, reporting_time_interval_ms=700)
    await peer.register(replica_id=runtime.replica_id)
    first = await peer.expect(ParticipantStatus, within=2)
    second = await peer.expect(ParticipantStatus, within=3)
    assert first.replica_id == second.replica_id == runtime.replica_id
    assert second.timestamp > first.timestamp


async def test_c17_register_ack_for_another_replica_does_not_register(harness):
    runtime, peer = await harness.participant(register=False)
    await peer.expect(ParticipantRegister)
    await peer.send(
        ParticipantRegisterAck(
            participant_id=PARTICIPANT_ID, replica_id=uuid4(), message="Participant Register Ack"
        )
    )
    before, _ = await peer.collect_until(ParticipantRegister)
    assert not any(isinstance(m, ParticipantStatus) for m in before)
    assert not runtime.registered.is_set()


async def test_c18_every_status_carries_ids_and_supported_types(harness):
    runtime, peer = await harness.participant(reporting_time_interval_ms=500)
    for _ in range(2):
        status = await peer.expect(ParticipantStatus, within=3)
        assert status.participant_id == PARTICIPANT_ID
        assert status.replica_id == runtime.replica_id
        assert status.participant_supported_element_type


async def test_c19_status_req_answered_within_a_second_and_not_for_others(harness):
    runtime, peer = await harness.participant()
    await peer.send(ParticipantStatusReq(participant_id=OTHER_PARTICIPANT))
    broadcast = ParticipantStatusReq()
    await peer.send(broadcast)
    before, status = await peer.collect_until(ParticipantStatus, within=1.0 + 2)
    # The heartbeat interval is a minute: this STATUS can only be the broadcast's answer, and
    # the request for another participant (sent first) got none.
    assert status.replica_id == runtime.replica_id
    assert not [m for m in before if isinstance(m, ParticipantStatus)]
    targeted = ParticipantStatusReq(
        participant_id=PARTICIPANT_ID, participant_id_list=[PARTICIPANT_ID]
    )
    await peer.send(targeted)
    await peer.expect(ParticipantStatus, within=1.0 + 2)


async def test_c20_stop_sends_deregister_and_accepts_the_broadcast_ack(harness):
    peer = await harness.peer()
    settings = harness.settings()
    async with participant_under_test(
        RecordingHandler(), settings, transports=harness.transports, peer=peer
    ) as (runtime, _):
        await peer.send(ParticipantDeregisterAck(message="Participant Deregister Ack"))
        assert await peer.probe() == []
        replica = runtime.replica_id
    deregister = await peer.expect(ParticipantDeregister)
    assert (deregister.participant_id, deregister.replica_id) == (PARTICIPANT_ID, replica)
    assert not runtime.registered.is_set()


async def test_c21_sync_in_own_group_and_op_in_the_shared_group(harness):
    first, peer = await harness.participant()
    second, _ = await harness.participant(peer=peer)
    subs_first = first.settings.subscriptions(first.replica_id)
    subs_second = second.settings.subscriptions(second.replica_id)
    assert subs_first[0] == subs_second[0]
    assert subs_first[0].group == harness.operation_group
    assert subs_first[1].group != subs_second[1].group
    # Both replicas read the sync topic: a broadcast STATUS_REQ is answered by each.
    await peer.send(ParticipantStatusReq())
    answered: set[object] = set()
    while len(answered) < 2:
        status = await peer.expect(ParticipantStatus)
        answered.add(status.replica_id)
    assert answered == {first.replica_id, second.replica_id}
