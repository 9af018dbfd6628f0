"""The session's websocket is compressed: Streamlit answers a browser's offer of
permessage-deflate, whether it serves app.py (the processes behind nginx, the Dockerfile) or
serve.py (`make run`). Through nginx: tests/test_deploy.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.harness.server import free_port, wait_healthy
from deploy.cluster import app_command
from tests.helpers.websocket import handshake

ROOT = Path(__file__).resolve().parent.parent


def test_app_py_negotiates_permessage_deflate(app_server: str) -> None:
    status, headers = handshake(app_server)
    assert status.split(" ")[1] == "101", status
    assert headers.get("sec-websocket-extensions", "").startswith("permessage-deflate"), headers


def test_make_run_negotiates_permessage_deflate() -> None:
    port = free_port()
    server = subprocess.Popen(
        app_command(port, ROOT / "serve.py"),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        status, headers = handshake(url)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert status.split(" ")[1] == "101", status
    assert headers.get("sec-websocket-extensions", "").startswith("permessage-deflate"), headers
