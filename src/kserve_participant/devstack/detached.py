"""Find and stop a stack left running by ``dev up``, from another process, through its pid files.

Order matters on the way down: the stand-in, Kafka and the API server first (together, as each
takes seconds to shut down), etcd last (the API server would otherwise spend its shutdown
retrying a vanished etcd).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kserve_participant.devstack.processes import (
    pid_file_alive,
    read_pid_file,
    run_together,
    stop_pid_file,
)

__all__ = ["COMPONENTS", "component_pids", "stop_components"]

COMPONENTS: tuple[tuple[str, str], ...] = (
    ("kserve-manager", "kserve-manager/kserve-manager.pid"),
    ("kwok", "kwok/kwok.pid"),
    ("kube-scheduler", "kube-scheduler/kube-scheduler.pid"),
    ("kube-controller-manager", "kube-controller-manager/kube-controller-manager.pid"),
    ("kafka", "kafka/kafka.pid"),
    ("kube-apiserver", "apiserver/kube-apiserver.pid"),
    ("etcd", "etcd/etcd.pid"),
)
# Started only where its tools are installed; stopped with the first group when it runs.
OPTIONAL_COMPONENTS: tuple[tuple[str, str], ...] = (("krb5kdc", "kdc/krb5kdc.pid"),)


def component_pids(run_dir: Path) -> dict[str, int | None]:
    """Each component's pid while it runs, None when it does not (optional components only
    when they were started)."""
    result: dict[str, int | None] = {}
    started = [c for c in OPTIONAL_COMPONENTS if (run_dir / c[1]).is_file()]
    for name, relative in (*COMPONENTS, *started):
        pid_file = run_dir / relative
        recorded = read_pid_file(pid_file)
        result[name] = recorded[0] if recorded and pid_file_alive(pid_file) else None
    return result


def stop_components(run_dir: Path) -> list[str]:
    """Stop whatever still runs; returns the names of the components that were stopped."""
    *first, (last_name, last_file) = COMPONENTS
    names: list[str] = []

    def stopper(name: str, pid_file: Path) -> Callable[[], None]:
        def stop() -> None:
            if stop_pid_file(pid_file):
                names.append(name)

        return stop

    together = [*first, *OPTIONAL_COMPONENTS]
    run_together(*(stopper(name, run_dir / relative) for name, relative in together))
    stopper(last_name, run_dir / last_file)()
    return [name for name, _ in (*COMPONENTS, *OPTIONAL_COMPONENTS) if name in names]
