"""`dev down`/`dev status` bookkeeping: pid files under `.dev/run`, found and stopped by name."""

from __future__ import annotations

import sys

from kserve_participant.devstack.processes import pid_file_alive, spawn, wait_until
from kserve_participant.devstack.session import DevSession


def _fake_component(run_dir, subdirectory: str, name: str):
    directory = run_dir / subdirectory
    directory.mkdir(parents=True)
    marker = f"fake-{name}-{id(directory)}"
    process = spawn(
        name,
        [sys.executable, "-c", f"import signal; signal.pause()  # {marker}"],
        run_dir=directory,
        log_path=directory / f"{name}.log",
        marker=marker,
    )
    pid_file = directory / f"{name}.pid"
    wait_until(lambda: pid_file_alive(pid_file), process=process, what="exec", timeout=30)
    return process


def test_down_does_nothing_when_nothing_was_started(tmp_path):
    session = DevSession(tmp_path)

    assert session.down() == []
    assert session.down() == []
    assert not session.is_up()
    assert set(session.running().values()) == {None}


def test_down_stops_every_recorded_component_when_some_still_run(tmp_path):
    session = DevSession(tmp_path)
    etcd = _fake_component(session.run_dir, "etcd", "etcd")
    kafka = _fake_component(session.run_dir, "kafka", "kafka")

    running = session.running()
    assert running["etcd"] == etcd.pid
    assert running["kafka"] == kafka.pid
    assert running["kube-apiserver"] is None

    assert session.down() == ["kafka", "etcd"]
    for process in (etcd, kafka):
        assert process.popen is not None
        process.popen.wait(timeout=10)  # reap: this test process is their parent
    assert set(session.running().values()) == {None}


def test_is_up_is_false_when_a_component_is_missing(tmp_path):
    session = DevSession(tmp_path)
    process = _fake_component(session.run_dir, "etcd", "etcd")
    session.state_dir.mkdir(exist_ok=True)
    session.info_file.write_text("{}")
    try:
        assert not session.is_up()
    finally:
        process.stop()


def test_down_stops_the_kdc_too_when_the_stack_started_one(tmp_path):
    session = DevSession(tmp_path)
    etcd = _fake_component(session.run_dir, "etcd", "etcd")
    kdc = _fake_component(session.run_dir, "kdc", "krb5kdc")

    assert session.running()["krb5kdc"] == kdc.pid
    assert session.down() == ["etcd", "krb5kdc"]
    for process in (etcd, kdc):
        assert process.popen is not None
        process.popen.wait(timeout=10)
    assert "krb5kdc" not in DevSession(tmp_path / "fresh").running()
