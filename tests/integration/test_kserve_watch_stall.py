"""Live status survives a watch connection that dies silently.

The participant's watch streams sit behind a relay (``netfaults.SilencingProxy``); once it
silences every open connection, nothing tells the participant that its streams are dead. A
stream with no read timeout then waits forever, and an InferenceService deleted meanwhile is
never reported. With the read timeout (server timeout + margin; a small server timeout here so
that it fires soon) the stream is re-opened from its last resourceVersion and the deletion
reaches the live status. A second test freezes the API server itself (SIGSTOP) until the stream
gives up on its connection, thaws it, and checks that the next change still arrives.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
import yaml

from acm_participant.testing import element_context
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.resources import DEPLOYMENTS, InferenceServiceResource
from kserve_participant.k8s.watch import InferenceServiceWatch, WatchSettings
from kserve_participant.kserve.handler import HandlerSettings, KServeElementHandler
from kserve_participant.kserve.waiting import ISVC_LABEL
from tests.integration.kserve_support import MANAGED_SELECTOR, RecordingReporter, element, entity
from tests.integration.netfaults import SilencingProxy
from tests.integration.test_kserve_lifecycle import states_of

pytestmark = pytest.mark.integration

SERVER_TIMEOUT_S = 2


def _through(kubeconfig: Path, port: int, directory: Path) -> Path:
    """The kubeconfig with its server replaced by the relay (the API server's certificate
    names 127.0.0.1, which the relay listens on too)."""
    config = yaml.safe_load(kubeconfig.read_text())
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = f"https://127.0.0.1:{port}"
    proxied = directory / "kubeconfig-proxied"
    proxied.write_text(yaml.safe_dump(config))
    return proxied


async def test_live_status_reports_a_deletion_made_after_the_watch_connection_went_silent(
    stack: Any, namespace: str, tmp_path: Path
) -> None:
    api = urlsplit(stack.info.api_server)
    assert api.hostname is not None
    assert api.port is not None
    async with SilencingProxy(api.hostname, api.port) as proxy:
        kubeconfig = _through(stack.info.kubeconfig, proxy.port, tmp_path)
        client = K8sClient.from_kubeconfig(kubeconfig, InferenceServiceResource())
        watch = InferenceServiceWatch(
            client, WatchSettings(labels=MANAGED_SELECTOR, server_timeout_s=SERVER_TIMEOUT_S)
        )
        deployments = InferenceServiceWatch(
            client.for_resource(DEPLOYMENTS),
            WatchSettings(labels={ISVC_LABEL: None}, server_timeout_s=SERVER_TIMEOUT_S),
        )
        handler = KServeElementHandler(
            client=client,
            watch=watch,
            settings=HandlerSettings(uuid4()),
            deployments=deployments,
        )
        reporter = RecordingReporter()
        await handler.start(reporter)
        try:
            composition, instance = element(entity("silenced", namespace))
            await handler.deploy(element_context(composition, instance))
            await reporter.info_matching(lambda r: states_of(r).get("silenced") == "Ready")

            assert proxy.silence() >= 1  # the watch streams' connections, at least
            admin = K8sClient.from_kubeconfig(stack.info.kubeconfig, InferenceServiceResource())
            try:
                await admin.delete(namespace, "silenced")
            finally:
                await admin.close()

            report = await reporter.info_matching(
                lambda r: states_of(r).get("silenced") == "Gone", within=90
            )
            assert report.instance_id == instance.instance_id
        finally:
            await handler.stop()
            await client.close()


async def test_watch_delivers_a_change_after_a_freeze_that_outlasted_its_read_timeout(
    stack: Any, namespace: str
) -> None:
    """The API server frozen (SIGSTOP) until the stream gave up on its connection, then thawed:
    the stream re-opens (its re-watch waited out the freeze) and the next change arrives."""
    gave_up = asyncio.Event()

    def on_request(verb: str, code: int) -> None:
        if (verb, code) == ("watch", 0):  # a watch request that got no answer
            gave_up.set()

    client = K8sClient.from_kubeconfig(
        stack.info.kubeconfig, InferenceServiceResource(), on_request=on_request
    )
    watch = InferenceServiceWatch(
        client, WatchSettings(labels=MANAGED_SELECTOR, server_timeout_s=SERVER_TIMEOUT_S)
    )
    heard: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    watch.subscribe(lambda key, seen: heard.put_nowait(key) if seen.exists else None)
    try:
        await watch.ensure_watching(namespace)
        apiserver = stack.pids()["kube-apiserver"]
        os.kill(apiserver, signal.SIGSTOP)
        try:
            async with asyncio.timeout(120):
                await gave_up.wait()
        finally:
            os.kill(apiserver, signal.SIGCONT)

        body = json.loads(entity("thawed", namespace)["payload"])
        body["metadata"] |= {"namespace": namespace, "labels": MANAGED_SELECTOR}
        admin = K8sClient.from_kubeconfig(stack.info.kubeconfig, InferenceServiceResource())
        try:
            await admin.apply(body)
        finally:
            await admin.close()
        async with asyncio.timeout(90):
            while await heard.get() != (namespace, "thawed"):
                pass
    finally:
        await watch.stop()
        await client.close()
