"""Finding the participant supporting a composition's element types, as ACM-R must to prime.

A participant announces itself with REGISTER at start and re-sends it until acknowledged, but only
once per heartbeat interval (two minutes for KServe). Rather than wait that long, the simulator
asks: a STATUS_REQ is answered at once, with STATUS by a registered participant and with REGISTER
by one still waiting for its acknowledgement (which the driver then sends, as ACM-R does).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from uuid import UUID

from acm_participant.protocol import (
    AnyMessage,
    ParticipantRegister,
    ParticipantStatus,
    ParticipantStatusReq,
)
from acm_participant.sim.driver import AcmRuntimeDriver, MessageTimeout

__all__ = ["ParticipantNotFound", "find_participant"]

ElementType = tuple[str, str]


class ParticipantNotFound(Exception):
    """No participant supporting the element types answered in time."""


def _supports(message: AnyMessage, types: Collection[ElementType], wanted: UUID | None) -> bool:
    if not isinstance(message, ParticipantRegister | ParticipantStatus):
        return False
    if message.participant_id is None or (wanted is not None and message.participant_id != wanted):
        return False
    offered = {(t.type_name, t.type_version) for t in message.participant_supported_element_type}
    return set(types) <= offered


async def find_participant(
    driver: AcmRuntimeDriver,
    types: Collection[ElementType],
    *,
    participant_id: UUID | None = None,
    wait_s: float,
    ask_every: float = 2.0,
) -> UUID:
    """The id of a live participant supporting every type in ``types``.

    Raises:
        ParticipantNotFound: none answered within ``wait_s`` seconds.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while (remaining := deadline - loop.time()) > 0:
        await driver.send(
            ParticipantStatusReq(
                participant_id=participant_id,
                participant_id_list=[participant_id] if participant_id else [],
            )
        )
        try:
            found = await driver.wait_for(
                lambda m: _supports(m, types, participant_id), timeout=min(ask_every, remaining)
            )
        except MessageTimeout:
            continue
        assert found.participant_id is not None  # checked by _supports
        return found.participant_id
    wanted = ", ".join(f"{name} {version}" for name, version in sorted(types))
    others = _other_participants(driver, participant_id)
    if others:
        # ACM-R's own answer when no registered participant supports an element's type.
        raise ParticipantNotFound(f"Element Type {wanted} not supported; {others}")
    raise ParticipantNotFound(
        f"no participant supporting {wanted} answered within {wait_s:g} s "
        "(is `kserve-participant run` running against the same Kafka and topics?)"
    )


def _other_participants(driver: AcmRuntimeDriver, wanted: UUID | None) -> str:
    """Who did answer, and what they support (empty when nobody answered)."""
    seen: dict[UUID, set[str]] = {}
    for message in driver.received:
        if isinstance(message, ParticipantRegister | ParticipantStatus) and message.participant_id:
            if wanted is not None and message.participant_id != wanted:
                continue
            seen.setdefault(message.participant_id, set()).update(
                f"{t.type_name} {t.type_version}"
                for t in message.participant_supported_element_type
            )
    return "; ".join(
        f"participant {pid} supports {', '.join(sorted(types)) or 'nothing'}"
        for pid, types in seen.items()
    )
