"""The CNN-vs-RNN page in a real headless chromium: four readers, then measure on request."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.harness.browser import full_screenshot
from bench.harness.page_waits import expect_pictures_loaded, wait_until_settled

pytestmark = pytest.mark.browser


def chart(page: Page, key: str):
    return page.locator(f".st-key-{key} .main-svg").first


def test_compare_page_reads_a_sentence_and_measures_on_request(
    page: Page, app_server: str, screenshot_dir: Path
) -> None:
    page.goto(f"{app_server}/CNN_vs_RNN?beside=on")  # section 6 opened, as a link can ask
    expect(page.get_by_role("heading", name="CNN vs RNN, measured")).to_be_visible(timeout=60_000)
    for key in ("cmp_scores", "cmp_gap", "cmp_fields", "cmp_corpus_gradients"):
        expect(chart(page, key)).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    expect_pictures_loaded(page, "cmp_overview", 10)

    box = page.get_by_label("A sentence for all four readers (press Enter)")
    box.fill("The plot was not , as far as i can tell , any good")
    box.press("Enter")
    expect(page.locator(".st-key-cmp_scores .xtick").filter(has_text="plot")).to_have_count(1)
    wait_until_settled(page)

    page.get_by_text("Quick (fewer sizes, three repeats)").click()
    wait_until_settled(page)
    page.get_by_role("button", name="Measure on this server").click()
    expect(chart(page, "cmp_growth_tokens")).to_be_visible(timeout=60_000)
    expect(chart(page, "cmp_train")).to_be_visible()
    wait_until_settled(page)
    expect(page.get_by_text("Measured", exact=False).first).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    full_screenshot(page, screenshot_dir / "screenshot-compare.png")
