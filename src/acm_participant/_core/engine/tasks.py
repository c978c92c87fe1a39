"""Element operations as tasks: one per element, superseded by the next, cancelled on TIMEOUT.

Running each element operation in its own task keeps one slow element from delaying any other
message. A new operation on an element cancels the one still running, so no late ack follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

__all__ = ["TaskKey", "TaskRegistry"]

_log = logging.getLogger(__name__)

# (composition or instance id, element id or None for a whole-composition operation such as prime)
TaskKey = tuple[UUID, UUID | None]


class TaskRegistry:
    def __init__(self) -> None:
        self._tasks: dict[TaskKey, asyncio.Task[None]] = {}
        self._operation: dict[TaskKey, str] = {}
        self._captures: list[list[asyncio.Task[None]]] = []

    @contextmanager
    def capture(self) -> Iterator[list[asyncio.Task[None]]]:
        """Collects the tasks spawned inside the block (the work one message started)."""
        spawned: list[asyncio.Task[None]] = []
        self._captures.append(spawned)
        try:
            yield spawned
        finally:
            self._captures.remove(spawned)

    def running(self, key: TaskKey) -> asyncio.Task[None] | None:
        task = self._tasks.get(key)
        return task if task is not None and not task.done() else None

    def count_running(self) -> int:
        return sum(1 for task in self._tasks.values() if not task.done())

    def running_operation(self, key: TaskKey) -> str | None:
        """The name of the operation running for ``key``, if one is."""
        return self._operation.get(key) if self.running(key) is not None else None

    def spawn(
        self,
        key: TaskKey,
        work: Coroutine[Any, Any, None],
        *,
        name: str,
        operation: str = "",
    ) -> asyncio.Task[None]:
        """Run ``work`` for ``key`` once the operation it supersedes, cancelled now, has ended
        (its clean-up included): two operations on one element never overlap."""
        previous = self.running(key)
        if previous is not None:
            _log.info("operation %s superseded by %s", previous.get_name(), name)
            previous.cancel()
        task = asyncio.create_task(_after(previous, work), name=name)
        for spawned in self._captures:
            spawned.append(task)
        self._tasks[key] = task
        self._operation[key] = operation
        task.add_done_callback(lambda done: self._forget(key, done))
        return task

    def _forget(self, key: TaskKey, done: asyncio.Task[None]) -> None:
        if self._tasks.get(key) is done:
            del self._tasks[key]
            self._operation.pop(key, None)
        if not done.cancelled() and done.exception() is not None:
            _log.error("element task %s crashed", done.get_name(), exc_info=done.exception())

    def cancel_matching(self, ids: set[UUID]) -> int:
        """Cancel the tasks of the instances (element operations) or compositions (prime,
        deprime) whose ids are in ``ids``."""
        cancelled = 0
        for key, task in list(self._tasks.items()):
            if key[0] in ids and not task.done():
                task.cancel()
                cancelled += 1
        return cancelled

    async def drain(self, grace_s: float) -> None:
        """Let running operations finish for ``grace_s`` seconds, then cancel what is left."""
        pending = [t for t in self._tasks.values() if not t.done()]
        if not pending:
            return
        _done, still = await asyncio.wait(pending, timeout=grace_s)
        for task in still:
            task.cancel()
        for task in still:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _after(previous: asyncio.Task[None] | None, work: Coroutine[Any, Any, None]) -> None:
    try:
        if previous is not None:
            await asyncio.wait({previous})  # never raises the previous one's cancellation
    except BaseException:
        work.close()  # cancelled while waiting: the work never starts
        raise
    await work
