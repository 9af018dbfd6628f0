"""Real streamlit servers of app.py on free loopback ports, for the browser tests and the bench."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import deploy.cluster

APP = deploy.cluster.APP
MAKE_RUN = deploy.cluster.ROOT / "serve.py"  # what `make run` serves: app.py, its scripts gzipped


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError("streamlit did not become healthy in time")


@contextmanager
def serve_app(env: dict[str, str] | None = None, script: Path = APP) -> Iterator[str]:
    """A fresh streamlit server for app.py (or `script`: serve.py, as `make run` serves it) on a
    free loopback port (`env` added to its environment, e.g. MODELS_DIR); yields its base URL."""
    with serve_apps(1, env, script) as urls:
        yield urls[0]


@contextmanager
def serve_apps(
    count: int, env: dict[str, str] | None = None, script: Path = APP
) -> Iterator[list[str]]:
    """`count` separate streamlit processes of app.py (or `script`), started together; yields
    their base URLs."""
    servers: list[subprocess.Popen] = []
    urls: list[str] = []
    try:
        ports: set[int] = set()
        while len(ports) < count:
            ports.add(free_port())
        for port in sorted(ports):
            urls.append(f"http://127.0.0.1:{port}")
            servers.append(start_app(port, env, script))
        for url, server in zip(urls, servers, strict=True):
            wait_healthy(url, server)
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def start_app(port: int, env: dict[str, str] | None = None, script: Path = APP) -> subprocess.Popen:
    """One streamlit process of app.py (or `script`) on a loopback port; `env` adds to the
    environment."""
    return deploy.cluster.start_app(port, env, script=script)
