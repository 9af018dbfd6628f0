"""Real browser: upload a photo on the CNN page and see the prediction and feature maps."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import full_screenshot, wait_until_settled

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHARTS = '[data-testid="stPlotlyChart"] .main-svg'


def test_upload_shows_prediction_and_feature_maps(
    page: Page, app_server: str, screenshot_dir: Path
) -> None:
    page.goto(f"{app_server}/CNN_feature_maps")
    # The page never opens empty: the default sample is already analysed.
    expect(page.get_by_text("Top guess:")).to_be_visible(timeout=60_000)
    wait_until_settled(page)

    page.get_by_text("Upload", exact=True).click()
    started = time.monotonic()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        ROOT / "assets" / "samples" / "coffee.jpg"
    )
    expect(page.get_by_text(re.compile(r"Top guess: espresso"))).to_be_visible(timeout=30_000)
    expect(page.locator(CHARTS).first).to_be_visible()
    upload_to_charts = time.monotonic() - started
    print(f"upload to charts: {upload_to_charts:.2f} s")
    # Top-5 bars, stage overview, shape ladder, channel grid, overlay, class evidence, a unit's
    # field and its gradient, stage statistics.
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(9, timeout=30_000)
    wait_until_settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0

    full_screenshot(page, screenshot_dir / "screenshot-cnn.png")


def test_corrupt_upload_gives_a_message_and_the_page_recovers(
    page: Page, app_server: str, tmp_path: Path
) -> None:
    page.goto(f"{app_server}/CNN_feature_maps")
    expect(page.get_by_text("Top guess:")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    page.get_by_text("Upload", exact=True).click()
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.set_input_files(broken)
    expect(page.get_by_text("That file can't be used")).to_be_visible(timeout=30_000)
    wait_until_settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0

    uploader.set_input_files(ROOT / "assets" / "samples" / "chelsea.jpg")
    expect(page.get_by_text(re.compile(r"Top guess: .*cat|Top guess: tabby"))).to_be_visible(
        timeout=30_000
    )


def test_click_a_top5_bar_then_occlude_and_follow_one_unit(
    page: Page, app_server: str, screenshot_dir: Path
) -> None:
    page.set_default_timeout(60_000)
    page.goto(f"{app_server}/CNN_feature_maps")
    expect(page.get_by_role("heading", name="Why this class?")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    chooser = page.locator(".st-key-cnn_class input")
    expect(chooser).to_have_value(re.compile(r"^Egyptian cat"))  # the top guess for the cat

    # Click the third bar of the top-5 chart: its class becomes the one explained.
    bars = page.locator(".st-key-cnn_top5 .bars .point")
    expect(bars).to_have_count(5)
    bars.nth(2).click(force=True)  # through plotly's drag layer, which handles the click
    expect(chooser).to_have_value(re.compile(r"^tabby"))
    wait_until_settled(page)
    expect(page.locator(".st-key-cnn_evidence .main-svg").first).to_be_visible()

    page.locator(".st-key-cnn_method").get_by_text("occlusion").click()
    expect(page.get_by_role("button", name="Run occlusion")).to_be_visible()
    wait_until_settled(page)
    page.get_by_role("button", name="Run occlusion").click()
    expect(page.get_by_text("largest drop")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    expect(page.locator(".st-key-cnn_rf_box .main-svg").first).to_be_visible()
    full_screenshot(page, screenshot_dir / "screenshot-cnn-why.png")


def test_a_camera_picture_is_analysed(page: Page, app_server: str) -> None:
    page.set_default_timeout(60_000)
    page.context.grant_permissions(["camera"])
    page.goto(f"{app_server}/CNN_feature_maps")
    expect(page.get_by_text("Top guess:")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    page.get_by_text("Camera", exact=True).click()
    take = page.get_by_role("button", name="Take Photo")
    expect(take).to_be_enabled(timeout=30_000)  # the fake camera is streaming
    take.click()
    expect(page.get_by_text("camera picture")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    expect(page.get_by_text("Top guess:")).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
