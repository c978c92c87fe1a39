"""Does a message apply to this participant replica? (docs/protocol.md §3.3)"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

__all__ = ["addressed_to"]


def addressed_to(
    *,
    participant_id: UUID,
    replica_id: UUID,
    msg_participant_id: UUID | None,
    msg_replica_id: UUID | None,
    participant_id_list: Sequence[UUID] = (),
) -> bool:
    """True if the envelope targets this replica: broadcast, all replicas of mine, or this one.

    A non-empty ``participant_id_list`` without my id excludes me first; acks have no list
    (pass the default).
    """
    if participant_id_list and participant_id not in participant_id_list:
        return False
    if msg_participant_id is None:
        return True
    if msg_participant_id != participant_id:
        return False
    return msg_replica_id is None or msg_replica_id == replica_id
