"""Real browser: upload a photo on the CNN page and see the prediction and feature maps."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.harness.browser import full_screenshot, open_cnn_upload_mode
from bench.harness.page_waits import expect_pictures_loaded, wait_until_settled
from bench.harness.paths import SAMPLES
from bench.harness.plotly_draws import DRAWS_JS, draws_per_chart, wait_for_draws
from charts.theme import DARK, LIGHT, PAGE_INK
from tests.helpers.bad_inputs import image_case, write_images

pytestmark = pytest.mark.browser
CHARTS = ".inside-figure .main-svg"
# Each chart is drawn once (ui/common/figures.py); the CNN page's first view has two, the top
# five and the shape ladder.
FIRST_VIEW_DRAWS = {"cnn_top5": 1, "cnn_shapes": 1}


def test_upload_shows_prediction_and_feature_maps(
    page: Page, app_server: str, screenshot_dir: Path
) -> None:
    uploader = open_cnn_upload_mode(page, app_server)
    started = time.monotonic()
    uploader.set_input_files(SAMPLES / "coffee.jpg")
    expect(page.get_by_text(re.compile(r"Top guess: espresso"))).to_be_visible(timeout=30_000)
    expect(page.locator(CHARTS).first).to_be_visible()
    expect_pictures_loaded(page, "cnn_grid", 16)
    upload_to_charts = time.monotonic() - started
    print(f"upload to charts: {upload_to_charts:.2f} s")
    # Top-5 bars and the shape ladder; the feature maps and photos are pictures.
    expect(page.locator(".inside-figure")).to_have_count(2, timeout=30_000)
    wait_until_settled(page)
    expect_pictures_loaded(page, "cnn_overview", 10)
    expect_pictures_loaded(page, "cnn_overlay", 1)
    assert page.locator('[data-testid="stException"]').count() == 0

    full_screenshot(page, screenshot_dir / "screenshot-cnn.png")


def test_replacing_the_upload_keeps_the_layer_in_the_page_and_its_address(
    page: Page, app_server: str
) -> None:
    # Replacing a file reruns the page once without one, which does not draw the layer box:
    # the chosen layer once came back as another, in the page or only in its address.
    uploader = open_cnn_upload_mode(page, app_server, path="CNN_feature_maps?layer=fire7")
    layer_box = page.get_by_role("combobox", name="Layer")
    photo_note = page.get_by_test_id("stCaptionContainer").filter(has_text="centre-cropped")
    for name in ("coffee.jpg", "china.jpg", "rocket.jpg", "coffee.jpg"):
        uploader.set_input_files(SAMPLES / name)
        expect(page.get_by_test_id("stFileChip")).to_contain_text(name, timeout=30_000)
        # The chip shows the name while the file is still on its way, and the earlier top guess
        # stays drawn: only the photo's own note says the run with this file has finished. A
        # file set before that (in the gap between the rerun without a file and the one with
        # it) was once lost.
        expect(photo_note).to_contain_text(f"{name} · ", timeout=30_000)
        wait_until_settled(page)
        expect(layer_box).to_have_value("fire7")
        assert "layer=fire7" in page.url, (name, page.url)


# The worst of the bad-input corpus, sent one after the other in one page.
WORST = ("bomb.png", "text.png", "cmyk.jpg", "truncated.jpg")


def test_the_worst_files_give_messages_and_the_page_recovers(
    page: Page, app_server: str, tmp_path: Path
) -> None:
    uploader = open_cnn_upload_mode(page, app_server)
    paths = write_images(tmp_path)
    alert = page.locator('[data-testid="stAlert"]')
    listed = page.locator('[data-testid="stFileChip"]')
    shown = None  # the top guess of the last file that was accepted
    for name in WORST:
        case = image_case(name)
        uploader.set_input_files(paths[name])
        if case.refused:
            message = alert.filter(has_text="That file can't be used")
            for word in case.refused:
                expect(message).to_contain_text(word, timeout=30_000)
            wait_until_settled(page)
            # The refused file is not left listed as if it were shown; the earlier photo stays.
            expect(listed).to_have_count(0)
            if shown is None:
                expect(page.get_by_text("Top guess:")).to_have_count(0)
            else:
                expect(page.get_by_text(shown)).to_be_visible()
            # Into pytest's folder, not docs/: look at them when this test changes.
            full_screenshot(page, tmp_path / f"refused-{Path(name).stem}.png")
        else:
            expect(page.get_by_text(re.compile(r"Top guess: espresso"))).to_be_visible(
                timeout=30_000
            )
            wait_until_settled(page)
            expect(alert.filter(has_text="can't be used")).to_have_count(0)
            expect(listed).to_have_count(1)  # an accepted file stays listed
            shown = "Top guess: espresso"
        assert page.locator('[data-testid="stException"]').count() == 0, name
        assert "Traceback" not in page.locator('[data-testid="stMain"]').inner_text(), name

    uploader.set_input_files(SAMPLES / "coffee.jpg")
    expect(page.get_by_text("Top guess: espresso")).to_be_visible(timeout=30_000)
    wait_until_settled(page)
    # Replacing an upload: the old file is removed first, the page waits without a sample.
    uploader.set_input_files(SAMPLES / "chelsea.jpg")
    expect(page.get_by_text(re.compile(r"Top guess: .*cat|Top guess: tabby"))).to_be_visible(
        timeout=30_000
    )
    wait_until_settled(page)
    expect_pictures_loaded(page, "cnn_grid", 16)
    expect_pictures_loaded(page, "cnn_overview", 10)
    wait_until_settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_click_a_top5_bar_then_occlude_and_follow_one_unit(
    page: Page, app_server: str, screenshot_dir: Path
) -> None:
    page.add_init_script(DRAWS_JS)
    page.goto(f"{app_server}/CNN_feature_maps")
    expect(page.get_by_text("Top guess:")).to_be_visible(timeout=60_000)
    wait_for_draws(page, 0, FIRST_VIEW_DRAWS)
    wait_until_settled(page)
    # The first view builds what a visitor sees first: "Look deeper" starts on "Nothing more",
    # and the page's two charts are each drawn once per mount.
    assert draws_per_chart(page, 0) == FIRST_VIEW_DRAWS
    expect(page.get_by_role("heading", name="Why this class?")).to_have_count(0)
    assert "section=" not in page.url

    # Click the third bar of the top-5 chart: its class's evidence opens below.
    bars = page.locator(".st-key-cnn_top5 .bars .point")
    expect(bars).to_have_count(5)
    bars.nth(2).click(force=True)  # through plotly's drag layer, which handles the click
    expect(page.get_by_role("heading", name="Why this class?")).to_be_visible()
    chooser = page.locator(".st-key-cnn_class input")
    expect(chooser).to_have_value(re.compile(r"^tabby"))
    wait_until_settled(page)
    expect_pictures_loaded(page, "cnn_evidence", 1)
    assert "section=class" in page.url

    page.locator(".st-key-cnn_method").get_by_text("occlusion").click()
    expect(page.get_by_role("button", name="Run occlusion")).to_be_visible()
    wait_until_settled(page)
    page.get_by_role("button", name="Run occlusion").click()
    expect(page.get_by_text("largest drop")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    full_screenshot(page, screenshot_dir / "screenshot-cnn-why.png")

    page.locator(".st-key-cnn_deeper").get_by_text("What one unit sees").click()
    expect(page.get_by_role("heading", name="What one unit sees")).to_be_visible()
    wait_until_settled(page)
    expect_pictures_loaded(page, "cnn_rf_box", 1)
    expect_pictures_loaded(page, "cnn_rf_gradient", 1)
    assert page.locator('[data-testid="stException"]').count() == 0
    full_screenshot(page, screenshot_dir / "screenshot-cnn-unit.png")

    # A bar clicked while another section is shown brings back that class's evidence (the
    # second guess: bars are drawn bottom up, the top guess is the last).
    bars.nth(3).click(force=True)
    expect(page.get_by_role("heading", name="Why this class?")).to_be_visible()
    expect(chooser).to_have_value(re.compile(r"^tiger cat"))
    wait_until_settled(page)
    expect_pictures_loaded(page, "cnn_evidence", 1)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_camera_picture_is_analysed(page: Page, app_server: str) -> None:
    page.context.grant_permissions(["camera"])
    page.goto(f"{app_server}/CNN_feature_maps")
    expect(page.get_by_text("Top guess:")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    page.get_by_text("Camera", exact=True).click()
    # Until a picture is taken the page asks for one and draws nothing else; wait for that run
    # to finish, so the click below reaches the camera widget of the finished page.
    expect(page.get_by_text("Take a picture above")).to_be_visible()
    wait_until_settled(page)
    take = page.get_by_role("button", name="Take Photo")
    expect(take).to_be_enabled(timeout=30_000)
    # The button is enabled before the first frame arrives; a picture taken then is empty and
    # never sent. Wait until the fake camera's video has a frame to grab.
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stCameraInput"] video')]
              .some(video => video.readyState >= 2 && video.videoWidth > 0)"""
    )
    take.click()
    expect(page.get_by_text("camera picture")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    expect(page.get_by_text("Top guess:")).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_switching_to_dark_recolours_the_charts_already_drawn(page: Page, app_server: str) -> None:
    """A theme switch alone does not rerun the page: each figure takes the other template (sent
    beside it) in the browser, then one rerun draws the marks coloured by the theme (a small
    bar's label, outside its bar) for the new one."""
    page.goto(f"{app_server}/CNN_feature_maps")
    tick = page.locator(".st-key-cnn_top5 .xtick text").first
    label = page.locator(".st-key-cnn_top5 text.bartext-outside").first
    expect(tick).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    expect(tick).to_have_css("fill", css_rgb(PAGE_INK["light"][1]))
    expect(label).to_have_css("fill", css_rgb(LIGHT.ink))
    page.emulate_media(color_scheme="dark")  # the browser's own setting, which "System" follows
    expect(tick).to_have_css("fill", css_rgb(PAGE_INK["dark"][1]))
    expect(label).to_have_css("fill", css_rgb(DARK.ink))
    page.emulate_media(color_scheme="light")
    expect(tick).to_have_css("fill", css_rgb(PAGE_INK["light"][1]))
    expect(label).to_have_css("fill", css_rgb(LIGHT.ink))


def css_rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"
