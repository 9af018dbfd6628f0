"""Debian's chromium for playwright, its timeouts, and the steps the browser tests and the bench
share.

The tests' conftest.py applies the timeouts to every browser test (playwright's `expect` has its
own default, 5 s, which a page's default timeout does not change); the steps here pass theirs.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from bench.harness.page_waits import wait_until_settled

CHROMIUM = "/usr/bin/chromium"
# The tests drive Debian's build of Chrome's old headless shell (what playwright's own headless
# mode runs): the same Blink and V8 without the full browser around them. Five pages opened twice
# took 32 s of the machine's CPU with it and 47 s with `chromium --headless` (7 December, one
# run each). `make bench` keeps the full browser, as visitors run it.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
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

# Every retrying expect() waits on the page's state for up to this long, and a page's own calls
# (click, fill, wait_for_function) for up to PAGE_TIMEOUT_MS. Playwright's defaults (5 s and 30 s)
# are less than a first page load that computes per-server analyses on a busy machine.
EXPECT_TIMEOUT_MS = 30_000
PAGE_TIMEOUT_MS = 60_000

UPLOAD_INPUT = '[data-testid="stFileUploader"] input[type="file"]'


def open_cnn_upload_mode(
    page: Page, url: str, timeout: float = 60_000, path: str = "CNN_feature_maps"
) -> Locator:
    """The CNN page (at `path`, which may carry an address), its sample analysed (it never opens
    empty), switched to Upload: the file input, once the run that draws it has finished."""
    page.goto(f"{url}/{path}")
    expect(page.get_by_text("Top guess:")).to_be_visible(timeout=timeout)
    wait_until_settled(page)
    page.get_by_text("Upload", exact=True).click()
    uploader = page.locator(UPLOAD_INPUT)
    expect(uploader).to_be_attached(timeout=EXPECT_TIMEOUT_MS)
    wait_until_settled(page)
    return uploader


def full_screenshot(page: Page, path: Path) -> None:
    """Streamlit scrolls inside its main container: grow the viewport to fit it all, then shoot."""
    wait_until_settled(page)
    main = page.locator('[data-testid="stMain"]')
    height = main.evaluate("element => element.scrollHeight")
    width = page.viewport_size["width"] if page.viewport_size else 1400
    page.set_viewport_size({"width": width, "height": height + 40})
    # plotly re-lays out on the resize event; wait until every chart has its new width.
    page.wait_for_function(
        """() => [...document.querySelectorAll('.inside-figure')]
              .every(gd => Math.abs(gd.getBoundingClientRect().width
                                    - (gd._fullLayout ? gd._fullLayout.width : 0)) < 2)"""
    )
    page.screenshot(path=str(path), full_page=True)
