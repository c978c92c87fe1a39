"""Daemon handling: detached start, pid files, stop by group, refusal to signal a stranger."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kserve_participant.devstack.processes import (
    DaemonDied,
    free_ports,
    is_alive,
    pid_file_alive,
    retry_on_port_clash,
    run_together,
    spawn,
    stop_pid,
    stop_pid_file,
    wait_until,
)

SLEEPER = "import signal, sys; signal.pause()  # {tag}"


def _sleeper(tmp_path, tag: str = "sleeper-one"):
    return spawn(
        "sleeper",
        [sys.executable, "-c", SLEEPER.format(tag=tag)],
        run_dir=tmp_path,
        log_path=tmp_path / "sleeper.log",
        marker=tag,
    )


def test_spawned_daemon_leads_its_own_session_when_started(tmp_path):
    process = _sleeper(tmp_path)
    try:
        stat = Path(f"/proc/{process.pid}/stat").read_text()
        session_id = int(stat.rsplit(")", 1)[1].split()[3])
        assert session_id == process.pid
    finally:
        process.stop()


def test_stop_pid_file_ends_daemon_when_recorded_by_another_process(tmp_path):
    process = _sleeper(tmp_path)
    pid_file = tmp_path / "sleeper.pid"
    # The command line (with the marker) appears a moment after Popen returns.
    wait_until(lambda: pid_file_alive(pid_file), process=process, what="exec", timeout=30)

    assert stop_pid_file(pid_file) is True

    process.popen.wait(timeout=10)  # reap: this test process is its parent
    assert not is_alive(process.pid)
    assert not pid_file.exists()


def test_stop_pid_file_does_nothing_when_daemon_is_already_gone(tmp_path):
    process = _sleeper(tmp_path)
    process.stop()

    assert stop_pid_file(tmp_path / "sleeper.pid") is False


def test_stop_pid_leaves_process_alone_when_marker_does_not_match(tmp_path):
    process = _sleeper(tmp_path, tag="the-real-one")
    try:
        wait_until(
            lambda: pid_file_alive(tmp_path / "sleeper.pid"),
            process=process,
            what="exec",
            timeout=30,
        )
        assert stop_pid(process.pid, marker="someone-else") is False
        assert process.alive()
    finally:
        process.stop()


def test_spawn_refuses_marker_when_absent_from_command_line(tmp_path):
    with pytest.raises(ValueError, match="marker"):
        spawn("x", ["true"], run_dir=tmp_path, log_path=tmp_path / "x.log", marker="nowhere")


def test_wait_until_quotes_log_when_daemon_exits_before_ready(tmp_path):
    process = spawn(
        "crasher",
        [sys.executable, "-c", "print('port is taken'); raise SystemExit(3)  # crasher"],
        run_dir=tmp_path,
        log_path=tmp_path / "crasher.log",
        marker="crasher",
    )

    with pytest.raises(DaemonDied, match="port is taken"):
        wait_until(lambda: False, process=process, what="readiness", timeout=60)


def test_free_ports_are_distinct_when_several_are_asked():
    ports = free_ports(5)

    assert len(set(ports)) == 5
    assert all(1024 < port < 65536 for port in ports)


def test_run_together_runs_every_action_and_reraises_failure_when_one_fails():
    done: list[str] = []

    def fail() -> None:
        raise ValueError("broken stop")

    with pytest.raises(ValueError, match="broken stop"):
        run_together(lambda: done.append("a"), fail, lambda: done.append("b"))

    assert sorted(done) == ["a", "b"]


def test_managed_process_stops_when_stopped_right_after_spawn(tmp_path):
    process = _sleeper(tmp_path)

    process.stop()

    assert not process.alive()


def _dies_first(times: int, log: Path, line: str) -> tuple[list[int], Callable[[], None]]:
    launches: list[int] = []

    def launch() -> None:
        launches.append(len(launches) + 1)
        if len(launches) <= times:
            log.write_text(line)
            raise DaemonDied("exited")

    return launches, launch


def test_retry_on_port_clash_launches_again_when_the_log_says_the_port_was_taken(tmp_path):
    log = tmp_path / "daemon.log"
    launches, launch = _dies_first(2, log, "listen tcp: bind: Address already in use\n")

    retry_on_port_clash(launch, log)

    assert launches == [1, 2, 3]


def test_retry_on_port_clash_gives_up_when_the_daemon_died_for_another_reason(tmp_path):
    log = tmp_path / "daemon.log"
    launches, launch = _dies_first(1, log, "fatal: bad flag\n")

    with pytest.raises(DaemonDied):
        retry_on_port_clash(launch, log)

    assert launches == [1]


def test_retry_on_port_clash_gives_up_after_the_last_attempt_when_ports_keep_clashing(tmp_path):
    log = tmp_path / "daemon.log"
    launches, launch = _dies_first(5, log, "address already in use\n")

    with pytest.raises(DaemonDied):
        retry_on_port_clash(launch, log, attempts=3)

    assert launches == [1, 2, 3]
