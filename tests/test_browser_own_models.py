"""The operator's models in a real chromium, on one server started with MODELS_DIR on the shipped
examples: the bidirectional GRU on the LSTM page, the heatmap drawn for each direction, and the
digit CNN on the CNN page reading a held-out digit. Waits are on the page's own state, never on
sleeps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.harness.browser import full_screenshot, open_cnn_upload_mode
from bench.harness.page_waits import expect_pictures_loaded, wait_until_settled
from bench.harness.server import serve_app
from serving.own_models import MODELS_DIR_VARIABLE
from tests.helpers.held_out import held_out_png

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "own_model"
SCREENSHOT = Path("/tmp/own-seq.png")
WATCH = ".st-key-lstm_watch"
TEXT = "The film was not good, but the ending was wonderful"
DIGIT = 1  # a held-out 0; the default sample photo reads as an 8


@pytest.fixture(scope="module")
def own_models_server() -> Iterator[str]:
    """A server of its own (one for both models: a server's start and a browser's first visit
    to it cost seconds): the operator's folder is read once per process, at its start."""
    with serve_app({MODELS_DIR_VARIABLE: str(EXAMPLES)}) as url:
        yield url


NEW_PICTURE_JS = """([key, old]) => {
  const pictures = document.querySelectorAll(`.st-key-${key} g.imagelayer image`);
  return pictures.length === 1 && pictures[0].getAttribute("href") !== old;
}"""


@pytest.mark.browser
def test_the_brought_gru_is_drawn_in_both_directions(own_models_server: str, page: Page) -> None:
    page.set_default_timeout(60_000)
    page.goto(f"{own_models_server}/LSTM_hidden_states?model=mood_gru&text={TEXT}&play=on")
    figure = page.locator(f"{WATCH} .js-plotly-plot")
    expect(figure).to_have_count(1, timeout=90_000)  # a first visit loads the models
    wait_until_settled(page)
    chosen = page.locator('label[data-testid="stRadioOption"][data-selected="true"]')
    expect(chosen.filter(has_text="Mood reader (bidirectional GRU)")).to_have_count(1)
    slider = figure.locator("text.slider-label").filter(has_text="token ")
    expect(slider).to_have_text("token 11 of 11: wonderful")
    picture = figure.locator("g.imagelayer image")
    expect(picture).to_have_count(1)
    forward = picture.get_attribute("href")
    assert forward is not None and forward.startswith("data:image/png;base64,")
    expect(page.get_by_text("No verdict per token: gru reads in both directions.")).to_be_visible()

    page.locator('label[data-testid="stRadioOption"]').filter(has_text="backward").click()
    expect(page.get_by_text("This direction reads the text backwards")).to_be_visible()
    page.wait_for_function(NEW_PICTURE_JS, arg=["lstm_watch", forward])  # the other direction
    wait_until_settled(page)
    figure.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT))


@pytest.mark.browser
def test_the_operators_cnn_reads_a_held_out_digit(
    page: Page, own_models_server: str, tmp_path: Path, screenshot_dir: Path
) -> None:
    data, label = held_out_png(DIGIT)
    digit = tmp_path / "digit.png"
    digit.write_bytes(data)
    uploader = open_cnn_upload_mode(
        page, own_models_server, path="CNN_feature_maps?model=resdigits&section=class"
    )
    chosen = page.locator('[data-testid="stSidebar"] label[data-testid="stRadioOption"]')
    expect(chosen.filter(has_text="Residual digit reader")).to_have_attribute(
        "data-selected", "true"
    )
    uploader.set_input_files(digit)
    expect(page.get_by_test_id("stFileChip")).to_contain_text("digit.png")
    expect(page.get_by_text(re.compile(rf"^Top guess: {label}$"))).to_be_visible()
    wait_until_settled(page)
    expect_pictures_loaded(page, "cnn_overview", 5)  # features.0 to .3 and the pool
    expect_pictures_loaded(page, "cnn_grid", 8)  # the 8 channels of features.1
    expect(page.get_by_text("features.2 · 16×14×14 · sees 25 px")).to_be_visible()
    expect_pictures_loaded(page, "cnn_evidence", 1)
    assert page.locator('[data-testid="stException"]').count() == 0
    full_screenshot(page, screenshot_dir / "screenshot-own-cnn.png")
