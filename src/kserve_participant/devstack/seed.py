"""A cached etcd data directory that already holds KServe's CRDs, its ConfigMap and its serving
runtimes, so a stack starts without installing them.

Installing the 2 MB CRD into a live API server is the slowest step of a warm start (3 s on a quiet
machine, 25 s when the two cores are busy) and leaves kube-apiserver at about 620 MB RSS. An API
server started on etcd data that already holds the Established CRD serves it about a second after
``/readyz``, at about 400 MB RSS. The seed is made once per etcd/kube-apiserver version and CRD
content (keyed by them), by a throw-away etcd + kube-apiserver pair, and copied into each new run.
Nothing in it depends on the PKI or the ports of the run that made it.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from lightkube import Client, KubeConfig

from kserve_participant.devstack import crd
from kserve_participant.devstack.apiserver import ApiServer
from kserve_participant.devstack.cache import (
    ETCD_VERSION,
    KSERVE_VERSION,
    KUBE_APISERVER_VERSION,
    Cache,
)
from kserve_participant.devstack.etcd import Etcd
from kserve_participant.devstack.kubeconfig import write_admin_kubeconfig
from kserve_participant.devstack.pki import create_pki

__all__ = ["ensure_seed", "seed_path"]

_SEED_FORMAT = "3"  # 3: the Service IP range is a /16


def seed_path(cache: Cache) -> Path:
    digest = hashlib.sha256(crd.packaged_crd_path().read_bytes() + _SEED_FORMAT.encode())
    key = (
        f"etcd-{ETCD_VERSION}-kube-apiserver-{KUBE_APISERVER_VERSION}-kserve-{KSERVE_VERSION}"
        f"-{digest.hexdigest()[:12]}"
    )
    return cache.root / "seed" / key


def ensure_seed(cache: Cache, *, say: Callable[[str], None]) -> Path:
    """The seed directory, made first if absent. Safe when several processes race to make it."""
    target = seed_path(cache)
    if target.is_dir():
        say(f"etcd seed with the CRD: cached at {target}")
        return target
    say(
        "seeding etcd with KServe's CRDs, config and serving runtimes (once per version), "
        "about 10-30 seconds..."
    )
    started = time.monotonic()
    work = target.parent / f".making-{secrets.token_hex(4)}"
    etcd = Etcd(work / "etcd", cache.etcd_binary)
    apiserver: ApiServer | None = None
    try:
        pki = create_pki(work / "pki")
        etcd.start()
        apiserver = ApiServer(work / "apiserver", cache.kube_apiserver_binary, pki, etcd.url)
        apiserver.start()
        kubeconfig = write_admin_kubeconfig(work / "kubeconfig", server=apiserver.url, pki=pki)
        with Client(KubeConfig.from_file(kubeconfig), field_manager=crd.FIELD_MANAGER) as client:
            crd.install_kserve(client, cache.kserve_config)
            crd.warm_up(client)
        apiserver.stop()
        etcd.stop()
        try:
            (work / "etcd" / "data").rename(target)
        except OSError:
            if not target.is_dir():  # not a lost race with another process: a real failure
                raise
    finally:
        if apiserver is not None:
            apiserver.stop()
        etcd.stop()
        shutil.rmtree(work, ignore_errors=True)
    say(f"etcd seed ready in {time.monotonic() - started:.1f} s at {target}")
    return target
