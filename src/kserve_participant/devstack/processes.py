"""Start and stop the stack's daemons as process groups of their own, tracked by pid files.

Each daemon is a session leader (``start_new_session=True``), so a Ctrl-C in the terminal does not
reach it half-way and a stop can signal its whole group. Stopping is SIGTERM, up to 10 s of grace,
then SIGKILL. Before signalling a pid read back from a file we check its command line, so a recycled
pid never gets a signal meant for one of our daemons.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DaemonDied",
    "ManagedProcess",
    "free_ports",
    "is_alive",
    "log_tail",
    "pid_file_alive",
    "read_pid_file",
    "retry_on_port_clash",
    "run_together",
    "spawn",
    "stop_pid",
    "stop_pid_file",
    "wait_until",
]

STOP_GRACE_SECONDS = 10.0
_POLL_SECONDS = 0.05


class DaemonDied(RuntimeError):
    """A daemon exited, or never became ready, while the stack was waiting for it."""


@dataclass
class ManagedProcess:
    """One running daemon; ``popen`` is set when this process started it (so it can reap it)."""

    name: str
    pid: int
    log_path: Path
    pid_file: Path
    marker: str
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        return is_alive(self.pid)

    def stop(self, *, grace: float = STOP_GRACE_SECONDS) -> None:
        stop_pid(self.pid, marker=self.marker, grace=grace, popen=self.popen)
        self.pid_file.unlink(missing_ok=True)


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    run_dir: Path,
    log_path: Path,
    marker: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ManagedProcess:
    """Start ``argv`` detached in its own session, output appended to ``log_path``.

    ``marker`` is a string unique to this daemon's command line (e.g. its data directory).
    ``<run_dir>/<name>.pid`` records pid and marker, for ``stop_pid_file`` in another process.
    """
    if marker not in " ".join(argv):
        raise ValueError(f"marker {marker!r} does not occur in the command line of {name}")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        popen = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
    pid_file = run_dir / f"{name}.pid"
    pid_file.write_text(f"{popen.pid}\n{marker}\n")
    return ManagedProcess(
        name=name,
        pid=popen.pid,
        log_path=log_path,
        pid_file=pid_file,
        marker=marker,
        popen=popen,
    )


def is_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def _command_line(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except (FileNotFoundError, ProcessLookupError):
        return ""


def stop_pid(
    pid: int,
    *,
    marker: str,
    grace: float = STOP_GRACE_SECONDS,
    popen: subprocess.Popen[bytes] | None = None,
) -> bool:
    """SIGTERM the group led by ``pid``, SIGKILL after ``grace`` seconds; True if it was running.

    Without ``popen`` (a pid read from a file), ``marker`` must occur in the process's command
    line, else it is left alone (pid reused). With ``popen`` the pid cannot have been reused (it
    is not reaped yet), and the command line may still be empty right after the start: the
    kernel fills it in a moment after ``Popen`` returns.
    """
    if popen is not None:
        if popen.poll() is not None:
            return False
    elif not is_alive(pid) or marker not in _command_line(pid):
        return False
    _signal_group(pid, signal.SIGTERM)
    if not _wait_gone(pid, grace, popen):
        _signal_group(pid, signal.SIGKILL)
        _wait_gone(pid, grace, popen)
    return True


def read_pid_file(pid_file: Path) -> tuple[int, str] | None:
    """``(pid, marker)`` as written by ``spawn``, or None when absent or unreadable."""
    try:
        pid_text, marker = pid_file.read_text().splitlines()[:2]
        return int(pid_text), marker
    except (FileNotFoundError, ValueError):
        return None


def pid_file_alive(pid_file: Path) -> bool:
    """True while the daemon recorded in ``pid_file`` still runs."""
    recorded = read_pid_file(pid_file)
    if recorded is None:
        return False
    pid, marker = recorded
    return is_alive(pid) and marker in _command_line(pid)


def stop_pid_file(pid_file: Path, *, grace: float = STOP_GRACE_SECONDS) -> bool:
    """Stop the daemon recorded in ``pid_file`` (if it still runs) and remove the file."""
    recorded = read_pid_file(pid_file)
    if recorded is None:
        pid_file.unlink(missing_ok=True)
        return False
    pid, marker = recorded
    stopped = stop_pid(pid, marker=marker, grace=grace)
    pid_file.unlink(missing_ok=True)
    return stopped


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)


def _wait_gone(pid: int, timeout: float, popen: subprocess.Popen[bytes] | None) -> bool:
    if popen is not None:
        try:
            popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + timeout
    while is_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)
    return True


def wait_until(
    ready: Callable[[], bool],
    *,
    process: ManagedProcess,
    what: str,
    timeout: float,
) -> None:
    """Poll ``ready`` until it holds; fail early, quoting the log, if ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return
        if not process.alive():
            raise DaemonDied(
                f"{process.name} exited before {what}; last log lines of {process.log_path}:\n"
                + log_tail(process.log_path)
            )
        if time.monotonic() >= deadline:
            raise DaemonDied(
                f"{process.name}: no {what} after {timeout:.0f} s; last log lines of "
                f"{process.log_path}:\n" + log_tail(process.log_path)
            )
        time.sleep(_POLL_SECONDS)


def run_together(*actions: Callable[[], None]) -> None:
    """Run ``actions`` in parallel threads and wait for all; re-raise the first failure.

    Falls back to one after the other when threads cannot start (interpreter shutting down, as
    in an atexit hook), so a stop still happens.
    """
    failures: list[BaseException] = []

    def guarded(action: Callable[[], None]) -> None:
        try:
            action()
        except BaseException as error:  # re-raised in the caller's thread below
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(action,), daemon=True) for action in actions]
    try:
        for thread in threads:
            thread.start()
    except RuntimeError:
        for action, thread in zip(actions, threads, strict=True):
            if thread.ident is None:
                guarded(action)
    for thread in threads:
        if thread.ident is not None:
            thread.join()
    if failures:
        raise failures[0]


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def resident_kib(pid: int) -> int:
    """Resident memory (VmRSS) of a running process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ProcessLookupError(f"no VmRSS for pid {pid}")


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports that were free on 127.0.0.1 a moment ago."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def retry_on_port_clash(launch: Callable[[], None], log_path: Path, *, attempts: int = 3) -> None:
    """Run ``launch`` (take free ports, start a daemon on them) again when the daemon died because
    another process bound one of its ports between ``free_ports`` and the daemon's own bind."""
    for attempt in range(1, attempts + 1):
        try:
            launch()
            return
        except DaemonDied:
            if attempt == attempts or not _port_was_taken(log_path):
                raise


def _port_was_taken(log_path: Path) -> bool:
    try:
        text = log_path.read_text(errors="replace")
    except FileNotFoundError:
        return False
    return "address already in use" in text.lower()
