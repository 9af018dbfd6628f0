"""`make run` alone (serve.py, which the session's server runs: tests/conftest.py) sends
Streamlit's scripts gzipped: the largest one over HTTP, and every script a real browser fetches
to draw the LSTM page. Its websocket's compression: tests/test_websocket_compression.py."""

from __future__ import annotations

import gzip
import urllib.request
from pathlib import Path

import pytest
import streamlit
from playwright.sync_api import Browser, Page, Response, expect

from bench.harness.page_waits import wait_until_settled

SCRIPTS = Path(streamlit.__file__).parent / "static" / "static" / "js"


def fetch(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers, response.read()


def test_the_largest_script_is_gzipped_once_and_only_when_asked(app_server: str) -> None:
    largest = max(SCRIPTS.glob("*.js"), key=lambda path: path.stat().st_size)
    url = f"{app_server}/static/js/{largest.name}"
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
def test_the_lstm_page_arrives_with_every_script_compressed(
    app_server: str, browser: Browser, browser_context_args: dict
) -> None:
    """A new browser (nothing cached: the worker's context may have fetched them already)."""
    context = browser.new_context(**browser_context_args)
    try:
        _check_scripts(app_server, context.new_page())
    finally:
        context.close()


def _check_scripts(app_server: str, page: Page) -> None:
    scripts: list[Response] = []
    page.on(
        "response",
        lambda response: scripts.append(response) if response.url.endswith(".js") else None,
    )
    page.goto(f"{app_server}/LSTM_hidden_states")
    expect(page.locator(".st-key-lstm_watch .main-svg").first).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    plotly = [response for response in scripts if "/app/static/plotly-" in response.url]
    assert len(plotly) == 1  # loaded once for the page's figures
    assert "immutable" in plotly[0].all_headers()["cache-control"]  # named by its version
    for response in scripts:
        size = int(response.all_headers().get("content-length", "0"))
        if size >= 1024:
            assert response.all_headers().get("content-encoding") == "gzip", response.url
