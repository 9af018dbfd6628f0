"""In a real browser, light and dark: co2 opened by its link, the question answered, the
held-out table revealed, and every chart drawn with its aria-label."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.harness.browser import full_screenshot
from bench.harness.page_waits import wait_until_settled

pytestmark = pytest.mark.browser
CHARTS = 5  # the series, one-step forecasts, fed back, receptive field, reach


def answer_and_reveal(page: Page, app_server: str) -> None:
    page.goto(f"{app_server}/time_series?series=co2")
    question = page.get_by_text("will make smaller errors than the naive forecast")
    expect(question).to_be_visible(timeout=90_000)
    wait_until_settled(page)
    page.locator(".st-key-series_guess_co2").get_by_text("All four readers").click()
    wait_until_settled(page)
    page.locator(".st-key-series_reveal_co2 button").click()
    expect(page.get_by_text("✓ Right: all four readers.")).to_be_visible()
    wait_until_settled(page)
    charts = page.locator(".inside-figure")
    expect(charts).to_have_count(CHARTS)
    expect(page.locator(".inside-figure .main-svg").first).to_be_visible()
    labels = charts.evaluate_all("charts => charts.map(c => c.getAttribute('aria-label') || '')")
    assert all(label.strip() for label in labels), labels
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0


def test_co2_question_reveal_and_charts_in_light_and_dark(
    page: Page, app_server: str, screenshot_dir: Path
) -> None:
    answer_and_reveal(page, app_server)
    full_screenshot(page, screenshot_dir / "screenshot-series.png")
    # Another tab (another session) of the same browser, whose system setting is dark: a new
    # context would fetch and compile the app's scripts again.
    other = page.context.new_page()
    other.emulate_media(color_scheme="dark")
    answer_and_reveal(other, app_server)
    full_screenshot(other, screenshot_dir / "screenshot-series-dark.png")
