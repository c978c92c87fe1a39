"""Bad input costs a bounded number of log lines and loses nothing else."""

from __future__ import annotations

import logging

from acm_participant._core.engine.ratelimit import RateLimitedLog
from acm_participant.protocol import AutomationCompositionDeployAck, ParticipantPrimeAck
from acm_participant.testing import participant_under_test

from .builders import RecordingHandler, World, make_settings


async def test_a_flood_of_undecodable_records_logs_ten_lines_and_the_next_order_is_answered(caplog):
    caplog.set_level(logging.WARNING, logger="acm_participant.runtime")
    async with participant_under_test(RecordingHandler(), make_settings()) as (_runtime, peer):
        for index in range(500):
            await peer.send_raw(b'{"messageType": "NOT_A_TYPE", "n": %d}' % index)
        world = World()
        await peer.send(world.prime())
        ack = await peer.expect(ParticipantPrimeAck)
    assert ack.composition_id == world.composition_id
    undecodable = [r for r in caplog.records if "undecodable" in r.getMessage()]
    assert len(undecodable) == 10


def test_rate_limited_log_says_how_many_it_left_out_when_the_window_is_over(caplog):
    caplog.set_level(logging.WARNING)
    now = [0.0]
    log = RateLimitedLog(
        logging.getLogger("t"), "bad records", per_window=2, window_s=60, clock=lambda: now[0]
    )
    for _ in range(7):
        log.warning("bad record")
    now[0] = 61.0
    log.warning("bad record")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "bad record",
        "bad record",
        "5 more bad records in the last 61 s (not logged one by one)",
        "bad record",
    ]


async def test_a_failure_reason_of_a_thousand_characters_is_cut_in_the_log_and_the_ack(caplog):
    caplog.set_level(logging.INFO, logger="acm_participant.lifecycle")
    handler = RecordingHandler(fail={"deploy": "n" * 1000})
    async with participant_under_test(handler, make_settings()) as (_runtime, peer):
        world = World()
        await peer.send(world.prime())
        await peer.expect(ParticipantPrimeAck)
        await peer.send(world.deploy())
        ack = await peer.expect(AutomationCompositionDeployAck)
    assert ack.message is not None
    assert len(ack.message) == 255
    (failed,) = [r for r in caplog.records if "failed after" in r.getMessage()]
    assert len(failed.getMessage()) < 300
    assert failed.exc_info is None  # an expected failure: one line, no traceback
