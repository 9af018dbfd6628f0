"""Every page has its own name in the sidebar, even for a first visitor who opens a deep link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bench.harness.page_waits import wait_until_settled
from bench.harness.server import serve_app

pytestmark = pytest.mark.browser
TITLES = [
    "Home",
    "Guided tour",
    "CNN feature maps",
    "LSTM hidden states",
    "CNN vs RNN, measured",
    "Digits: one picture, two readers",
    "Time series: what comes next",
    "Teach a class",
]


def test_a_deep_link_on_a_fresh_server_shows_every_page_by_name(page: Page) -> None:
    with serve_app() as url:  # its own server: this must be the very first visit
        page.goto(f"{url}/LSTM_hidden_states")
        expect(page.get_by_role("heading", name="LSTM hidden states")).to_be_visible(timeout=60_000)
        wait_until_settled(page)
        links = page.locator('[data-testid="stSidebarNav"] a')
        expect(links).to_have_count(len(TITLES))
        for link, title in zip(links.all(), TITLES, strict=True):
            expect(link).to_contain_text(title)
        links.filter(has_text="Home").click()
        expect(page.get_by_role("heading", name="Inside neural networks")).to_be_visible()
        wait_until_settled(page)
        page.get_by_role("link", name="Open CNN vs RNN, measured").click()
        expect(page.get_by_role("heading", name="CNN vs RNN, measured")).to_be_visible(
            timeout=60_000
        )
        assert page.url.endswith("/CNN_vs_RNN")
