"""Waits on a page in the browser: until it has settled, or until its pictures have loaded."""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

SETTLE_TIMEOUT_MS = 90_000  # a first visit computes per-server analyses; CI may be busy

# The conditions of a settled page, checked in one go in the page itself. Playwright's `expect`
# would check them one by one, and at every failed check it takes an accessibility snapshot of
# the whole page for its error message: 100-200 ms of the browser's main thread on the LSTM
# page (Chrome's profiler), which slows the very page a test or `make bench` waits on.
SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testConnectionState === "CONNECTED"
    && app.dataset.testScriptState === "notRunning"
    && !document.querySelector('[data-testid="stSkeleton"], [data-stale="true"]')
    && [...document.querySelectorAll('[data-testid="stBidiComponentRegular"]')].every((c) => {
      const figure = c.querySelector(":scope > .inside-figure");
      return figure && !figure.dataset.pending;
    });
}"""
PAGE_STATE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return {
    connection: app?.dataset.testConnectionState, script: app?.dataset.testScriptState,
    skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
    undrawn: [...document.querySelectorAll('[data-testid="stBidiComponentRegular"]')]
      .filter((c) => !c.querySelector(":scope > .inside-figure:not([data-pending])")).length,
    stale: document.querySelectorAll('[data-stale="true"]').length,
  };
}"""
SETTLE_POLL_MS = 50


def wait_until_settled(page: Page, timeout: float = SETTLE_TIMEOUT_MS) -> None:
    """Wait for the app's own state: websocket up, no script running, no skeleton left, no
    element of the previous run left on the page, faded, waiting to be replaced, and no figure
    waiting to be drawn (every figure component holds its figure's div, which figure.js marks
    until plotly has drawn it).

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
