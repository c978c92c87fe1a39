"""What the fault suite measures of a scenario, and the checks every scenario must pass: no order
lost or answered twice differently, nothing orphaned, no record of the operation topic left
uncommitted for good (commits recovered after the fault), memory back near its start."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tests.integration.ops_support import eventually

__all__ = ["HEADER", "RSS_GROWTH_BOUND_MIB", "Figures", "Measured", "settled_uncommitted"]

# "Memory back near its start": what a scenario may leave in the participant's RSS. Full runs
# grew 0.6-10 MiB (docs/reliability.md); a leak of the orders' or records' state would not fit.
RSS_GROWTH_BOUND_MIB = 32.0

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

    def followed_by(self, later: Measured) -> Measured:
        """These orders' counts and a later batch's, with the later commit and memory state."""
        return Measured(
            self.orders + later.orders,
            self.lost + later.lost,
            self.repeated + later.repeated,
            self.conflicting + later.conflicting,
            self.orphans + later.orphans,
            later.uncommitted,
            later.rss_growth_mib,
        )

    def figures(self, scenario: str, recovery_s: float) -> Figures:
        return Figures(scenario, self, recovery_s).check()


@dataclass(frozen=True)
class Figures:
    scenario: str
    measured: Measured
    recovery_s: float

    def row(self) -> str:
        m = self.measured
        return (
            f"| {self.scenario} | {m.orders} | {m.lost} | {m.repeated} | {m.conflicting} | "
            f"{m.orphans} | {m.uncommitted} | {self.recovery_s:.1f} | {m.rss_growth_mib:+.1f} |"
        )

    def check(self) -> Figures:
        m = self.measured
        assert (m.lost, m.conflicting, m.orphans, m.uncommitted) == (0, 0, 0, 0), self
        assert m.rss_growth_mib < RSS_GROWTH_BOUND_MIB, self
        return self


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

    async def all_committed() -> bool | None:
        return True if not await _uncommitted(bootstrap, topic, group) else None

    try:
        await eventually(all_committed, within=within, what="every record committed")
    except AssertionError:
        return await _uncommitted(bootstrap, topic, group)
    return 0
