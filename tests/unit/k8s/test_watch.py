"""The shared watch: waiters served by one stream, re-list on 410 Gone, staleness re-GET."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

from kserve_participant.k8s.client import ListResult
from kserve_participant.k8s.errors import Forbidden, Gone, NotFound, ServerUnavailable
from kserve_participant.k8s.resources import InferenceServiceResource
from kserve_participant.k8s.watch import InferenceServiceWatch, Observed, WaitTimeout, WatchSettings


def obj(name: str, rv: int, *, ready: bool = False, uid: str = "u1") -> dict[str, Any]:
    status = "True" if ready else "False"
    return {
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": str(rv), "uid": uid},
        "status": {"conditions": [{"type": "Ready", "status": status}]},
    }


class FakeApi:
    """The API server as the watch sees it: lists, one event queue per stream, GETs."""

    resource = InferenceServiceResource()

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.events: asyncio.Queue[tuple[str, dict[str, Any]] | Exception] = asyncio.Queue()
        self.lists = 0
        self.gets = 0
        self.failing_gets = 0
        self.list_error: Exception | None = None
        self.watched_from: list[str] = []
        self.heard_from_lately = False  # as if another stream kept talking
        self.last_event_at: float | None = None

    def answered_within(self, seconds: float) -> bool:
        recent_event = self.last_event_at is not None and (
            time.monotonic() - self.last_event_at < seconds
        )
        return self.heard_from_lately or recent_event

    async def list(self, namespace: str | None, *, labels: Any) -> ListResult:
        self.lists += 1
        if self.list_error is not None:
            raise self.list_error
        return ListResult(list(self.objects.values()), "1")

    async def watch(
        self, namespace: str | None, *, resource_version: str, **_: Any
    ) -> AsyncIterator[tuple[str, Any]]:
        self.watched_from.append(resource_version)
        while True:
            event = await self.events.get()
            if isinstance(event, Exception):
                raise event
            yield event

    async def get(self, namespace: str, name: str) -> dict[str, Any]:
        self.gets += 1
        if self.failing_gets:
            self.failing_gets -= 1
            raise ServerUnavailable(0, "Unreachable", "connection refused")
        if name not in self.objects:
            raise NotFound(404, "NotFound", f'"{name}" not found')
        return self.objects[name]

    def break_stream(self) -> None:
        """The watch stream fails and so do its re-lists (the GETs still answer)."""
        self.list_error = ServerUnavailable(503, "ServiceUnavailable", "etcd leader changed")
        self.events.put_nowait(ServerUnavailable(0, "Unreachable", "connection reset"))

    def emit(self, kind: str, item: dict[str, Any]) -> None:
        name = item["metadata"]["name"]
        if kind == "DELETED":
            self.objects.pop(name, None)
        else:
            self.objects[name] = item
        self.last_event_at = time.monotonic()
        self.events.put_nowait((kind, item))


def ready(seen: Observed) -> bool | None:
    if seen.obj is None:
        return None
    conditions = seen.obj["status"]["conditions"]
    return True if seen.exists and conditions[0]["status"] == "True" else None


def gone(seen: Observed) -> bool | None:
    return True if not seen.exists else None


@pytest.fixture
async def api_and_watch() -> AsyncIterator[tuple[FakeApi, InferenceServiceWatch]]:
    api = FakeApi()
    watch = InferenceServiceWatch(cast(Any, api))
    yield api, watch
    await watch.stop()


def deadline(seconds: float = 5) -> float:
    return asyncio.get_running_loop().time() + seconds


async def test_wait_until_resolves_on_event_when_object_turns_ready(api_and_watch):
    api, watch = api_and_watch
    api.objects["m"] = obj("m", 2)
    waiting = asyncio.create_task(
        watch.wait_until("ns", "m", ready, deadline=deadline(), resync_interval=60)
    )
    await watch.ensure_watching("ns")
    api.emit("MODIFIED", obj("m", 3, ready=True))
    assert await waiting is True
    assert api.gets == 0


async def test_one_stream_serves_many_waiters_when_they_share_a_namespace(api_and_watch):
    api, watch = api_and_watch
    names = [f"m{i}" for i in range(20)]
    for name in names:
        api.objects[name] = obj(name, 2)
    waiting = [
        asyncio.create_task(
            watch.wait_until("ns", n, ready, deadline=deadline(), resync_interval=60)
        )
        for n in names
    ]
    await watch.ensure_watching("ns")
    for name in names:
        api.emit("MODIFIED", obj(name, 3, ready=True))
    assert await asyncio.gather(*waiting) == [True] * 20
    assert (api.lists, api.gets) == (1, 0)


async def test_watch_relists_and_reports_deletion_when_version_is_gone(api_and_watch):
    api, watch = api_and_watch
    api.objects["m"] = obj("m", 2)
    await watch.ensure_watching("ns")
    waiting = asyncio.create_task(
        watch.wait_until("ns", "m", gone, deadline=deadline(), resync_interval=60)
    )
    await asyncio.sleep(0)
    del api.objects["m"]  # deleted while the stream was broken: no DELETED event
    api.events.put_nowait(Gone(410, "Expired", "too old resource version"))
    assert await waiting is True
    assert api.lists == 2


async def test_wait_until_raises_with_last_state_when_deadline_passes(api_and_watch):
    api, watch = api_and_watch
    api.objects["m"] = obj("m", 2)
    with pytest.raises(WaitTimeout) as timed_out:
        await watch.wait_until("ns", "m", ready, deadline=deadline(0.2), resync_interval=60)
    assert timed_out.value.last is not None
    assert timed_out.value.last.obj == obj("m", 2)


async def test_wait_until_regets_when_no_event_within_interval_while_its_stream_fails(
    api_and_watch,
):
    api, watch = api_and_watch
    api.objects["m"] = obj("m", 2)
    await watch.ensure_watching("ns")
    api.break_stream()
    api.objects["m"] = obj("m", 3, ready=True)  # changed, but the event never arrives
    result = await watch.wait_until("ns", "m", ready, deadline=deadline(), resync_interval=0.05)
    assert result is True
    assert api.gets >= 1


async def test_waiter_on_a_quiet_stream_sends_no_request_while_the_api_server_is_heard_from(
    api_and_watch,
):
    api, watch = api_and_watch
    api.objects["m"] = obj("m", 2)
    await watch.ensure_watching("ns")
    api.heard_from_lately = True  # e.g. another stream's events
    # Many statusCheckIntervals without news: a stream in order has none to give.
    with pytest.raises(WaitTimeout):
        await watch.wait_until("ns", "m", ready, deadline=deadline(0.5), resync_interval=0.05)
    assert api.gets == 0
    assert api.lists == 1


async def test_waiters_on_an_idle_cluster_share_one_reread_per_interval(api_and_watch):
    api, watch = api_and_watch
    names = [f"m{i}" for i in range(20)]
    for name in names:
        api.objects[name] = obj(name, 2, uid=name)
    await watch.ensure_watching("ns")
    waits = [
        watch.wait_until("ns", name, ready, deadline=deadline(0.3), resync_interval=0.05)
        for name in names
    ]
    outcomes = await asyncio.gather(*waits, return_exceptions=True)

    assert all(isinstance(outcome, WaitTimeout) for outcome in outcomes)
    # Nothing heard from the API server: someone checks, but not every waiter each interval.
    assert 1 <= api.gets < len(names)


async def test_listeners_hear_what_a_reget_finds_when_the_event_never_arrives(api_and_watch):
    api, watch = api_and_watch
    heard: list[tuple[str, str]] = []
    watch.subscribe(
        lambda key, seen: heard.append((key[1], seen.obj["metadata"]["resourceVersion"]))
    )
    api.objects["m"] = obj("m", 2)
    await watch.ensure_watching("ns")
    api.break_stream()
    api.objects["m"] = obj("m", 3, ready=True)  # changed, but the event never arrives
    await watch.wait_until("ns", "m", ready, deadline=deadline(), resync_interval=0.05)
    assert heard[-1] == ("m", "3")
    assert watch.cached("ns", "m") == Observed(api.objects["m"], True)


async def test_listeners_hear_every_change_when_subscribed(api_and_watch):
    api, watch = api_and_watch
    heard: list[tuple[str, bool]] = []
    watch.subscribe(lambda key, seen: heard.append((key[1], seen.exists)))
    await watch.ensure_watching("ns")
    api.emit("ADDED", obj("m", 2))
    api.emit("DELETED", obj("m", 3))
    waiting = watch.wait_until("ns", "m", gone, deadline=deadline(), resync_interval=60)
    assert await waiting is True
    assert heard == [("m", True), ("m", False)]


async def test_wait_until_keeps_waiting_when_a_reget_cannot_reach_the_api_server(api_and_watch):
    api, watch = api_and_watch
    api.objects["m"] = obj("m", 2)
    await watch.ensure_watching("ns")
    api.break_stream()
    api.objects["m"] = obj("m", 3, ready=True)
    api.failing_gets = 2
    result = await watch.wait_until("ns", "m", ready, deadline=deadline(), resync_interval=0.05)
    assert result is True
    assert api.gets == 3


async def test_ensure_watching_raises_api_refusal_when_list_is_forbidden(api_and_watch):
    api, watch = api_and_watch
    api.list_error = Forbidden(403, "Forbidden", 'User "p" cannot list resource')
    with pytest.raises(Forbidden, match="cannot list"):
        await watch.ensure_watching("ns")
    with pytest.raises(Forbidden):
        await watch.wait_until("ns", "m", ready, deadline=deadline(), resync_interval=60)


async def _until(watch: InferenceServiceWatch, condition, seconds: float = 5) -> None:
    """Until ``condition()`` holds, checked after each change the watch reports."""
    changed = asyncio.Event()
    unsubscribe = watch.subscribe(lambda key, seen: changed.set())
    try:
        async with asyncio.timeout(seconds):
            while not condition():
                await changed.wait()
                changed.clear()
    finally:
        unsubscribe()


async def test_deleted_objects_leave_nothing_in_the_cache_when_nobody_waits(api_and_watch):
    api, watch = api_and_watch
    for i in range(50):
        api.objects[f"m{i}"] = obj(f"m{i}", 2, uid=f"u{i}")
    await watch.ensure_watching("ns")
    assert watch.sizes()["cached objects"] == 50

    for i in range(50):
        api.emit("DELETED", obj(f"m{i}", 3, uid=f"u{i}"))
    await _until(watch, lambda: watch.sizes()["cached objects"] == 0)

    assert watch.sizes() == {
        "cached objects": 0,
        "waited-on objects": 0,
        "pinned names": 0,
        "watch streams": 1,  # a working stream stays, for the next deploy there
    }


async def test_pinned_name_keeps_its_tombstone_for_a_wait_that_starts_after_the_event(
    api_and_watch,
):
    api, watch = api_and_watch
    api.objects["m"] = obj("m", 2)
    await watch.ensure_watching("ns")
    with watch.pinned([("ns", "m")]):
        api.emit("DELETED", obj("m", 3))
        await _until(watch, lambda: not watch.existing("ns"))
        assert await watch.wait_until("ns", "m", gone, deadline=deadline(), resync_interval=60)
    assert api.gets == 0
    assert watch.sizes() == {
        "cached objects": 0,
        "waited-on objects": 0,
        "pinned names": 0,
        "watch streams": 1,  # a working stream stays, for the next deploy there
    }


async def test_remembered_write_is_found_before_its_event_arrives_and_never_hides_a_delete(
    api_and_watch,
):
    api, watch = api_and_watch
    await watch.ensure_watching("ns")
    written = obj("w", 5, uid="new")
    written["metadata"]["managedFields"] = [{"manager": "kserve-participant"}]

    watch.remember(written)
    assert [o["metadata"]["name"] for o in watch.existing("ns")] == ["w"]
    assert "managedFields" not in watch.existing("ns")[0]["metadata"]

    with watch.pinned([("ns", "w")]):
        api.emit("DELETED", obj("w", 6, uid="new"))
        await _until(watch, lambda: not watch.existing("ns"))
        watch.remember(written)  # a late answer for the object just deleted
        assert watch.existing("ns") == []


async def test_waiter_does_not_reget_while_its_stream_keeps_delivering_events(api_and_watch):
    api, watch = api_and_watch
    api.objects["m"] = obj("m", 2)
    api.objects["busy"] = obj("busy", 2, uid="u2")
    await watch.ensure_watching("ns")
    waiting = asyncio.create_task(
        watch.wait_until("ns", "m", ready, deadline=deadline(), resync_interval=0.2)
    )
    for rv in range(3, 13):  # another object keeps the stream talking for 0.5 s
        api.emit("MODIFIED", obj("busy", rv, uid="u2"))
        await asyncio.sleep(0.05)
    api.emit("MODIFIED", obj("m", 20, ready=True))

    assert await waiting is True
    assert api.gets == 0


async def test_cache_keeps_only_what_the_projection_keeps_from_lists_events_and_writes():
    api = FakeApi()
    api.objects["listed"] = {**obj("listed", 2), "spec": {"big": "x" * 1000}}

    def status_only(item: dict[str, Any]) -> dict[str, Any]:
        return {"metadata": item["metadata"], "status": item["status"]}

    watch = InferenceServiceWatch(cast(Any, api), WatchSettings(project=status_only))
    try:
        await watch.ensure_watching("ns")
        api.emit("ADDED", {**obj("added", 3, uid="u2"), "spec": {"big": "y" * 1000}})
        watch.remember({**obj("written", 4, uid="u3"), "spec": {"big": "z"}})
        await _until(watch, lambda: len(watch.existing("ns")) == 3)
        # changed on the server while the stream fails: the waiter's re-read is cached as a
        # view too
        api.break_stream()
        api.objects["reread"] = {**obj("reread", 5, ready=True, uid="u4"), "spec": {"big": "w"}}
        await watch.wait_until("ns", "reread", ready, deadline=deadline(), resync_interval=0.05)

        assert api.gets == 1
        assert len(watch.existing("ns")) == 4
        assert all(set(o) == {"metadata", "status"} for o in watch.existing("ns"))
    finally:
        await watch.stop()
