"""The session's websocket is compressed: Streamlit answers a browser's offer of
permessage-deflate when it serves app.py (the processes behind nginx, the Dockerfile). For
serve.py (`make run`): tests/test_static_gzip.py; through nginx: tests/test_deploy.py."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.websocket import handshake

ROOT = Path(__file__).resolve().parent.parent


def test_app_py_negotiates_permessage_deflate(app_server: str) -> None:
    status, headers = handshake(app_server)
    assert status.split(" ")[1] == "101", status
    assert headers.get("sec-websocket-extensions", "").startswith("permessage-deflate"), headers
