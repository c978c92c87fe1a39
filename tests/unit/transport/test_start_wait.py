"""The wait for the broker at start: one log line per change, not per attempt, and a deadline
only when one is set."""

from __future__ import annotations

import logging

import pytest

from acm_participant.errors import TransportError
from acm_participant.transport.backoff import Backoff
from acm_participant.transport.start_wait import StartWait

REFUSED = "Kafka unreachable at k:9092: ConnectionRefusedError(111, 'Connect call failed')"
TIMED_OUT = "Kafka unreachable at k:9092: TimeoutError()"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _wait(clock: FakeClock, deadline_s: float | None = None, **kwargs: object) -> StartWait:
    return StartWait("k:9092", deadline_s=deadline_s, backoff=Backoff(), clock=clock, **kwargs)  # type: ignore[arg-type]


def _lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records]


def test_repeated_failures_are_logged_once_with_the_retry_policy(caplog):
    caplog.set_level(logging.INFO, logger="acm_participant.transport.start_wait")
    clock = FakeClock()
    wait = _wait(clock)
    for _ in range(50):
        wait.failed(REFUSED)
        clock.now += 10
    assert _lines(caplog) == [
        (
            logging.WARNING,
            f"{REFUSED}; retrying every 0.5 s at first, backing off to 10 s, until it answers",
        )
    ]
    assert wait.failures == 50


def test_a_new_reason_is_logged_once_more_with_the_attempt_number(caplog):
    caplog.set_level(logging.INFO, logger="acm_participant.transport.start_wait")
    wait = _wait(FakeClock())
    for reason in (REFUSED, REFUSED, TIMED_OUT, TIMED_OUT, TIMED_OUT):
        wait.failed(reason)
    assert [message for _, message in _lines(caplog)][1:] == [
        f"{TIMED_OUT} (still retrying, attempt 3)"
    ]


def test_every_failure_reaches_the_callback(caplog):
    seen: list[str] = []
    wait = _wait(FakeClock(), on_failure=seen.append)
    for reason in (REFUSED, REFUSED, TIMED_OUT):
        wait.failed(reason)
    assert seen == [REFUSED, REFUSED, TIMED_OUT]


def test_without_deadline_the_wait_never_gives_up():
    clock = FakeClock()
    wait = _wait(clock)
    for _ in range(1000):
        clock.now += 3600
        wait.failed(REFUSED)
    assert wait.clip(7.5) == 7.5


def test_the_failure_past_the_deadline_raises_with_reason_deadline_and_attempts():
    clock = FakeClock()
    wait = _wait(clock, deadline_s=30)
    wait.failed(REFUSED)
    clock.now += 29.9
    wait.failed(REFUSED)
    clock.now += 0.1
    with pytest.raises(TransportError) as caught:
        wait.failed(REFUSED)
    assert str(caught.value) == (
        f"{REFUSED} (gave up after the start-up deadline of 30 s, 3 attempts)"
    )


def test_delays_are_clipped_so_the_last_attempt_falls_at_the_deadline():
    clock = FakeClock()
    wait = _wait(clock, deadline_s=30)
    clock.now += 25
    assert wait.clip(10.0) == pytest.approx(5.0)
    assert wait.clip(2.0) == 2.0
    clock.now += 10
    assert wait.clip(10.0) == 0.0


def test_the_first_line_names_the_deadline_when_one_is_set(caplog):
    caplog.set_level(logging.INFO, logger="acm_participant.transport.start_wait")
    _wait(FakeClock(), deadline_s=120).failed(REFUSED)
    assert _lines(caplog)[0][1].endswith("until it answers or 120 s have passed")


def test_reaching_the_broker_after_failures_is_one_info_line(caplog):
    caplog.set_level(logging.INFO, logger="acm_participant.transport.start_wait")
    clock = FakeClock()
    wait = _wait(clock)
    wait.failed(REFUSED)
    clock.now += 42
    wait.failed(REFUSED)
    wait.connected()
    assert _lines(caplog)[1:] == [
        (logging.INFO, "Kafka at k:9092 reachable after 2 failed attempts in 42.0 s")
    ]


def test_reaching_the_broker_at_once_logs_nothing(caplog):
    caplog.set_level(logging.DEBUG, logger="acm_participant.transport.start_wait")
    _wait(FakeClock()).connected()
    assert caplog.records == []
