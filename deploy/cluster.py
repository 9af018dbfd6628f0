"""Serve the app from several processes behind nginx on one machine, with one command.

    python deploy/cluster.py [--processes 2] [--port 8080]

Starts N Streamlit processes on 127.0.0.1 (ports PORT+1 ... PORT+N), renders nginx's
configuration for them (deploy/nginx_conf.py) into a temporary prefix and runs nginx on PORT.
A process that dies is started again on its port within a second or two, and nginx takes it
back into rotation by itself (see the template's failover comments). Ctrl-C (or SIGTERM) stops
nginx and every process. Run as root, nginx runs as `nobody`.
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.nginx_conf import Timeouts, command, prepare

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")  # not on users' PATH


def app_command(port: int) -> list[str]:
    """One Streamlit process of app.py on a loopback port."""
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip


def start_app(port: int, env: dict[str, str] | None = None, log: Path | None = None):
    """Start one app process; its output goes to `log` (appended) or nowhere."""
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
    return subprocess.Popen(
        app_command(port),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=output,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def start_nginx(
    prefix: Path, listen: str, backends: list[str], timeouts: Timeouts | None = None
) -> subprocess.Popen:
    """nginx in the foreground from `prefix`, unprivileged (as `nobody` when run by root)."""
    if NGINX is None:
        raise RuntimeError("nginx is not installed (make nginx)")
    prepare(prefix, listen, backends, timeouts or Timeouts())
    unprivileged: dict = {}
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        for path in [prefix, *prefix.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        unprivileged = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    stderr = open(prefix / "stderr.log", "wb")  # noqa: SIM115 (nginx keeps writing to it)
    return subprocess.Popen(
        command(prefix, NGINX),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        **unprivileged,
    )


class Supervisor:
    """Keeps one app process running on each port: a process that exits is started again."""

    def __init__(self, ports: list[int], start: Callable[[int], subprocess.Popen]) -> None:
        self.start = start
        self.processes = {port: start(port) for port in ports}
        self.restarts: list[tuple[float, int]] = []  # (time.time(), port) of every restart
        self.stopping = threading.Event()

    def check(self) -> None:
        """Start again every process that has exited."""
        for port, process in list(self.processes.items()):
            if process.poll() is not None and not self.stopping.is_set():
                self.processes[port] = self.start(port)
                self.restarts.append((time.time(), port))
                print(f"process on port {port} exited ({process.returncode}); started again")

    def watch(self, every: float = 0.5) -> None:
        while not self.stopping.wait(every):
            self.check()

    def stop(self) -> None:
        self.stopping.set()
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    args = parser.parse_args(argv)
    ports = [args.port + 1 + i for i in range(args.processes)]
    prefix = Path(tempfile.mkdtemp(prefix="nn-cluster-"))
    # One cookie secret for all: the XSRF cookie one process sets is then good on the others,
    # so an upload still works after its session moved.
    shared = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    supervisor = Supervisor(
        ports, lambda port: start_app(port, env=shared, log=prefix / f"app-{port}.log")
    )
    nginx = start_nginx(prefix, str(args.port), [f"127.0.0.1:{port}" for port in ports])
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"http://localhost:{args.port}  ({args.processes} processes; logs in {prefix})")
    try:
        while not stop.wait(0.5):
            supervisor.check()
            if nginx.poll() is not None:
                print(f"nginx exited: see {prefix / 'logs' / 'error.log'}")
                return 1
    finally:
        nginx.terminate()
        supervisor.stop()
        nginx.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
