"""What kube-apiserver sends on idle watch streams that ask for bookmarks.

The participant's watch read timeout (docs/kserve.md, "Watch streams") rests on what an idle
stream receives. This bench starts the stack's etcd and kube-apiserver (no KServe), opens
Deployment watches through the participant's client (``allowWatchBookmarks=true``) on a label
nothing carries, one per ``timeoutSeconds`` value, and prints every event (BOOKMARKs: nothing
else happens) with its time since the watches started.

    .venv/bin/python -m bench.watch_bookmarks [--seconds 420] [--timeouts 60 290 1800]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from kserve_participant.devstack import Stack
from kserve_participant.k8s.client import K8sClient
from kserve_participant.k8s.resources import DEPLOYMENTS


async def _follow(kubeconfig: Path, server_timeout: int, started: float) -> None:
    client = K8sClient.from_kubeconfig(kubeconfig, DEPLOYMENTS)
    try:
        listing = await client.list("default", labels={"bench": "idle"})
        stream = client.watch(
            "default",
            resource_version=listing.resource_version,
            labels={"bench": "idle"},
            server_timeout=server_timeout,
        )
        async for event_type, obj in stream:
            version = obj.get("metadata", {}).get("resourceVersion")
            at = time.monotonic() - started
            print(f"timeoutSeconds={server_timeout:5d} t={at:7.1f} s {event_type} rv={version}")
    finally:
        await client.close()


async def _main(seconds: float, timeouts: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-bookmarks-") as directory:
        stack = Stack(Path(directory))
        info = stack.start(kserve=False)
        try:
            print(f"kube-apiserver at {info.api_server}; watching for {seconds:.0f} s")
            started = time.monotonic()
            tasks = [
                asyncio.create_task(_follow(info.kubeconfig, timeout, started))
                for timeout in timeouts
            ]
            done, _ = await asyncio.wait(tasks, timeout=seconds)
            for task in tasks:
                task.cancel()
            for task in done:
                task.result()  # a stream that failed says why
        finally:
            stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=420.0)
    parser.add_argument("--timeouts", type=int, nargs="+", default=[60, 290, 1800])
    args = parser.parse_args()
    asyncio.run(_main(args.seconds, args.timeouts))


if __name__ == "__main__":
    main()
