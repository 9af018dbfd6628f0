"""In front of a class, in a real browser: the keyboard carries on after the tour's Reveal and
Next with a ring that shows, and a printed page is a handout (no sidebar, charts on the paper)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from bench.harness.page_waits import wait_until_settled
from tests.helpers.tour_keys import guess_and_reveal_by_keyboard

pytestmark = pytest.mark.browser
A4_WIDTH = 794  # px: an A4 page at 96 dpi
SENTENCE = (
    "I did not like the first hour at all, but the music was great and the end made me "
    "smile twice"
)  # 20 words: the heatmap is wider than a printed page


def test_focus_follows_reveal_and_next_with_a_visible_ring(page: Page, app_server: str) -> None:
    page.goto(f"{app_server}/tour?step=1")
    expect(page.get_by_text("Step 1 of 11")).to_be_visible(timeout=90_000)
    wait_until_settled(page)
    guess_and_reveal_by_keyboard(page)
    next_button = page.locator(".st-key-tour_next button")
    expect(next_button).to_be_focused(timeout=15_000)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Step 2 of 11")).to_be_visible(timeout=60_000)
    first = page.locator(".st-key-tour_guess_2 input").first
    expect(first).to_be_focused(timeout=15_000)
    ring = page.locator(".st-key-tour_guess_2 label:has(input:focus-visible)").first
    assert float(ring.evaluate("e => parseFloat(getComputedStyle(e).outlineWidth)")) >= 3


def test_a_printed_page_has_no_sidebar_and_the_heatmap_fits_the_paper(
    page: Page, app_server: str, screenshot_dir: Path
) -> None:
    page.set_viewport_size({"width": A4_WIDTH, "height": 1123})
    page.goto(f"{app_server}/LSTM_hidden_states?text={quote(SENTENCE)}")
    heatmap = page.locator(".st-key-lstm_watch .main-svg").first
    expect(heatmap).to_be_visible(timeout=90_000)
    wait_until_settled(page)
    page.emulate_media(media="print")
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    wait_until_settled(page)
    box = page.locator(".st-key-lstm_watch").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= A4_WIDTH, box
    page.screenshot(path=str(screenshot_dir / "screenshot-print-lstm.png"), full_page=True)
    page.pdf(path=str(screenshot_dir / "print-lstm.pdf"), format="A4")


# Registered after the page's own print listener, so it sees the chart as the paper gets it.
MEASURE_WHEN_PRINTED = """() => {
  window.__printed = [];
  matchMedia("print").addEventListener("change", (event) => {
    if (!event.matches) return;
    const chart = document.querySelector(".st-key-lstm_watch .inside-figure");
    const paper = document.querySelector("[data-testid='stMainBlockContainer']");
    const zoom = parseFloat(getComputedStyle(chart).zoom);
    const svg = chart.querySelector(".main-svg");
    window.__printed.push({zoom, drawn: parseFloat(svg.getAttribute("width")) * zoom,
                           paper: paper.clientWidth});
  });
}"""


def test_a_wide_screens_heatmap_is_zoomed_to_each_papers_width(page: Page, app_server: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{app_server}/LSTM_hidden_states?text={quote(SENTENCE)}")
    expect(page.locator(".st-key-lstm_watch .main-svg").first).to_be_visible(timeout=90_000)
    wait_until_settled(page)
    page.evaluate(MEASURE_WHEN_PRINTED)
    page.pdf(format="A4")
    page.pdf(format="A4", landscape=True)
    portrait, landscape = page.evaluate("window.__printed")
    # Drawn for a 1400 px window, the heatmap is wider than portrait A4's content, so it is
    # zoomed to exactly that width; landscape's content is wider than the drawing, so it
    # prints as drawn (a fixed printable width would have shrunk it there too).
    assert portrait["zoom"] < 1 and abs(portrait["drawn"] - portrait["paper"]) <= 2, portrait
    assert landscape["zoom"] == 1 and landscape["drawn"] <= landscape["paper"], landscape
    assert landscape["drawn"] > 1.1 * portrait["drawn"], (portrait, landscape)
    expect(page.locator(".st-key-lstm_watch .inside-figure").first).to_have_css("zoom", "1")


def test_the_scores_come_into_view_when_the_check_after_is_submitted(
    page: Page, app_server: str
) -> None:
    """The submit is at the foot of a long page; the scores are at its head."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app_server}/tour?step=after")
    expect(page.locator(".st-key-check_after_steps")).to_be_visible(timeout=90_000)
    wait_until_settled(page)
    for idea in ("maps", "field", "evidence", "not", "gradient", "steps"):
        page.locator(f".st-key-check_after_{idea} label[data-testid='stRadioOption']").first.click()
        wait_until_settled(page)
    submit = page.get_by_role("button", name="Submit my answers", disabled=False)
    expect(submit).to_be_visible()
    wait_until_settled(page)
    submit.click()
    back = page.locator(".st-key-check_go button")
    expect(back).to_be_focused(timeout=30_000)
    expect(page.get_by_text(re.compile(r"^\d of 6$"))).to_be_in_viewport()
