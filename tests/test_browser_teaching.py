"""In a real browser: links reopen a view, the photo follows the visitor, the tour is clicked
through, and the app reads on a phone, in the dark and without pictures."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.harness.browser import UPLOAD_INPUT, full_screenshot, open_cnn_upload_mode
from bench.harness.page_waits import wait_until_settled
from bench.harness.paths import SAMPLES
from tests.helpers.tour_keys import guess_and_reveal_by_keyboard

pytestmark = pytest.mark.browser
NAV = '[data-testid="stSidebarNav"] a'
SENTENCE = "I did not like it at all, but the music was great"

# Chart text that must stand out from the page: everything but a heatmap cell's label (on its
# cell) and a bar's label drawn inside its bar. Contrast as WCAG defines it; 3 is the least for
# large or graphical text.
LOW_CONTRAST_JS = """() => {
  const luminance = (colour) => {
    const parts = colour.match(/[\\d.]+/g);
    if (!parts) return null;
    const linear = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    const [r, g, b] = parts.slice(0, 3).map(Number);
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const insideItsBar = (text) => {
    const shape = text.closest('.point')?.querySelector('path');
    if (!shape) return false;
    const t = text.getBoundingClientRect(), b = shape.getBoundingClientRect();
    const x = t.x + t.width / 2, y = t.y + t.height / 2;
    return x >= b.left && x <= b.right && y >= b.top && y <= b.bottom;
  };
  const app = document.querySelector('[data-testid="stApp"]');
  const page = luminance(getComputedStyle(app).backgroundColor);
  const texts = [...document.querySelectorAll('.inside-figure .main-svg text')]
    .filter((t) => t.textContent.trim() && !t.closest('.heatmaplayer') && !insideItsBar(t)
                   && getComputedStyle(t).fillOpacity !== '0');
  const low = texts.map((t) => {
    const own = luminance(getComputedStyle(t).fill);
    const ratio = (Math.max(own, page) + 0.05) / (Math.min(own, page) + 0.05);
    return [t.textContent.slice(0, 30), getComputedStyle(t).fill, ratio];
  }).filter(([, , ratio]) => ratio < 3);
  return {checked: texts.length, pageIsDark: page < 0.2, low};
}"""


def open_view(page: Page, url: str, path: str, ready: str) -> None:
    page.goto(f"{url}/{path}")
    expect(page.get_by_text(ready).first).to_be_visible(timeout=90_000)
    wait_until_settled(page)


def test_a_link_reopens_the_view_and_a_bad_value_gets_a_notice(page: Page, app_server: str) -> None:
    open_view(
        page, app_server, "CNN_feature_maps?model=efficientnet_lite0&sample=coffee", "Top guess"
    )
    expect(page.get_by_text("Top guess: espresso")).to_be_visible()
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(
        sidebar.locator('label[data-selected="true"]', has_text="EfficientNet-Lite0")
    ).to_have_count(1)
    assert "model=efficientnet_lite0" in page.url and "sample=coffee" in page.url

    open_view(
        page, app_server, f"LSTM_hidden_states?model=gru&text={SENTENCE}", "What the model reads"
    )
    expect(page.locator(".st-key-lstm_text input")).to_have_value(SENTENCE)
    expect(sidebar.locator('label[data-selected="true"]', has_text="GRU")).to_have_count(1)

    open_view(page, app_server, "LSTM_hidden_states?model=bert", "What the model reads")
    expect(
        page.get_by_text("The address asked for the model bert, which is not here")
    ).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0


# A link a stranger could send: markdown, a picture, colour, maths and a right-to-left override.
LINK_AND_PICTURE = "[Log in again](https://evil.example/x) ![p](http://127.0.0.1:9/p.png)"
STYLES_AND_OVERRIDE = "**b** :red[c] $x^2$ <b>h</b> &#x202e; \u202egpj.exe"


def test_an_address_value_is_quoted_as_text_and_a_malformed_hash_is_ignored(
    page: Page, app_server: str
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    values = f"model={quote(LINK_AND_PICTURE)}&sample={quote(STYLES_AND_OVERRIDE)}"
    open_view(page, app_server, f"CNN_feature_maps?{values}#%E0%A4%A", "Top guess")
    notices = page.locator('[data-testid="stAlert"]', has_text="The address asked for")
    expect(notices).to_have_count(2)
    for markup in ("a", "img", ".katex", "strong", "b", "[style*=color]"):
        expect(notices.locator(f"[data-testid='stMarkdownContainer'] p {markup}")).to_have_count(0)
    shown = " ".join(notices.all_inner_texts())
    assert LINK_AND_PICTURE in shown
    assert "**b** :red[c] $x^2$ <b>h</b> &#x202e; gpj.exe" in shown and "\u202e" not in shown
    assert not errors, errors


def test_an_uploaded_photo_follows_the_visitor_to_the_comparison(
    page: Page, app_server: str
) -> None:
    uploader = open_cnn_upload_mode(page, app_server)
    uploader.set_input_files(SAMPLES / "coffee.jpg")
    expect(page.get_by_text("Top guess: espresso")).to_be_visible()
    expect(page.get_by_text("cannot travel in a link")).to_be_visible()
    wait_until_settled(page)
    page.locator(NAV, has_text="LSTM hidden states").click()
    expect(page.get_by_text("What the model reads")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    page.locator(NAV, has_text="CNN vs RNN").click()
    beside = page.get_by_text("Your photo through the CNN beside your sentence")  # shut at first
    expect(beside).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    beside.click()
    expect(page.get_by_text("Your photo (coffee.jpg)")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    page.locator(NAV, has_text="CNN feature maps").click()
    expect(page.get_by_text("Top guess: espresso")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("sent earlier in this visit")).to_be_visible()
    expect(page.locator(UPLOAD_INPUT)).to_be_attached()  # and another can be sent
    wait_until_settled(page)
    page.reload()  # the photo is not kept: the page says so instead of showing a sample
    expect(page.get_by_text("kept neither in a link nor across a reload")).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("Top guess")).to_have_count(0)


def test_a_section_link_lands_on_its_section(page: Page, app_server: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    open_view(page, app_server, "CNN_vs_RNN#5-the-articles-claims-checked", "claims, checked")
    heading = page.locator('[id="5-the-articles-claims-checked"]')
    # Held in place until the page has settled: the charts above it are all drawn by now.
    expect(heading).to_be_in_viewport()
    top = heading.evaluate("element => element.getBoundingClientRect().top")
    assert 0 <= top < 200, top


def test_clicking_through_the_tour(page: Page, app_server: str, screenshot_dir: Path) -> None:
    started = time.monotonic()
    open_view(page, app_server, "", "Inside neural networks")
    page.get_by_role("button", name=re.compile("Start the guided tour")).click()
    for step in range(1, 12):
        expect(page.get_by_text(f"Step {step} of 11")).to_be_visible(timeout=60_000)
        wait_until_settled(page)
        reveal = page.get_by_role("button", name="Reveal the answer")
        expect(reveal).to_be_disabled()  # a guess comes first
        question = page.locator(f".st-key-tour_guess_{step}")
        question.locator('label[data-testid="stRadioOption"]').first.click()
        # The rerun after the guess draws the enabled button while the disabled one may still
        # stand, faded, until the run ends: wait for the new one, then for the run's end.
        expect(page.get_by_role("button", name="Reveal the answer", disabled=False)).to_be_visible()
        wait_until_settled(page)
        expect(reveal).to_be_enabled()
        reveal.click()
        expect(page.get_by_text(re.compile(r"^(✓ Right\.|Not quite)"))).to_be_visible(
            timeout=60_000
        )
        wait_until_settled(page)
        assert f"step={step}" in page.url or step == 1
        if step == 4:
            full_screenshot(page, screenshot_dir / "screenshot-tour.png")
            page.set_viewport_size({"width": 1400, "height": 1000})
        if step < 11:
            page.get_by_role("button", name="Next →").click()
    print(f"tour clicked through in {time.monotonic() - started:.1f} s")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_back_and_forward_walk_through_the_tour_steps(page: Page, app_server: str) -> None:
    """The browser's Back and Forward buttons move between the steps the visitor has seen."""
    titles = {1: "Maps shrink, channels grow", 2: "Where the network looked", 3: "How much"}

    def shows(step: int) -> None:
        expect(page.get_by_role("heading", name=titles[step])).to_be_visible(timeout=60_000)
        wait_until_settled(page)
        expect(page.get_by_text(f"Step {step} of 11")).to_be_visible()
        expect(
            page.get_by_role("heading", name=re.compile("^(Maps|Where|How much)"))
        ).to_have_count(1)
        found = re.findall(r"[?&]step=(\d+)", page.url)
        assert found == ([] if step == 1 else [str(step)]), page.url  # step 1: the default

    open_view(page, app_server, "tour", "Step 1 of 11")
    shows(1)
    for step in (2, 3):
        page.get_by_role("button", name="Next →").click()
        shows(step)
    for step, move in ((2, page.go_back), (1, page.go_back), (2, page.go_forward)):
        move()
        shows(step)


def test_one_back_after_a_model_switch_returns_to_the_view_before_it(
    page: Page, app_server: str
) -> None:
    """A change of view is one entry in the browser's history, whatever it changed: Back after
    another model returns to the layer and channel shown before, not to a view in between."""
    before = "CNN_feature_maps?sample=flower&layer=fire6&channel=77"
    open_view(page, app_server, before, "Top guess")
    expect(page.get_by_text(re.compile(r"^fire6 · .*output"))).to_be_visible()
    page.locator('[data-testid="stSidebar"]').get_by_text("EfficientNet-Lite0").click()
    expect(page).to_have_url(re.compile("model=efficientnet_lite0"))
    wait_until_settled(page)
    page.go_back()
    expect(page).not_to_have_url(re.compile("model="))
    wait_until_settled(page)
    assert "layer=fire6" in page.url and "channel=77" in page.url, page.url
    expect(page.get_by_text(re.compile(r"^fire6 · .*output"))).to_be_visible()
    expect(page.get_by_text("Channel #77")).to_be_visible()


def test_a_phone_has_play_under_the_slider_and_a_compact_photo_picker(
    browser: Browser, app_server: str, screenshot_dir: Path
) -> None:
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    try:
        # Play asked for in the link: the heatmap has its slider and buttons.
        open_view(page, app_server, "LSTM_hidden_states?play=on", "What the model reads")
        figure = page.locator(".st-key-lstm_watch")
        expect(figure.locator(".slider-rail-rect")).to_have_count(1)
        rail = figure.locator(".slider-grip-rect").bounding_box()
        track = figure.locator(".slider-rail-rect").bounding_box()
        buttons = figure.locator(".updatemenu-button")
        expect(buttons).to_have_count(2)
        for index in range(2):
            box = buttons.nth(index).bounding_box()
            for other in (rail, track):
                apart = (
                    box["y"] >= other["y"] + other["height"]
                    or other["y"] >= box["y"] + box["height"]
                    or box["x"] >= other["x"] + other["width"]
                    or other["x"] >= box["x"] + box["width"]
                )
                assert apart, (index, box, other)
        page.screenshot(path=str(screenshot_dir / "screenshot-phone-lstm.png"))
        open_view(page, app_server, "CNN_feature_maps", "Top guess")
        picker = page.locator(".st-key-cnn_sample").bounding_box()
        assert picker["height"] < 150, picker  # seven samples in a few rows of names
        page.screenshot(path=str(screenshot_dir / "screenshot-phone-cnn.png"))
    finally:
        phone.close()


# A section's address draws its page's whole view and the section under it: the CNN and LSTM
# pages without a section are in these already.
VIEWS = (
    ("CNN_feature_maps?section=statistics", "Filters and statistics"),
    ("LSTM_hidden_states?section=path", "The path through state space"),
    ("LSTM_hidden_states?section=pair", "Two sentences side by side"),
    ("CNN_vs_RNN", "One sentence, four readers"),
    ("digits", "How many rows until it knows?"),
)


def test_in_the_dark_theme_chart_text_stands_out_and_every_picture_has_alt_text(
    page: Page, app_server: str, screenshot_dir: Path
) -> None:
    """One pass over the views for both checks: each view costs seconds to draw. The system's
    setting is dark (the worker's browser context, whose cache holds the app's scripts)."""
    page.emulate_media(color_scheme="dark")
    more = (("CNN_feature_maps?section=unit", "What one unit sees"), ("tour?step=3", "Step 3"))
    for path, ready in (*VIEWS, *more):
        open_view(page, app_server, path, ready)
        found = page.evaluate(LOW_CONTRAST_JS)
        assert found["pageIsDark"], path
        assert not found["low"], (path, found["low"][:5])
        if (path, ready) in VIEWS:
            assert found["checked"] > 10, (path, found)
        if path == "LSTM_hidden_states?section=path":  # the top: the page as it opens
            page.screenshot(path=str(screenshot_dir / "screenshot-dark-lstm.png"))
        pictures = page.locator('[data-testid="stMain"] img')
        missing = pictures.evaluate_all(
            "images => images.filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src)"
        )
        assert not missing, (path, missing[:3])
        charts = page.locator(".inside-figure")  # alt= is their aria-label
        unlabelled = charts.evaluate_all(
            "charts => charts.filter(c => !(c.getAttribute('aria-label') || '').trim()).length"
        )
        assert unlabelled == 0, path
        if path.startswith(("CNN_feature", "tour")):
            assert pictures.count() > 0, path


def test_the_keyboard_alone_picks_a_photo_and_answers_a_tour_question(
    page: Page, app_server: str
) -> None:
    open_view(page, app_server, "CNN_feature_maps", "Top guess")
    cat = page.locator(".st-key-cnn_sample button", has_text="Cat")
    cat.focus()
    page.keyboard.press("ArrowRight")  # the samples are one radio group: on to Coffee
    page.keyboard.press("Space")
    expect(page.get_by_text("Top guess: espresso")).to_be_visible(timeout=60_000)
    wait_until_settled(page)

    open_view(page, app_server, "tour?step=1", "Step 1 of 11")
    guess_and_reveal_by_keyboard(page)


def test_home_shows_the_big_idea_the_tour_and_the_glossary(
    page: Page, app_server: str, screenshot_dir: Path
) -> None:
    open_view(page, app_server, "", "Inside neural networks")
    expect(page.get_by_text("The big idea.")).to_be_visible()
    expect(page.get_by_role("heading", name="Glossary")).to_be_attached()
    for term in ("receptive field", "vanishing gradient", "growth exponent"):
        expect(page.get_by_text(term, exact=True).first).to_be_attached()
    full_screenshot(page, screenshot_dir / "screenshot-home.png")
