"""The simulator's broker connection gives up with a reason instead of retrying for good."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from acm_participant.errors import TransportError
from kserve_participant.cli.sim_session import Connection, simulator_session
from kserve_participant.simulator.console import SimConsole


async def test_simulator_session_names_the_broker_when_none_answers_in_time():
    out = SimConsole(Console(file=io.StringIO()))

    with pytest.raises(TransportError, match=r"no broker answered at 127\.0\.0\.1:1 within 0\.5 s"):
        async with simulator_session(
            Connection(kafka="127.0.0.1:1"), out, wait_s=1.0, connect_s=0.5
        ):
            pytest.fail("the session must not start")
