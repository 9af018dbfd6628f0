"""The LSTM page in a real headless chromium: type, press Enter, see the charts, press Play."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

SENTENCE = "The film was not good, but the ending was wonderful"
CHART = '[data-testid="stPlotlyChart"]'
WATCH = ".st-key-lstm_watch"  # the animated figure (streamlit adds st-key-<key> classes)


def slider_value(page: Page) -> str:
    """The plotly slider's current-value text, e.g. "token 4 of 11: not"."""
    label = page.locator(f"{WATCH} text.slider-label").filter(has_text="token ")
    return label.first.text_content() or ""


def current_value(page: Page, n_tokens: int) -> Locator:
    """The slider's current-value text once the figure shows a text of n_tokens tokens."""
    pattern = re.compile(rf"^token \d+ of {n_tokens}:")
    return page.locator(f"{WATCH} text.slider-label").filter(has_text=pattern)


def full_page_screenshot(page: Page, path: Path) -> None:
    """Streamlit scrolls inside its main container: grow the viewport to fit it all first."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": height + 40})
    page.wait_for_timeout(1_000)
    page.screenshot(path=str(path), full_page=True)


@pytest.mark.browser
def test_type_a_sentence_play_it_and_see_the_sentiment(
    app_server: str, page: Page, screenshot_dir: Path
) -> None:
    page.set_default_timeout(60_000)
    page.goto(f"{app_server}/LSTM_hidden_states")
    box = page.get_by_label("Your text (press Enter to read it)")
    expect(box).to_be_visible()
    expect(page.locator(f"{CHART} .main-svg").first).to_be_visible()  # the default sentence
    box.fill("What a lovely movie")  # another text first, so that Enter below changes it
    box.press("Enter")
    expect(page.locator('[data-testid="stCode"]').first).to_contain_text("[lovely]")
    expect(current_value(page, 4)).to_have_count(1)

    box.fill(SENTENCE)
    started = time.monotonic()
    box.press("Enter")
    expect(current_value(page, 11)).to_have_count(1)
    print(f"Enter to charts: {time.monotonic() - started:.2f} s")
    expect(page.locator('[data-testid="stCode"]').first).to_contain_text("[wonderful]")
    expect(page.locator(f"{WATCH} .main-svg").first).to_be_visible()

    verdict = page.locator('[data-testid="stMetric"]').filter(has_text="Final sentiment")
    expect(verdict).to_be_visible()
    expect(verdict).to_contain_text("(")  # "+0.71 (positive)" or the like
    assert "11 of 11" in slider_value(page)  # the figure opens on the whole sentence

    page.locator(f"{WATCH} .updatemenu-button").filter(has_text="Play").click()
    page.wait_for_timeout(1_200)
    during = slider_value(page)
    assert "of 11" in during and not during.startswith("token 11 of"), during
    page.wait_for_timeout(1_200)
    later = slider_value(page)
    assert later != during, (during, later)  # playback moves on by itself, in the browser

    page.locator(f"{WATCH} .updatemenu-button").filter(has_text="Pause").click()
    page.wait_for_timeout(300)
    paused = slider_value(page)
    page.wait_for_timeout(900)
    assert slider_value(page) == paused

    page.locator(f"{WATCH} .updatemenu-button").filter(has_text="Play").click()
    page.wait_for_timeout(5_500)  # 11 tokens at most 0.5 s each: back at the whole sentence
    assert slider_value(page).startswith("token 11 of 11"), slider_value(page)
    full_page_screenshot(page, screenshot_dir / "screenshot-lstm.png")
