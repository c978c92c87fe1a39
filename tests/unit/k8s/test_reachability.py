"""When the API server counts as unreachable, and what the FAILED ack then says."""

from __future__ import annotations

from kserve_participant.k8s.reachability import EVIDENCE_S, Reachability, is_unanswered


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_outage_runs_from_the_first_unanswered_request_until_an_answer() -> None:
    clock = FakeClock()
    reach = Reachability(clock)
    reach.failed(reach.sent(), "ConnectError: refused")
    clock.now += 40
    reach.failed(reach.sent(), "ReadTimeout: timed out")
    clock.now += 2
    outage = reach.outage()
    assert outage is not None
    assert str(outage) == (
        "Kubernetes API server unreachable for 42 s (last error: ReadTimeout: timed out)"
    )
    reach.answered(reach.sent())
    assert reach.outage() is None


def test_a_short_outage_is_told_to_the_tenth_of_a_second() -> None:
    clock = FakeClock()
    reach = Reachability(clock)
    reach.failed(reach.sent(), "ConnectError: refused")
    clock.now += 0.34
    assert str(reach.outage()).startswith("Kubernetes API server unreachable for 0.3 s ")


def test_a_request_waiting_long_is_an_outage_before_it_fails() -> None:
    clock = FakeClock()
    reach = Reachability(clock)
    reach.sent()
    clock.now += EVIDENCE_S - 0.5
    assert reach.outage() is None  # a slow answer is not yet a sign of anything
    clock.now += 5
    outage = reach.outage()
    assert outage is not None
    assert outage.last_error.startswith("no answer for ")


def test_a_request_abandoned_early_says_nothing_one_abandoned_late_does() -> None:
    clock = FakeClock()
    reach = Reachability(clock)
    early = reach.sent()
    clock.now += 0.5
    reach.abandoned(early)
    assert reach.outage() is None
    late = reach.sent()
    clock.now += 10
    reach.abandoned(late)
    outage = reach.outage()
    assert outage is not None
    assert outage.last_error == "no answer for 10 s"


def test_an_outage_starts_no_earlier_than_the_last_answer() -> None:
    clock = FakeClock()
    reach = Reachability(clock)
    slow = reach.sent()
    clock.now += 30
    reach.answered(reach.sent())
    clock.now += 5
    reach.failed(slow, "ReadTimeout")
    outage = reach.outage()
    assert outage is not None
    assert round(outage.seconds) == 5


def test_a_broken_watch_stream_starts_an_outage_and_its_events_end_it() -> None:
    clock = FakeClock()
    reach = Reachability(clock)
    reach.failed(None, "watch: RemoteProtocolError")
    clock.now += 3
    assert reach.outage() is not None
    reach.answered()
    assert reach.outage() is None


def test_client_errors_are_answers_server_errors_and_silence_are_not() -> None:
    assert [is_unanswered(code) for code in (0, 500, 503, 404, 409, 429, 403)] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]
