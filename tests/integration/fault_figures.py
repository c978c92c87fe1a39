"""What the fault suite measures of a scenario, and the checks every scenario must pass: no order
lost or answered twice differently, nothing orphaned, no record of the operation topic left
uncommitted for good (commits recovered after the fault)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

__all__ = ["HEADER", "Figures", "Measured", "settled_uncommitted"]

_SETTLE_POLL_S = 0.5
# "Memory back near its start": what a scenario may leave in the participant's RSS. Full runs
# grew 0.6-10 MiB (docs/reliability.md); a leak of the orders' or records' state would not fit.
RSS_GROWTH_BOUND_MIB = 32.0


@dataclass(frozen=True)
class Figures:
    scenario: str
    orders: int
    lost: int
    repeated: int
    conflicting: int
    orphans: int
    uncommitted: int
    recovery_s: float
    rss_growth_mib: float

    def row(self) -> str:
        return (
            f"| {self.scenario} | {self.orders} | {self.lost} | {self.repeated} | "
            f"{self.conflicting} | {self.orphans} | {self.uncommitted} | {self.recovery_s:.1f} | "
            f"{self.rss_growth_mib:+.1f} |"
        )

    def check(self) -> Figures:
        lasting = (self.lost, self.conflicting, self.orphans, self.uncommitted)
        assert lasting == (0, 0, 0, 0), self
        assert self.rss_growth_mib < RSS_GROWTH_BOUND_MIB, self
        return self


HEADER = (
    "| scenario | orders | acks lost | acks repeated (identical) | acks contradicting | orphans "
    "| records left uncommitted | recovery s | RSS growth MiB |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


@dataclass(frozen=True)
class Measured:
    """A scenario's outcome, taken once its orders are answered (and then undeployed)."""

    orders: int
    lost: int
    repeated: int
    conflicting: int
    orphans: int
    uncommitted: int
    rss_growth_mib: float

    def figures(self, scenario: str, recovery_s: float) -> Figures:
        return Figures(
            scenario,
            self.orders,
            self.lost,
            self.repeated,
            self.conflicting,
            self.orphans,
            self.uncommitted,
            recovery_s,
            self.rss_growth_mib,
        ).check()


async def _uncommitted(bootstrap: str, topic: str, group: str) -> int:
    """Records of ``topic`` that the consumer group has not committed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        await consumer.topics()  # fetches the metadata partitions_for_topic reads
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await consumer.stop()
        await admin.close()
    return sum(
        end - max(committed[tp].offset, 0) if tp in committed else end for tp, end in ends.items()
    )


async def settled_uncommitted(bootstrap: str, topic: str, group: str, within: float = 60) -> int:
    """Records left uncommitted once commits had ``within`` seconds to catch up (0: none)."""
    for _ in range(int(within / _SETTLE_POLL_S)):
        if not await _uncommitted(bootstrap, topic, group):
            return 0
        await asyncio.sleep(_SETTLE_POLL_S)
    return await _uncommitted(bootstrap, topic, group)
