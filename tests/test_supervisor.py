"""The cluster's supervisor (deploy/cluster.py) on stand-in processes and a stand-in probe,
and the cluster itself starting and stopping.

Real processes (`sleep`), so exits and kills are real; the health probe is a switch, so a
hang is whatever the test says it is.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.harness.server import free_port, wait_healthy
from deploy.cluster import NGINX, ROOT, Supervisor


class Probe:
    def __init__(self) -> None:
        self.answering: set[int] = set()

    def __call__(self, port: int) -> bool:
        return port in self.answering


def sleeper(_port: int) -> subprocess.Popen:
    return subprocess.Popen(["sleep", "60"])


def check_until(supervisor: Supervisor, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while len(supervisor.restarts) < count:
        assert time.monotonic() < deadline, supervisor.restarts
        supervisor.check()
        time.sleep(0.01)


def test_an_exited_process_is_started_again() -> None:
    supervisor = Supervisor([1, 2], sleeper, probe=None)
    try:
        first = supervisor.processes[1]
        first.kill()
        first.wait()
        check_until(supervisor, 1)
        assert [(r.port, r.reason) for r in supervisor.restarts] == [(1, "exited")]
        assert supervisor.processes[1] is not first and supervisor.processes[1].poll() is None
    finally:
        supervisor.stop()


def test_a_silent_process_is_killed_and_replaced_but_an_answering_one_is_kept() -> None:
    probe = Probe()
    probe.answering = {1, 2}
    supervisor = Supervisor(
        [1, 2], sleeper, probe=probe, hang_after=0.3, boot_within=60, probe_every=0
    )
    try:
        for _ in range(20):  # 0.4 s of answers: nobody is replaced
            supervisor.check()
            time.sleep(0.02)
        assert supervisor.restarts == []
        silent = supervisor.processes[2]
        probe.answering = {1}
        check_until(supervisor, 1)
        assert [(r.port, r.reason) for r in supervisor.restarts] == [(2, "hung")]
        assert silent.poll() is not None  # killed, not left beside its replacement
        # The replacement has boot_within to answer: silence right after a start is no hang.
        for _ in range(40):
            supervisor.check()
            time.sleep(0.02)
        assert len(supervisor.restarts) == 1
    finally:
        supervisor.stop()


def test_a_process_that_never_answers_is_replaced_after_boot_within() -> None:
    supervisor = Supervisor(
        [1], sleeper, probe=Probe(), hang_after=60, boot_within=0.3, probe_every=0
    )
    try:
        started = time.monotonic()
        check_until(supervisor, 1)
        assert time.monotonic() - started >= 0.3
        assert supervisor.restarts[0].reason == "hung"
    finally:
        supervisor.stop()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_the_cluster_removes_its_temporary_folder_when_it_stops(stop_signal: int) -> None:
    """`make cluster` (deploy/cluster.py) serving through nginx, then Ctrl-C or SIGTERM: its
    processes end and the folder of nginx's configuration and the logs is gone."""
    if NGINX is None:
        pytest.skip("nginx is not installed (make nginx)")
    port = free_port()
    script = str(ROOT / "deploy" / "cluster.py")
    cluster = subprocess.Popen(
        [sys.executable, script, "--processes", "1", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first_line = cluster.stdout.readline()
        found = re.search(r"logs in ([^\s)]+)", first_line)
        assert found, first_line
        prefix = Path(found[1])
        assert (prefix / "nginx.conf").exists()
        wait_healthy(f"http://127.0.0.1:{port}", cluster)  # an app process answers through nginx
        cluster.send_signal(stop_signal)
        assert cluster.wait(timeout=30) == 0
    finally:
        if cluster.poll() is None:
            cluster.kill()
            cluster.wait()
    assert not prefix.exists()
    for served in (port, port + 1):  # nginx and the app process are gone with it
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", served)) != 0
