"""Stream upkeep of the shared watch: resume after a stall, back-off and its log lines on a
refused namespace, and the end of a refused stream nothing needs any more."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

import pytest

from kserve_participant.k8s.errors import Forbidden, ServerUnavailable, Stalled
from kserve_participant.k8s.watch import InferenceServiceWatch, WatchSettings

from .test_watch import FakeApi, deadline, obj, ready

FORBIDDEN = Forbidden(403, "Forbidden", 'User "p" cannot list resource in namespace "ns"')
WATCH_LOGGER = "kserve_participant.k8s.watch"


def make_watch(api: FakeApi, **settings: Any) -> InferenceServiceWatch:
    return InferenceServiceWatch(cast(Any, api), WatchSettings(**settings))


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


async def _eventually(condition: Callable[[], bool], seconds: float = 5) -> None:
    # The stream's retries and its end signal nobody: look again every few milliseconds.
    async with asyncio.timeout(seconds):
        while True:
            if condition():
                return
            await asyncio.sleep(0.005)


async def test_stalled_stream_resumes_from_the_last_bookmark_without_a_list(api):
    watch = make_watch(api)
    try:
        api.objects["m"] = obj("m", 2)
        waiting = asyncio.create_task(
            watch.wait_until("ns", "m", ready, deadline=deadline(), resync_interval=60)
        )
        await watch.ensure_watching("ns")
        api.events.put_nowait(("BOOKMARK", {"metadata": {"resourceVersion": "7"}}))
        api.events.put_nowait(Stalled(0, "Stalled", "no bytes for 70 s"))
        api.emit("MODIFIED", obj("m", 8, ready=True))

        assert await waiting is True
        assert api.watched_from == ["1", "7"]
        assert api.lists == 1
    finally:
        await watch.stop()


async def test_refused_stream_logs_when_it_starts_failing_changes_reason_and_recovers(api, caplog):
    caplog.set_level(logging.INFO, logger=WATCH_LOGGER)
    watch = make_watch(api, retry_delay_s=0.001)
    watch.keep_streams_while(lambda namespace: True)  # e.g. an element followed there
    try:
        api.list_error = FORBIDDEN
        with pytest.raises(Forbidden):
            await watch.ensure_watching("ns")
        await _eventually(lambda: api.lists >= 6)
        api.list_error = ServerUnavailable(503, "Service Unavailable", "etcd leader changed")
        lists = api.lists
        await _eventually(lambda: api.lists >= lists + 2)
        api.list_error = None
        await watch.ensure_watching("ns")

        lines = [r for r in caplog.records if r.name == WATCH_LOGGER]
        assert [r.levelname for r in lines] == ["WARNING", "WARNING", "INFO"]
        assert "403" in lines[0].getMessage()
        assert "503" in lines[1].getMessage()
        assert "works again" in lines[2].getMessage()
    finally:
        await watch.stop()


async def test_refused_stream_stops_when_nothing_needs_it_any_more(api, caplog):
    caplog.set_level(logging.INFO, logger=WATCH_LOGGER)
    watch = make_watch(api, retry_delay_s=0.001)
    followed = {"ns"}
    watch.keep_streams_while(lambda namespace: namespace in followed)
    try:
        api.list_error = FORBIDDEN
        with pytest.raises(Forbidden):
            await watch.ensure_watching("ns")
        await _eventually(lambda: api.lists >= 3)
        assert watch.sizes()["watch streams"] == 1  # still needed: retried

        followed.clear()  # the element followed there was undeployed
        await _eventually(lambda: watch.sizes()["watch streams"] == 0)
        lists = api.lists
        await asyncio.sleep(0.05)  # many retry delays: none comes
        assert api.lists == lists
        assert any("stopped" in r.getMessage() for r in caplog.records)

        api.list_error = None  # RBAC granted: the next deploy there watches again
        await watch.ensure_watching("ns")
        assert watch.sizes()["watch streams"] == 1
    finally:
        await watch.stop()


async def test_one_off_wait_in_a_refused_namespace_leaves_no_stream_behind(api):
    watch = make_watch(api, retry_delay_s=0.001)
    try:
        api.list_error = FORBIDDEN
        with pytest.raises(Forbidden):
            await watch.wait_until("ns", "m", ready, deadline=deadline(), resync_interval=60)
        await _eventually(lambda: watch.sizes()["watch streams"] == 0)
    finally:
        await watch.stop()


async def test_ensure_watching_gets_a_fresh_answer_while_a_refused_stream_backs_off(api):
    watch = make_watch(api, retry_delay_s=3600)  # the next retry would be an hour away
    watch.keep_streams_while(lambda namespace: True)
    try:
        api.list_error = FORBIDDEN
        with pytest.raises(Forbidden):
            await watch.ensure_watching("ns")

        api.list_error = None  # RBAC granted meanwhile
        async with asyncio.timeout(5):
            await watch.ensure_watching("ns")
        assert api.lists == 2
    finally:
        await watch.stop()


async def test_stream_keeps_trying_through_an_outage_even_when_nothing_waits(api):
    watch = make_watch(api, retry_delay_s=0.001)
    seen: list[object] = []
    watch.subscribe(lambda key, observed: seen.append(key))  # a listener only (metrics)
    try:
        await watch.ensure_watching("ns")
        api.events.put_nowait(ServerUnavailable(0, "Unreachable", "connection refused"))
        api.list_error = ServerUnavailable(0, "Unreachable", "connection refused")
        await _eventually(lambda: api.lists >= 4)
        assert watch.sizes()["watch streams"] == 1

        api.list_error = None  # the API server is back
        api.objects["m"] = obj("m", 2)
        await _eventually(lambda: ("ns", "m") in seen)
    finally:
        await watch.stop()
