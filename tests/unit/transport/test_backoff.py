"""The back-off between broker attempts: doubling from the first delay, capped, jittered."""

from __future__ import annotations

import itertools

import pytest

from acm_participant.transport.backoff import Backoff


def _first(backoff: Backoff, count: int) -> list[float]:
    return list(itertools.islice(backoff.delays(), count))


def test_delays_double_from_the_first_until_the_cap_when_there_is_no_jitter():
    delays = _first(Backoff(initial_s=0.5, max_s=10.0, jitter=0.0), 8)
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]


def test_default_delays_reach_the_documented_ten_second_cap_and_stay_there():
    nominal = Backoff()
    assert (nominal.initial_s, nominal.max_s) == (0.5, 10.0)
    later = _first(nominal, 40)[5:]
    assert all(9.0 <= delay <= 11.0 for delay in later)


@pytest.mark.parametrize("jitter", [0.1, 0.5])
def test_jittered_delays_stay_within_their_spread_of_the_nominal_delay(jitter):
    nominal = _first(Backoff(initial_s=1.0, max_s=8.0, jitter=0.0), 30)
    jittered = _first(Backoff(initial_s=1.0, max_s=8.0, jitter=jitter), 30)
    for expected, actual in zip(nominal, jittered, strict=True):
        assert expected * (1 - jitter) <= actual <= expected * (1 + jitter)


def test_jitter_spreads_replicas_that_start_together():
    runs = {tuple(_first(Backoff(), 6)) for _ in range(5)}
    assert len(runs) > 1


def test_delays_never_end():
    assert len(_first(Backoff(initial_s=0.01, max_s=0.02), 10_000)) == 10_000
