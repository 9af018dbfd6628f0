"""Serve the app from several processes behind nginx on one machine, with one command.

    python deploy/cluster.py [--processes 2] [--port 8080]

Starts N Streamlit processes on 127.0.0.1 (ports PORT+1 ... PORT+N), renders nginx's
configuration for them (deploy/nginx_conf.py) into a temporary prefix and runs nginx on PORT.
A process that dies is started again on its port within a second or two, one that stops
answering its health check for 30 s (--hang-after) is killed and started again, and nginx takes
it back into rotation by itself (see the template's failover comments). Ctrl-C (or SIGTERM) stops
nginx and every process and removes the temporary prefix (logs included). Run as root, nginx
runs as `nobody`.
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
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.nginx_conf import Timeouts, command, prepare

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"  # what each process serves (nginx compresses in front of it)
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")  # not on users' PATH


def app_command(port: int, script: Path = APP) -> list[str]:
    """One Streamlit process of app.py (or `script`) on a loopback port. Behind nginx, app.py
    itself: nginx compresses (`make run` serves serve.py, which compresses on its own)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip


def start_app(
    port: int,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    script: Path = APP,
):
    """Start one app process of `script` (app.py, or serve.py as `make run` serves it); its
    output goes to `log` (appended) or nowhere."""
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
    return subprocess.Popen(
        app_command(port, script),
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


def answers_health(port: int, timeout: float = 2.0) -> bool:
    """Whether the app process on a loopback port answers its health check in time."""
    try:
        url = f"http://127.0.0.1:{port}/_stcore/health"
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class Restart:
    at: float  # time.time()
    port: int
    reason: str  # "exited" or "hung"


class Supervisor:
    """Keeps one app process answering on each port.

    A process that exits is started again. So is one that is still running but has not
    answered its health check for `hang_after` seconds (stopped, deadlocked, swapping): it is
    killed first. nginx only passes a hanging process over for a while and then tries it
    again, so without this every new visitor now and then waits out a read timeout. A
    starting process (torch and the app load first) has `boot_within` to answer once.
    """

    def __init__(
        self,
        ports: list[int],
        start: Callable[[int], subprocess.Popen],
        probe: Callable[[int], bool] | None = answers_health,
        hang_after: float = 30.0,
        boot_within: float = 120.0,
        probe_every: float = 2.0,
    ) -> None:
        self.start = start
        self.probe = probe
        self.hang_after = hang_after
        self.boot_within = boot_within
        self.probe_every = probe_every
        self.restarts: list[Restart] = []
        self.stopping = threading.Event()
        self.processes: dict[int, subprocess.Popen] = {}
        self.started: dict[int, float] = {}  # monotonic times
        self.answered: dict[int, float | None] = {}  # None until the process first answers
        self.probed: dict[int, float] = {}
        for port in ports:
            self._start(port)

    def _start(self, port: int) -> None:
        self.processes[port] = self.start(port)
        self.started[port] = self.probed[port] = time.monotonic()
        self.answered[port] = None

    def _restart(self, port: int, reason: str, detail: str) -> None:
        self._start(port)
        self.restarts.append(Restart(time.time(), port, reason))
        print(f"process on port {port} {detail}; started again", flush=True)

    def _hung(self, port: int) -> bool:
        now = time.monotonic()
        if self.probe is None or now - self.probed[port] < self.probe_every:
            return False
        self.probed[port] = now
        if self.probe(port):
            self.answered[port] = time.monotonic()
            return False
        answered = self.answered[port]
        if answered is None:
            return now - self.started[port] > self.boot_within
        return now - answered > self.hang_after

    def check(self) -> None:
        """Start again every process that has exited or stopped answering."""
        for port, process in list(self.processes.items()):
            if self.stopping.is_set():
                return
            if process.poll() is not None:
                self._restart(port, "exited", f"exited ({process.returncode})")
            elif self._hung(port):
                process.kill()
                process.wait()
                self._restart(port, "hung", "stopped answering its health check")

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
    parser.add_argument(
        "--hang-after",
        type=float,
        default=30.0,
        help="restart a process silent this many seconds (default 30)",
    )
    args = parser.parse_args(argv)
    ports = [args.port + 1 + i for i in range(args.processes)]
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    # nginx's configuration, its temporary files and every log live here, and go at the stop.
    prefix = Path(tempfile.mkdtemp(prefix="nn-cluster-"))
    try:
        return serve(args, ports, prefix, stop)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def serve(args: argparse.Namespace, ports: list[int], prefix: Path, stop: threading.Event) -> int:
    """Run the processes and nginx from `prefix` until `stop` is set or nginx exits."""
    # One cookie secret for all: the XSRF cookie one process sets is then good on the others,
    # so an upload still works after its session moved.
    shared = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    supervisor = Supervisor(
        ports,
        lambda port: start_app(port, env=shared, log=prefix / f"app-{port}.log"),
        hang_after=args.hang_after,
    )
    nginx = None
    try:
        nginx = start_nginx(prefix, str(args.port), [f"127.0.0.1:{port}" for port in ports])
        where = f"{args.processes} processes; logs in {prefix} until it stops"
        print(f"http://localhost:{args.port}  ({where})", flush=True)
        while not stop.wait(0.5):
            supervisor.check()
            if nginx.poll() is not None:  # its log goes with the folder: show its end now
                log = prefix / "logs" / "error.log"
                tail = log.read_text(errors="replace").splitlines()[-10:] if log.exists() else []
                print("nginx exited:", *tail, sep="\n")
                return 1
    finally:
        if nginx is not None:
            nginx.terminate()
        supervisor.stop()
        if nginx is not None:
            nginx.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
