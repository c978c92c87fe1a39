"""What a watch knows of one object, and the waits on it: the values the shared watch hands out.

Kept apart from ``watch`` (the streams) so each module has one job.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from kserve_participant.k8s.client import Obj

__all__ = ["Key", "Listener", "Observed", "Predicate", "WaitTimeout", "Waiter"]

V = TypeVar("V")
Key = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True, slots=True)
class Observed:
    """What the watch knows of one object: its last state, and whether it still exists.

    ``exists=False`` with an object means "this object (this uid) was deleted"; with ``None``
    it means "the API server has no object of that name" (404).
    """

    obj: Obj | None
    exists: bool

    @property
    def uid(self) -> str | None:
        if self.obj is None:
            return None
        uid = self.obj.get("metadata", {}).get("uid")
        return str(uid) if uid else None


Predicate = Callable[[Observed], V | None]
Listener = Callable[[Key, Observed], None]


class WaitTimeout(Exception):
    """The predicate was not satisfied in time; ``last`` is the last state seen, if any."""

    def __init__(self, key: Key, last: Observed | None) -> None:
        self.key = key
        self.last = last
        super().__init__(f"timed out waiting for {key[0]}/{key[1]}")


class Waiter(Generic[V]):
    """One wait on one object: its predicate, and the future the first verdict settles."""

    def __init__(self, predicate: Predicate[V]) -> None:
        self.predicate = predicate
        self.future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self.last: Observed | None = None
        self.heard_at = time.monotonic()

    def offer(self, observed: Observed) -> None:
        if self.future.done():
            return
        self.last = observed
        self.heard_at = time.monotonic()
        try:
            verdict = self.predicate(observed)
        except Exception as exc:  # a predicate bug must fail the wait, not the watch loop
            self.future.set_exception(exc)
            return
        if verdict is not None:
            self.future.set_result(verdict)
