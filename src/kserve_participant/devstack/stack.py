"""The whole dev stack: Kafka, etcd, kube-apiserver, kube-controller-manager, kube-scheduler, KWOK
with one fake node, and KServe's own controller with its CRDs, config, runtimes and webhooks.

``Stack`` starts the pieces in parallel where it can (Kafka beside etcd -> kube-apiserver ->
the controllers, KWOK and KServe's manager side by side) on free 127.0.0.1 ports, and stops every
process it started: on ``stop()``, on leaving its ``with`` block, at interpreter exit and on
SIGTERM. Processes are detached into their own sessions, so ``dev up`` can leave them running and
``dev down`` (another process) can stop them by pid file.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, TypeVar

from lightkube import Client, KubeConfig

from kserve_participant.devstack import crd
from kserve_participant.devstack.apiserver import ApiServer
from kserve_participant.devstack.cache import Cache, ToolsDir
from kserve_participant.devstack.controllers import ControllerManager, Kwok, Scheduler
from kserve_participant.devstack.etcd import Etcd
from kserve_participant.devstack.info import StackInfo
from kserve_participant.devstack.kafka import KafkaBroker
from kserve_participant.devstack.kdc import Kdc, start_kdc
from kserve_participant.devstack.kserve_manager import KServeManager
from kserve_participant.devstack.kubeconfig import write_admin_kubeconfig
from kserve_participant.devstack.pki import Pki, create_pki
from kserve_participant.devstack.processes import run_together
from kserve_participant.devstack.seed import ensure_seed

__all__ = ["ArtefactsMissing", "Stack"]

Say = Callable[[str], None]
_T = TypeVar("_T")


class ArtefactsMissing(RuntimeError):
    """A binary or the Kafka jars are not in the cache yet."""


def _quiet(_: str) -> None:
    pass


class Stack:
    """One dev stack in ``run_dir`` (created; should be fresh for a fresh cluster)."""

    def __init__(
        self,
        run_dir: Path,
        *,
        cache: Cache | None = None,
        say: Say = _quiet,
        stop_at_exit: bool = True,
    ) -> None:
        """``stop_at_exit=False`` leaves the processes running after this interpreter exits
        (``dev up``); a failed ``start`` stops what it started either way."""
        self.run_dir = run_dir.resolve()
        self.cache = cache or Cache.default()
        self._say = say
        self._kafka: KafkaBroker | None = None
        self._kdc: Kdc | None = None
        self._etcd: Etcd | None = None
        self._apiserver: ApiServer | None = None
        self._controller_manager: ControllerManager | None = None
        self._scheduler: Scheduler | None = None
        self._kwok: Kwok | None = None
        self._kserve: KServeManager | None = None
        self._info: StackInfo | None = None
        self._exit_hook_registered = not stop_at_exit

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, *, kserve: bool = True, warm_up: bool = True) -> StackInfo:
        """Bring Kafka, etcd and kube-apiserver up, and (``kserve``) the cluster with KServe.

        KServe's CRDs, config and runtimes come from the cached etcd seed (made on first use, see
        ``seed``); ``warm_up`` makes one throw-away InferenceService so later creates are fast.
        """
        self._check_artefacts()
        tools = ToolsDir.locate()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if not self._exit_hook_registered:
            atexit.register(self.stop)
            _stop_on_sigterm(self)
            self._exit_hook_registered = True
        started = time.monotonic()

        def progress(event: str) -> None:
            self._say(f"{event} ({time.monotonic() - started:.1f} s)")

        pki = create_pki(self.run_dir / "pki")  # Kafka's SSL listener needs it too
        self._kdc = start_kdc(self.run_dir / "kdc")  # None when the KDC is not installed
        self._kafka = KafkaBroker(self.run_dir / "kafka", self.cache, tools, pki=pki, kdc=self._kdc)
        seed = ensure_seed(self.cache, say=self._say) if kserve else None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kafka-start") as pool:
            kafka_started = pool.submit(self._kafka.start)
            try:
                self._etcd = Etcd(self.run_dir / "etcd", self.cache.etcd_binary)
                self._etcd.start(seed=seed)
                progress(f"etcd ready at {self._etcd.url}")
                self._apiserver = ApiServer(
                    self.run_dir / "apiserver",
                    self.cache.kube_apiserver_binary,
                    pki,
                    self._etcd.url,
                )
                self._apiserver.start()
                progress(f"kube-apiserver ready at {self._apiserver.url}")
                kubeconfig = write_admin_kubeconfig(
                    self.run_dir / "kubeconfig", server=self._apiserver.url, pki=pki
                )
                if kserve:
                    self._start_cluster(pki, kubeconfig, tools, warm_up=warm_up, progress=progress)
                kafka_started.result()
                progress(f"kafka ready at {self._kafka.bootstrap}")
                self._info = self._describe(pki, kubeconfig)
            except BaseException:
                _settle(kafka_started)
                self.stop()
                raise
        return self._info

    def stop(self) -> None:
        """Stop every process this stack started; safe to call twice."""
        # Each takes seconds to shut down: stop them together, etcd last (the API server needs it).
        daemons = (self._kserve, self._kwok, self._scheduler, self._controller_manager)
        run_together(
            self._stop_kafka_quietly,
            self._stop_apiserver_quietly,
            *(daemon.stop for daemon in daemons if daemon is not None),
        )
        if self._etcd is not None:
            self._etcd.stop()
        if self._kdc is not None:
            self._kdc.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what clients need -----------------------------------------------------------------

    @property
    def info(self) -> StackInfo:
        if self._info is None:
            raise RuntimeError("the stack is not started")
        return self._info

    def admin_client(self) -> Client:
        """A synchronous lightkube client with the admin kubeconfig (close it after use)."""
        return _admin_client(self.info.kubeconfig)

    def pids(self) -> dict[str, int]:
        """Pids of the stack's processes that run now, by component name."""
        running: dict[str, int] = {}
        for name, process in (
            ("kafka", self._kafka.process if self._kafka else None),
            ("etcd", self._etcd.process if self._etcd else None),
            ("kube-apiserver", self._apiserver.process if self._apiserver else None),
            *(
                (daemon.name, daemon.process)
                for daemon in (self._controller_manager, self._scheduler, self._kwok)
                if daemon is not None
            ),
            ("kserve-manager", self._kserve.process if self._kserve else None),
            ("krb5kdc", self._kdc.process if self._kdc else None),
        ):
            if process is not None and process.alive():
                running[name] = process.pid
        return running

    # -- restarts, for reconnection tests --------------------------------------------------

    def stop_kafka(self) -> None:
        self._component(self._kafka).stop()

    def start_kafka(self) -> None:
        """Start the stopped broker again on the same ports, with the same data."""
        self._component(self._kafka).restart()

    def stop_apiserver(self) -> None:
        self._component(self._apiserver).stop()

    def start_apiserver(self) -> None:
        """Start the stopped API server again on the same port; etcd kept the data."""
        self._component(self._apiserver).restart()

    # -- KServe's controller, for slow deletes -------------------------------------------

    def pause_kserve(self) -> None:
        """Hold KServe's manager (SIGSTOP): nothing is reconciled, finalizers stay."""
        self._component(self._kserve).pause()

    def resume_kserve(self) -> None:
        self._component(self._kserve).resume()

    # -- internals -------------------------------------------------------------------------

    def _start_cluster(
        self, pki: Pki, kubeconfig: Path, tools: ToolsDir, *, warm_up: bool, progress: Say
    ) -> None:
        """Controllers, scheduler, KWOK and KServe's manager, started side by side."""
        cache = self.cache
        self._controller_manager = ControllerManager(
            "kube-controller-manager",
            cache.kube_controller_manager_binary,
            self.run_dir / "kube-controller-manager",
            kubeconfig,
        )
        self._scheduler = Scheduler(
            "kube-scheduler",
            cache.kube_scheduler_binary,
            self.run_dir / "kube-scheduler",
            kubeconfig,
        )
        self._kwok = Kwok(
            "kwok", cache.kwok_binary, self.run_dir / "kwok", kubeconfig, stages=tools.kwok_stages
        )
        self._kserve = KServeManager(
            cache.kserve_manager_binary,
            self.run_dir / "kserve-manager",
            kubeconfig,
            cache.kserve_config,
            pki,
        )
        self._controller_manager.start()
        self._scheduler.start()
        self._kwok.start()
        with _admin_client(kubeconfig) as client:
            crd.wait_established(client)
            progress("KServe's CRDs established")
            manager, kwok, controllers = self._kserve, self._kwok, self._controller_manager
            run_together(
                manager.start,
                lambda: kwok.add_node(client),
                lambda: controllers.wait_ready(client),
            )
            self._scheduler.check_alive()
            progress("controllers running, fake node Ready, KServe's manager ready")
            manager.register_webhooks(client)
            progress(f"KServe's webhooks registered at {manager.webhook_url}")
            if warm_up:
                crd.warm_up(client)
                progress("InferenceService schema warmed up")

    def _check_artefacts(self) -> None:
        missing = [
            str(path)
            for path in (self.cache.kafka_lib, *self.cache.binaries, self.cache.kserve_config)
            if not path.exists()
        ]
        if missing:
            raise ArtefactsMissing(
                "not built yet: " + ", ".join(missing) + " (run `kserve-participant dev build`)"
            )

    def _describe(self, pki: Pki, kubeconfig: Path) -> StackInfo:
        assert self._kafka is not None
        assert self._apiserver is not None
        return StackInfo(
            kafka_bootstrap=self._kafka.bootstrap,
            kafka_sasl_bootstrap=self._kafka.sasl_bootstrap,
            scram_username=self._kafka.scram_username,
            scram_password=self._kafka.scram_password,
            api_server=self._apiserver.url,
            kubeconfig=kubeconfig,
            ca_file=pki.ca_cert.resolve(),
            admin_token=pki.admin_token,
            participant_token=pki.participant_token,
            run_dir=self.run_dir,
            kafka_ssl_bootstrap=self._kafka.ssl_bootstrap,
            kafka_ssl_ca_file=pki.ca_cert.resolve(),
            kafka_ssl_client_cert=pki.kafka_client_cert.resolve(),
            kafka_ssl_client_key=pki.kafka_client_key.resolve(),
            kafka_sasl_ssl_bootstrap=self._kafka.sasl_ssl_bootstrap,
            **self._kerberos_info(),
            audit_log=self._apiserver.audit_log,
        )

    def _kerberos_info(self) -> dict[str, Any]:
        if self._kdc is None or self._kafka is None:
            return {}
        login = self._kdc.participant
        return {
            "kafka_gssapi_bootstrap": self._kafka.gssapi_bootstrap,
            "krb5_config": self._kdc.krb5_conf.resolve(),
            "kerberos_principal": login.principal,
            "kerberos_keytab": login.keytab.resolve(),
        }

    def _stop_kafka_quietly(self) -> None:
        if self._kafka is not None:
            self._kafka.stop()

    def _stop_apiserver_quietly(self) -> None:
        if self._apiserver is not None:
            self._apiserver.stop()

    @staticmethod
    def _component(component: _T | None) -> _T:
        if component is None:
            raise RuntimeError("the stack is not started")
        return component


def _stop_on_sigterm(stack: Stack) -> None:
    """On SIGTERM stop the stack, then carry on as the previous handler would (by default: die).

    atexit alone is not enough: the default SIGTERM action ends Python without running it.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum: int, frame: FrameType | None) -> None:
        stack.stop()
        signal.signal(signal.SIGTERM, previous)
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, handler)


def _admin_client(kubeconfig: Path) -> Client:
    return Client(KubeConfig.from_file(kubeconfig), field_manager=crd.FIELD_MANAGER)


def _settle(future: Future[None]) -> None:
    """Wait for a start running in another thread to finish (either way) so it can be stopped."""
    # Its own error, if any, is secondary to the one being raised.
    with contextlib.suppress(BaseException):
        future.result()
