"""Two app processes behind nginx as `make cluster` runs them (deploy/cluster.py: a shared
cookie secret, a supervisor that starts a dead or silent process again), for the tests.

nginx runs unprivileged from a temporary prefix; its access log names, for every request, the
sticky key (a random id per browser) and the process that answered.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.harness.server import free_port, wait_healthy
from deploy.cluster import Supervisor, start_app, start_nginx
from deploy.nginx_conf import Timeouts

# Parsed from the `sticky` log_format of the template.
LOG_LINE = re.compile(
    r"key=(?P<key>\S+) backend=\S* upstream=(?P<upstream>.+?) status=(?P<status>\d+) .*"
    r'"(?P<method>[A-Z]+) (?P<path>\S+) [^"]*"$'
)


@dataclass(frozen=True)
class Request:
    key: str
    upstream: str
    status: int
    method: str
    path: str


@dataclass
class Cluster:
    proxy: str  # nginx's base URL
    ports: list[int]  # of the app processes, on loopback
    supervisor: Supervisor
    prefix: Path  # nginx's prefix: nginx.conf, logs/
    database: str | None  # DATABASE_URL of both processes (class mode), if one was given

    @property
    def backends(self) -> list[str]:
        """Base URLs of the app processes."""
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    @property
    def upstreams(self) -> set[str]:
        """The processes as nginx's log and the st_backend cookie name them."""
        return {f"127.0.0.1:{port}" for port in self.ports}

    def log_lines(self) -> list[str]:
        return (self.prefix / "logs" / "access.log").read_text().splitlines()

    def requests(self) -> list[Request]:
        found = [LOG_LINE.search(line) for line in self.log_lines()]
        return [
            Request(m["key"], m["upstream"], int(m["status"]), m["method"], m["path"])
            for m in found
            if m
        ]

    def wait_for(self, key: str, path_prefix: str, count: int = 1, timeout: float = 15.0):
        """The logged requests of `key` for paths starting with `path_prefix`, once `count` are.

        nginx writes a line once a request is done (a websocket's once it closes): poll the log.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = [
                request
                for request in self.requests()
                if request.key == key and request.path.startswith(path_prefix)
            ]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} {path_prefix} requests of {key} logged")
            time.sleep(0.05)

    def errors(self, since: int = 0) -> list[str]:
        """Logged answers 400, 404 or 5xx, from the log's line `since` on."""
        return [
            line
            for line in self.log_lines()[since:]
            if re.search(r" status=(400|404|5\d\d) ", line)
        ]

    def pid(self, port: int) -> int:
        return self.supervisor.processes[port].pid

    def wait_up(self, port: int, timeout: float = 60.0) -> None:
        """Until the process answers, and the supervisor has seen it answer."""
        wait_healthy(f"http://127.0.0.1:{port}", self.supervisor.processes[port], timeout)
        deadline = time.monotonic() + timeout
        while self.supervisor.answered[port] is None:
            assert time.monotonic() < deadline, f"the supervisor never saw {port} answer"
            time.sleep(0.05)


@contextmanager
def running_cluster(
    env: dict[str, str], timeouts: Timeouts, hang_after: float = 30.0
) -> Iterator[Cluster]:
    """Two app processes (`env` added to their environment) under a supervisor watching every
    0.2 s, and nginx in front of them; yields once all answer."""
    ports: set[int] = set()
    while len(ports) < 2:
        ports.add(free_port())
    prefix = Path(tempfile.mkdtemp(prefix="cluster-"))
    shared = {**env, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(16)}
    supervisor = Supervisor(
        sorted(ports), lambda port: start_app(port, shared), hang_after=hang_after
    )
    nginx = None
    try:
        proxy_port = free_port()
        nginx = start_nginx(
            prefix, f"127.0.0.1:{proxy_port}", [f"127.0.0.1:{p}" for p in sorted(ports)], timeouts
        )
        watcher = threading.Thread(target=supervisor.watch, args=(0.2,), daemon=True)
        watcher.start()
        found = Cluster(
            f"http://127.0.0.1:{proxy_port}",
            sorted(ports),
            supervisor,
            prefix,
            env.get("DATABASE_URL"),
        )
        for port in found.ports:
            found.wait_up(port)
        try:
            wait_healthy(found.proxy, nginx, 30)
        except RuntimeError as error:
            logs = [prefix / "stderr.log", prefix / "logs" / "error.log"]
            details = "\n".join(path.read_text() for path in logs if path.exists())
            raise RuntimeError(f"nginx did not start: {details[-2000:]}") from error
        yield found
    finally:
        supervisor.stop()
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        shutil.rmtree(prefix, ignore_errors=True)
