"""Counting plotly.js's full draws of each chart in the browser, for the bench and the tests.

Every full draw ends with a "plotly_afterplot" event. plotly.js gives each chart's div its own
`emit` the first time it draws there; DRAWS_JS (an init script) puts a setter on the prototype
that wraps that function as it is assigned, so no draw is missed, and logs each draw with the
chart's Streamlit key (st-key-<key>) and the page's clock. It also notes the last Enter key.
"""

from __future__ import annotations

from playwright.sync_api import Page

from bench.harness.page_waits import SETTLE_POLL_MS

DRAWS_JS = """
window.__draws = [];
window.__enter = null;
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter") window.__enter = performance.now();
}, true);
Object.defineProperty(HTMLElement.prototype, "emit", {
  configurable: true,
  set(emit) {
    const chart = this;
    this.__countedEmit = function (name, data) {
      if (name === "plotly_afterplot") {
        const keyed = chart.closest('[class*="st-key-"]');
        const key = keyed ? [...keyed.classList].find((c) => c.startsWith("st-key-")) : "";
        window.__draws.push({ key: key.slice(7), t: performance.now() });
      }
      return emit.call(this, name, data);
    };
  },
  get() { return this.__countedEmit; },
});
"""


def draws_so_far(page: Page) -> int:
    return page.evaluate("window.__draws.length")


def wait_for_draws(page: Page, since: int, counts: dict[str, int], timeout: float = 120_000):
    """Until every chart key in `counts` has been drawn at least that often after draw number
    `since`."""
    page.wait_for_function(
        """([since, counts]) => Object.entries(counts).every(([key, n]) =>
             window.__draws.slice(since).filter((d) => d.key === key).length >= n)""",
        arg=[since, counts],
        polling=SETTLE_POLL_MS,
        timeout=timeout,
    )


def draws_per_chart(page: Page, since: int) -> dict[str, int]:
    """How often each chart was drawn after draw number `since`."""
    counts: dict[str, int] = {}
    for draw in page.evaluate("window.__draws")[since:]:
        counts[draw["key"]] = counts.get(draw["key"], 0) + 1
    return counts
