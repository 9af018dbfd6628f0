"""In a real browser: a 7 drawn with the mouse on the canvas, read by all four readers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.harness.browser import full_screenshot
from bench.harness.page_waits import wait_until_settled

pytestmark = pytest.mark.browser
SEVEN = ((80, 70), (200, 70), (190, 100), (150, 160), (120, 230))  # canvas pixels, one stroke


def test_a_digit_drawn_with_the_mouse_is_read_by_all_four(
    page: Page, app_server: str, screenshot_dir: Path
) -> None:
    page.goto(f"{app_server}/digits")
    expect(page.get_by_text("Draw a digit in the black square")).to_be_visible(timeout=90_000)
    wait_until_settled(page)
    canvas = page.locator(".st-key-digits_canvas canvas").last
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    (x, y), rest = SEVEN[0], SEVEN[1:]
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.down()
    for x, y in rest:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
    page.mouse.up()
    expect(page.get_by_role("heading", name="CNN: all at once → 7")).to_be_visible(timeout=60_000)
    wait_until_settled(page)
    for reader in ("LSTM", "GRU", "vanilla RNN"):
        page.locator(".st-key-digits_row_reader").get_by_text(reader, exact=True).click()
        expect(page.get_by_role("heading", name=f"{reader}: row by row → 7")).to_be_visible()
        wait_until_settled(page)
    full_screenshot(page, screenshot_dir / "screenshot-digits.png")
    assert page.locator('[data-testid="stException"]').count() == 0
    # The drawing travels in the link: another visitor who opens it sees the same 7 read.
    expect(page).to_have_url(re.compile(r"[?&]drawing=[\w-]{40,}"))
    cnn_heading = page.get_by_role("heading", name=re.compile(r"CNN: all at once → \d")).first
    cnn_answer = cnn_heading.inner_text()
    other = page.context.browser.new_page()
    try:
        other.goto(page.url)
        expect(other.get_by_text("came with the link")).to_be_visible(timeout=60_000)
        expect(other.get_by_role("heading", name=cnn_answer)).to_be_visible()
        expect(
            other.get_by_text("the drawing from the link, as the models read it")
        ).to_be_visible()
        wait_until_settled(other)
        assert other.locator('[data-testid="stException"]').count() == 0
    finally:
        other.close()


def test_train_again_right_after_stop_trains_the_second_run(page: Page, app_server: str) -> None:
    """Every click takes effect: a Train pressed as soon as the server has taken the Stop, while
    the stopped run may still be ending its batch, queues a new run, which trains once the first
    has stopped (it used to be swallowed by the old one). The Train waits for the Stop to reach
    the server: Streamlit itself can drop a click followed within some 15 ms by another (seen in
    a two-button app, runner.fastReruns on and off), which no page can undo."""
    page.goto(f"{app_server}/digits?section=training")
    train = page.locator(".st-key-train_go button")
    expect(train).to_be_visible(timeout=90_000)
    wait_until_settled(page)
    train.click()
    stop = page.locator(".st-key-train_stop button")
    expect(stop).to_have_text("Stop my run")
    first = page.get_by_text(re.compile(r"^Your run no\. \d+ \(64 units")).first.inner_text()
    number = int(re.match(r"Your run no\. (\d+)", first).group(1))
    stop.click()
    expect(stop).to_have_count(0)  # the server took it: the run is stopping or stopped
    train.click()
    second = page.get_by_text(
        f"Your run no. {number + 1} (64 units, rate 0.002, 4 epochs, plain rows) is training"
    )
    expect(second).to_be_visible(timeout=60_000)  # once the first run has ended its batch
    expect(stop).to_have_text("Stop my run")
    stop.click()
    expect(page.get_by_text(f"Your run no. {number + 1} (64 units")).to_contain_text("was stopped")
    assert page.locator('[data-testid="stException"]').count() == 0
