"""The operator's bidirectional GRU on the LSTM page, in a real chromium: a server started with
MODELS_DIR on the shipped examples, the page opened from an address, the heatmap drawn for each
direction. Waits are on the page's own state, never on sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.harness.page_waits import wait_until_settled
from bench.harness.server import serve_app
from serving.own_models import MODELS_DIR_VARIABLE

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "own_model"
SCREENSHOT = Path("/tmp/own-seq.png")
WATCH = ".st-key-lstm_watch"
TEXT = "The film was not good, but the ending was wonderful"


@pytest.fixture(scope="module")
def own_models_server() -> Iterator[str]:
    """A server of its own: the operator's folder is read once per process, at its start."""
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
