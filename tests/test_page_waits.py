"""The browser tests' waits on a page built by hand: they return once the state is reached, and
fail with what the page showed when it is not (no server needed)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from bench.harness.page_waits import expect_pictures_loaded, wait_until_settled

PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def app_root(connection: str, script: str, inside: str = "") -> str:
    return (
        f'<div data-testid="stApp" data-test-connection-state="{connection}" '
        f'data-test-script-state="{script}">{inside}</div>'
    )


@pytest.mark.browser
def test_settled_page_is_accepted_and_each_unsettled_state_is_reported(page: Page) -> None:
    page.set_content(app_root("CONNECTED", "notRunning"))
    wait_until_settled(page, timeout=2_000)
    unsettled = {
        "running": app_root("CONNECTED", "running"),
        "DISCONNECTED": app_root("DISCONNECTED", "notRunning"),
        "'skeletons': 1": app_root("CONNECTED", "notRunning", '<div data-testid="stSkeleton">'),
        "'stale': 1": app_root("CONNECTED", "notRunning", '<div data-stale="true">old</div>'),
    }
    for reported, html in unsettled.items():
        page.set_content(html)
        with pytest.raises(AssertionError, match=reported):
            wait_until_settled(page, timeout=300)


@pytest.mark.browser
def test_pictures_must_all_be_there_and_decoded(page: Page) -> None:
    page.set_content(f'<div class="st-key-grid"><img src="{PIXEL}"><img src="{PIXEL}"></div>')
    expect_pictures_loaded(page, "grid", 2, timeout=2_000)
    with pytest.raises(AssertionError, match="expected 3 loaded pictures"):
        expect_pictures_loaded(page, "grid", 3, timeout=300)
    page.set_content('<div class="st-key-grid"><img src="data:image/png;base64,AAAA"></div>')
    with pytest.raises(AssertionError, match=r"widths: \[0\]"):  # a broken picture
        expect_pictures_loaded(page, "grid", 1, timeout=300)
