"""Where keyboard focus goes after a click that redraws the page (the tour's Reveal and Next),
so a keyboard user carries on from there instead of tabbing from the top again."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

FOCUS_KEY = "focus_next"  # (selector, request number) for the next run to focus
_SCRIPT = (Path(__file__).parent / "focus.js").read_text()
# A focus ring that shows on light and dark: Streamlit's own blue, 3 px, around radio options
# and checkboxes too (their real input is hidden, so the ring goes on its label).
FOCUS_STYLE = (
    "<style>:focus-visible, label:has(input:focus-visible) {"
    " outline: 3px solid #1c83e1 !important; outline-offset: 2px; }</style>"
)


def request_focus(selector: str) -> None:
    """Focus the first element matching `selector` (a CSS selector of the app's own, never a
    visitor's text) once the next run has drawn it."""
    count = st.session_state.get(FOCUS_KEY, ("", 0, False))[1]
    st.session_state[FOCUS_KEY] = (selector, count + 1, True)


def apply_focus() -> None:
    """In this run, the script for a pending request (each request runs once)."""
    pending = st.session_state.get(FOCUS_KEY)
    if not pending or not pending[2]:
        return
    selector, count, _ = pending
    st.session_state[FOCUS_KEY] = (selector, count, False)
    # The request number makes each script new to the browser, so it runs again.
    script = _SCRIPT.replace("SELECTOR", json.dumps(selector)) + f"/* {count} */"
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)
