"""How long a restarted participant waits to rejoin its consumer group after a crash.

ACM participants share one consumer group per participant id on the operation topic. A process
killed without leaving the group stays a member until its session times out; a new process
joining meanwhile starts a rebalance that waits for it. This bench kills a member (SIGKILL of a
separate process that joined the group), starts a new one at once, and measures the time to its
first partition assignment, for the consumer settings an operator can choose:

* default: aiokafka's session.timeout.ms 10 s, dynamic membership;
* a shorter session timeout (6 s, the broker's minimum group.min.session.timeout.ms);
* static membership (group.instance.id stable across restarts: the new process takes the dead
  member's place at once, no rebalance).

    .venv/bin/python -m bench.restart_join [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer
from aiokafka.abc import ConsumerRebalanceListener

from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.devstack import Stack

_MEMBER = """
import asyncio, json, sys
from aiokafka import AIOKafkaConsumer
from aiokafka.abc import ConsumerRebalanceListener
bootstrap, topic, group, options = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
class Joined(ConsumerRebalanceListener):
    async def on_partitions_revoked(self, revoked): pass
    async def on_partitions_assigned(self, assigned): print("joined", flush=True)
async def main():
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, **options)
    await consumer.start()
    consumer.subscribe([topic], listener=Joined())
    while True:
        await consumer.getmany(timeout_ms=1000)
asyncio.run(main())
"""

VARIANTS: dict[str, dict[str, Any]] = {
    "default (session 10 s, dynamic)": {},
    "session.timeout.ms 6000": {"session_timeout_ms": 6000, "heartbeat_interval_ms": 2000},
    "static membership (group.instance.id)": {"group_instance_id": "replica-0"},
}


class _Joined(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.event = asyncio.Event()

    async def on_partitions_revoked(self, revoked: Any) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.event.set()


async def _join_time(bootstrap: str, topic: str, group: str, options: dict[str, Any]) -> float:
    started = time.monotonic()
    joined = _Joined()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, **options)
    await consumer.start()
    consumer.subscribe([topic], listener=joined)
    poll = asyncio.create_task(_poll(consumer))
    try:
        await asyncio.wait_for(joined.event.wait(), 120)
        return time.monotonic() - started
    finally:
        poll.cancel()
        await consumer.stop()


async def _poll(consumer: AIOKafkaConsumer) -> None:
    while True:
        await consumer.getmany(timeout_ms=1000)


async def sample(bootstrap: str, options: dict[str, Any]) -> tuple[float, float]:
    """(join time of a fresh group, join time right after the previous member was killed)."""
    topic, group = f"restart-{uuid4().hex[:8]}", f"group-{uuid4().hex[:8]}"
    await ensure_topics(KafkaSettings(bootstrap_servers=(bootstrap,)), [topic])
    member = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _MEMBER,
        bootstrap,
        topic,
        group,
        json.dumps(options),
        stdout=subprocess.PIPE,
    )
    assert member.stdout is not None
    await member.stdout.readline()  # "joined"
    member.kill()  # SIGKILL: no LeaveGroup, the member stays until its session ends
    await member.wait()
    restart = await _join_time(bootstrap, topic, group, options)
    cold = await _join_time(bootstrap, f"{topic}", f"{group}-fresh", options)
    return cold, restart


async def run(bootstrap: str, runs: int) -> None:
    print(f"{'consumer settings':<40}{'fresh group':>12}{'after SIGKILL':>15}  (median of {runs})")
    for label, options in VARIANTS.items():
        samples = [await sample(bootstrap, options) for _ in range(runs)]
        cold = statistics.median(s[0] for s in samples)
        restart = statistics.median(s[1] for s in samples)
        print(f"{label:<40}{cold:>11.2f}s{restart:>14.2f}s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bootstrap", help="an existing broker instead of a fresh dev stack")
    args = parser.parse_args(argv)
    if args.bootstrap:
        asyncio.run(run(args.bootstrap, args.runs))
        return
    with (
        tempfile.TemporaryDirectory(prefix="bench-restart-") as scratch,
        Stack(Path(scratch) / "stack") as stack,
    ):
        stack.start()
        asyncio.run(run(stack.info.kafka_bootstrap, args.runs))


if __name__ == "__main__":
    main()
