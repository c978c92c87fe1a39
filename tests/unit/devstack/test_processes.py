"""Daemon handling: detached start, pid files, stop by group, refusal to signal a stranger."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kserve_participant.devstack.processes import (
    DaemonDied,
    free_ports,
    is_alive,
    pid_file_alive,
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
