"""The tour's first step answered with the keyboard alone, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from bench.harness.page_waits import wait_until_settled


def guess_and_reveal_by_keyboard(page: Page) -> None:
    """On step 1 (already shown): Space chooses the first answer, Enter on Reveal shows the
    models' answer."""
    page.locator(".st-key-tour_guess_1 input[type=radio]").first.focus()
    page.keyboard.press("Space")  # choose the first answer
    reveal = page.get_by_role("button", name="Reveal the answer")
    # The rerun after the guess draws the enabled button while the disabled one may still
    # stand, faded, until the run ends: wait for the new one, then for the run's end.
    expect(page.get_by_role("button", name="Reveal the answer", disabled=False)).to_be_visible()
    wait_until_settled(page)
    expect(reveal).to_be_enabled()
    reveal.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"^(✓ Right\.|Not quite)"))).to_be_visible(timeout=60_000)
