"""`make run` alone (serve.py) sends Streamlit's scripts gzipped: the largest one over HTTP, and
every script a real browser fetches to draw the LSTM page."""

from __future__ import annotations

import gzip
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit
from playwright.sync_api import Page, Response, expect

from bench.harness.page_waits import wait_until_settled
from bench.harness.paths import ROOT
from bench.harness.server import free_port, wait_healthy
from deploy.cluster import app_command
from tests.helpers.websocket import assert_deflate_negotiated

SCRIPTS = Path(streamlit.__file__).parent / "static" / "static" / "js"


@pytest.fixture(scope="module")
def make_run() -> Iterator[str]:
    """The app as `make run` serves it: streamlit run serve.py."""
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
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def fetch(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers, response.read()


def test_the_largest_script_is_gzipped_once_and_only_when_asked(make_run: str) -> None:
    largest = max(SCRIPTS.glob("*.js"), key=lambda path: path.stat().st_size)
    url = f"{make_run}/static/js/{largest.name}"
    asked = {"Accept-Encoding": "gzip, deflate, br"}
    headers, body = fetch(url, asked)
    assert headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding"
    assert int(headers["Content-Length"]) == len(body) < largest.stat().st_size / 3
    assert gzip.decompress(body) == largest.read_bytes()
    assert "immutable" in headers["Cache-Control"]  # Streamlit's own headers are kept
    assert fetch(url, asked)[1] == body  # the kept copy
    plain_headers, plain = fetch(url)
    assert plain_headers.get("Content-Encoding") is None and plain == largest.read_bytes()
    ranged_headers, _ = fetch(url, {**asked, "Range": "bytes=0-99"})
    assert ranged_headers.get("Content-Encoding") is None  # a byte range stays as it is


@pytest.mark.browser
def test_the_lstm_page_arrives_with_every_script_compressed(make_run: str, page: Page) -> None:
    scripts: list[Response] = []
    page.on(
        "response",
        lambda response: scripts.append(response) if response.url.endswith(".js") else None,
    )
    page.goto(f"{make_run}/LSTM_hidden_states")
    expect(page.locator(".st-key-lstm_watch .main-svg").first).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    plotly = [response for response in scripts if "/app/static/plotly-" in response.url]
    assert len(plotly) == 1  # loaded once for the page's figures
    assert "immutable" in plotly[0].all_headers()["cache-control"]  # named by its version
    for response in scripts:
        size = int(response.all_headers().get("content-length", "0"))
        if size >= 1024:
            assert response.all_headers().get("content-encoding") == "gzip", response.url


def test_make_runs_websocket_negotiates_permessage_deflate(make_run: str) -> None:
    assert_deflate_negotiated(make_run)
