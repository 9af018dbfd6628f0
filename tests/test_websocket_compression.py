"""The session's websocket is compressed: Streamlit answers a browser's offer of
permessage-deflate when it serves app.py (the processes behind nginx, the Dockerfile). For
serve.py (`make run`): tests/test_static_gzip.py; through nginx: tests/test_deploy.py."""

from __future__ import annotations

from tests.helpers.websocket import assert_deflate_negotiated


def test_app_py_negotiates_permessage_deflate(app_server: str) -> None:
    assert_deflate_negotiated(app_server)
