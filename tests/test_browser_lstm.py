"""The LSTM page in a real headless chromium: type, press Enter, see the charts, press Play.

Every wait is on the page's own state (Streamlit's script-run state, the figure's slider text,
plotly's animation loop), never a fixed sleep: the test must pass on a busy machine too.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from bench.harness.browser import full_screenshot
from bench.harness.page_waits import wait_until_settled
from bench.harness.plotly_draws import DRAWS_JS, draws_per_chart, draws_so_far, wait_for_draws

SENTENCE = "The film was not good, but the ending was wonderful"
CHART = ".inside-figure"
WATCH = ".st-key-lstm_watch"  # the animated figure (streamlit adds st-key-<key> classes)
TOKENS = '[data-testid="stText"]'  # the tokens as the model reads them, plain text


def the_figure(page: Page) -> Locator:
    """The one animated figure on the page (an old copy may linger during a rerun: wait it out)."""
    figure = page.locator(f"{WATCH} .js-plotly-plot")
    expect(figure).to_have_count(1)
    return figure


def slider_label(page: Page) -> Locator:
    """The plotly slider's current-value text, e.g. "token 4 of 11: not"."""
    return the_figure(page).locator("text.slider-label").filter(has_text="token ")


def showing(page: Page, n_tokens: int) -> Locator:
    """The slider's current-value text once the figure shows a text of n_tokens tokens."""
    pattern = re.compile(rf"^token \d+ of {n_tokens}:")
    return page.locator(f"{WATCH} text.slider-label").filter(has_text=pattern)


def button(page: Page, label: str) -> Locator:
    found = the_figure(page).locator(".updatemenu-button").filter(has_text=label)
    expect(found).to_have_count(1)
    return found


def wait_until_still(page: Page) -> None:
    """Wait until plotly's animation loop has stopped (no frame queued, no frame requested)."""
    page.wait_for_function(
        """() => {
            const gd = document.querySelector('.st-key-lstm_watch .js-plotly-plot');
            const anim = gd && gd._transitionData;
            return anim && !anim._animationRaf && anim._frameQueue.length === 0;
        }"""
    )


@pytest.mark.browser
def test_type_a_sentence_play_it_and_see_the_sentiment(
    app_server: str, page: Page, screenshot_dir: Path
) -> None:
    page.goto(f"{app_server}/LSTM_hidden_states")
    box = page.get_by_label("Your text (press Enter to read it)")
    # A first visit: the page may be the server's first of this kind (its analyses computed).
    expect(box).to_be_visible(timeout=60_000)
    expect(page.locator(f"{CHART} .main-svg").first).to_be_visible(timeout=60_000)  # default text
    wait_until_settled(page)
    # The heatmap has no frames until the visitor asks to play: then Play and a slider appear.
    expect(page.locator(f"{WATCH} .updatemenu-button")).to_have_count(0)
    page.locator(".st-key-lstm_play").get_by_text("Play it token by token").click()
    expect(showing(page, 11)).to_have_count(1)
    wait_until_settled(page)
    box.fill("What a lovely movie")  # another text first, so that Enter below changes it
    box.press("Enter")
    expect(page.locator(TOKENS)).to_contain_text("[lovely]")
    expect(showing(page, 4)).to_have_count(1)
    wait_until_settled(page)

    box.fill(SENTENCE)
    started = time.monotonic()
    box.press("Enter")
    expect(showing(page, 11)).to_have_count(1)
    print(f"Enter to charts: {time.monotonic() - started:.2f} s")
    wait_until_settled(page)
    expect(page.locator(TOKENS)).to_contain_text("[wonderful]")

    verdict = page.locator('[data-testid="stMetric"]').filter(has_text="Final sentiment")
    expect(verdict).to_be_visible()
    expect(verdict).to_contain_text("(")  # "+0.71 (positive)" or the like
    label = slider_label(page)
    expect(label).to_have_text(re.compile(r"^token 11 of 11"))  # opens on the whole sentence

    button(page, "Play").click()
    expect(label).not_to_have_text(re.compile(r"^token 11 of 11"))  # playback restarts at 1
    during = label.text_content() or ""
    assert re.match(r"^token \d+ of 11", during), during
    expect(label).not_to_have_text(during)  # and moves on by itself, in the browser

    button(page, "Pause").click()
    wait_until_still(page)
    paused = label.text_content()
    # The animation loop has stopped; give a broken Pause a chance to show itself anyway.
    page.wait_for_timeout(1_000)
    assert label.text_content() == paused

    button(page, "Play").click()
    # 11 tokens at most 0.5 s each: playback ends on the whole sentence.
    expect(label).to_have_text(re.compile(r"^token 11 of 11"), timeout=30_000)
    wait_until_still(page)
    full_screenshot(page, screenshot_dir / "screenshot-lstm.png")


def choose_section(page: Page, label: str, keys: tuple[str, ...]) -> None:
    """Pick one "Look deeper" section; wait until its charts are drawn."""
    page.locator(".st-key-lstm_deeper").get_by_text(label, exact=True).click()
    for key in keys:
        expect(page.locator(f".st-key-{key} .main-svg").first).to_be_visible(timeout=60_000)
    wait_until_settled(page)


@pytest.mark.browser
def test_look_deeper_units_path_attribution_and_a_second_sentence(
    app_server: str, page: Page, screenshot_dir: Path
) -> None:
    page.goto(f"{app_server}/LSTM_hidden_states")
    expect(page.get_by_role("heading", name="Look deeper")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    choose_section(page, "Which words mattered", ("attr_text", "attr_bars"))
    choose_section(page, "Units that mean something", ("units_lines", "units_text"))
    choose_section(page, "The path through state space", ("units_path",))

    path = page.locator(".st-key-units_path .js-plotly-plot")
    expect(path).to_have_count(1)
    path.locator(".updatemenu-button").filter(has_text="Play").click()
    # The path restarts from one point and walks on by itself.
    walked = ".st-key-units_path .scatterlayer .trace:last-child .point"
    expect(page.locator(walked)).not_to_have_count(11)
    expect(page.locator(walked)).to_have_count(11, timeout=30_000)

    choose_section(page, "Two texts side by side", ("pair",))
    second = page.get_by_label("A second text to compare (press Enter)")
    expect(second).to_have_value("The film was good, but the ending was wonderful")
    second.fill("The film was great")
    second.press("Enter")
    # The second line's points are labelled with its words.
    expect(page.locator(".st-key-pair .textpoint").filter(has_text="great")).to_have_count(1)
    wait_until_settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    full_screenshot(page, screenshot_dir / "screenshot-lstm-deeper.png")


# Streamlit 1.67's own chart drew every new figure twice (before and after its width was
# known); ui/common/figures.py measures first and draws once.
DRAWS_PER_CHART = 1
STEP_CHARTS = ("lstm_step_state", "lstm_movement", "lstm_memory")


@pytest.mark.browser
def test_a_new_sentence_draws_only_what_is_open_and_each_chart_once_per_mount(
    app_server: str, page: Page
) -> None:
    page.add_init_script(DRAWS_JS)
    page.goto(f"{app_server}/LSTM_hidden_states")
    box = page.get_by_label("Your text (press Enter to read it)")
    expect(box).to_be_visible(timeout=60_000)
    wait_for_draws(page, 0, {"lstm_watch": 1})
    wait_until_settled(page)

    def new_sentence(text: str, charts: tuple[str, ...]) -> dict[str, int]:
        since = draws_so_far(page)
        box.fill(text)
        box.press("Enter")
        wait_for_draws(page, since, dict.fromkeys(charts, DRAWS_PER_CHART))
        wait_until_settled(page)
        return draws_per_chart(page, since)

    # The close-up and "Look deeper" are shut: a new sentence draws the heatmap alone.
    assert new_sentence("What a lovely movie", ("lstm_watch",)) == {"lstm_watch": DRAWS_PER_CHART}
    opening = draws_so_far(page)
    page.get_by_text("One step up close").click()
    expect(page.locator(".st-key-lstm_memory .main-svg").first).to_be_visible(timeout=60_000)
    # The close-up's run may still be going: a click then can be lost (Streamlit 1.67, seen
    # once in a full run), so the next click waits for the page to settle, as a reader would.
    wait_until_settled(page)
    page.locator(".st-key-lstm_deeper").get_by_text("Which words mattered", exact=True).click()
    expect(page.locator(".st-key-attr_bars .main-svg").first).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    # Two reruns that leave the heatmap's figure as it was: it is not drawn again.
    assert "lstm_watch" not in draws_per_chart(page, opening)
    opened = ("lstm_watch", *STEP_CHARTS, "attr_text", "attr_bars")
    assert new_sentence(SENTENCE, opened) == dict.fromkeys(opened, DRAWS_PER_CHART)
    assert "close_up=on" in page.url and "section=words" in page.url
