"""The session's websocket is compressed: Streamlit answers a browser's offer of
permessage-deflate when `make run` serves the app (serve.py, the session's server). For app.py
as the processes behind nginx and the Dockerfile run it, and through nginx: tests/test_deploy.py."""

from __future__ import annotations

from tests.helpers.websocket import assert_deflate_negotiated


def test_make_runs_websocket_negotiates_permessage_deflate(app_server: str) -> None:
    assert_deflate_negotiated(app_server)
