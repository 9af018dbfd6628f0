"""Shared fixtures: a real streamlit server and Debian chromium for the browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Offline and quiet: no background traffic, no lookups beyond loopback.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # A synthetic camera, allowed without asking, so st.camera_input can be tested.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
# `make screenshots` sets this to docs/ to refresh the README's pictures; otherwise the browser
# tests still take them (a broken page shows up there) but into pytest's temporary directory.
SCREENSHOTS_ENV = "SCREENSHOT_DIR"


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


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """Serve app.py on a free loopback port for the whole session; yield its base URL."""
    with serve_app() as url:
        yield url


@contextmanager
def serve_app() -> Iterator[str]:
    """A fresh streamlit server for app.py on a free loopback port; yields its base URL."""
    with serve_apps(1) as urls:
        yield urls[0]


@contextmanager
def serve_apps(count: int) -> Iterator[list[str]]:
    """`count` separate streamlit processes of app.py, started together; yields their base URLs."""
    servers: list[subprocess.Popen] = []
    urls: list[str] = []
    try:
        ports: set[int] = set()
        while len(ports) < count:
            ports.add(free_port())
        for port in sorted(ports):
            urls.append(f"http://127.0.0.1:{port}")
            servers.append(start_app(port))
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


def start_app(port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    """One streamlit process of app.py on a loopback port; `env` adds to the environment."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Drive Debian's chromium (playwright cannot download its own browser here), offline."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get(SCREENSHOTS_ENV)
    if not chosen:
        return tmp_path_factory.mktemp("screenshots")
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    return path


SETTLE_TIMEOUT_MS = 90_000  # a first visit computes per-server analyses; CI may be busy
# Every retrying expect() waits on the page's state for up to this long (Playwright's default
# is 5 s, less than a first page load that computes per-server analyses on a busy machine).
expect.set_options(timeout=30_000)


# The conditions of a settled page, checked in one go in the page itself. Playwright's `expect`
# would check them one by one, and at every failed check it takes an accessibility snapshot of
# the whole page for its error message: 100-200 ms of the browser's main thread on the LSTM
# page (Chrome's profiler), which slows the very page a test or `make bench` waits on.
SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testConnectionState === "CONNECTED"
    && app.dataset.testScriptState === "notRunning"
    && !document.querySelector('[data-testid="stSkeleton"], [data-stale="true"]');
}"""
PAGE_STATE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return {
    connection: app?.dataset.testConnectionState, script: app?.dataset.testScriptState,
    skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
    stale: document.querySelectorAll('[data-stale="true"]').length,
  };
}"""
SETTLE_POLL_MS = 50


def wait_until_settled(page: Page, timeout: float = SETTLE_TIMEOUT_MS) -> None:
    """Wait for the app's own state: websocket up, no script running, no skeleton left, and no
    element of the previous run left on the page, faded, waiting to be replaced.

    Streamlit's root element publishes `data-test-script-state` (initial, running, notRunning),
    which its own end-to-end tests wait on. Call this after something on the page shows that the
    action was taken (a retrying `expect` on the new content): right after a click the state may
    still read notRunning from the run before.
    """
    try:
        page.wait_for_function(SETTLED_JS, polling=SETTLE_POLL_MS, timeout=timeout)
    except PlaywrightTimeoutError:
        state = page.evaluate(PAGE_STATE_JS)
        raise AssertionError(
            f"the page did not settle in {timeout / 1000:.0f} s: {state}"
        ) from None


UPLOAD_INPUT = '[data-testid="stFileUploader"] input[type="file"]'


def open_cnn_upload_mode(page: Page, url: str, timeout: float = 60_000) -> Locator:
    """The CNN page, its default sample analysed (it never opens empty), switched to Upload:
    the file input, once the run that draws it has finished."""
    page.goto(f"{url}/CNN_feature_maps")
    expect(page.get_by_text("Top guess:")).to_be_visible(timeout=timeout)
    wait_until_settled(page)
    page.get_by_text("Upload", exact=True).click()
    uploader = page.locator(UPLOAD_INPUT)
    expect(uploader).to_be_attached()
    wait_until_settled(page)
    return uploader


PICTURES_JS = """([key, count]) => {
  const pictures = [...document.querySelectorAll(`.st-key-${key} img`)];
  return pictures.length === count && pictures.every((img) => img.complete && img.naturalWidth > 0);
}"""


def expect_pictures_loaded(page: Page, key: str, count: int, timeout: float = 60_000) -> None:
    """`count` pictures in the element keyed `key`, every one fetched and decoded (none broken:
    a media file deleted before the browser asked for it would leave naturalWidth at 0)."""
    try:
        page.wait_for_function(
            PICTURES_JS, arg=[key, count], polling=SETTLE_POLL_MS, timeout=timeout
        )
    except PlaywrightTimeoutError:
        found = page.evaluate(
            """key => [...document.querySelectorAll(`.st-key-${key} img`)]
                 .map((img) => (img.complete ? img.naturalWidth : "loading"))""",
            key,
        )
        raise AssertionError(
            f"expected {count} loaded pictures in {key}; widths: {found}"
        ) from None


def full_screenshot(page: Page, path: Path) -> None:
    """Streamlit scrolls inside its main container: grow the viewport to fit it all, then shoot."""
    wait_until_settled(page)
    main = page.locator('[data-testid="stMain"]')
    height = main.evaluate("element => element.scrollHeight")
    width = page.viewport_size["width"] if page.viewport_size else 1400
    page.set_viewport_size({"width": width, "height": height + 40})
    # plotly re-lays out on the resize event; wait until every chart has its new width.
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
              .every(gd => Math.abs(gd.getBoundingClientRect().width
                                    - (gd._fullLayout ? gd._fullLayout.width : 0)) < 2)"""
    )
    page.screenshot(path=str(path), full_page=True)
