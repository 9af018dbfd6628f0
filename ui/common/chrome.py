"""What every page shares around its content: spacing, and section links that hold."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.common.rebuilt_session import note_session_start

# Read once per server process: app.py runs on every rerun of every session.
ANCHOR_SCRIPT = f"<script>{(Path(__file__).parent / 'anchors.js').read_text()}</script>"
RECONNECT_SCRIPT = f"<script>{(Path(__file__).parent / 'reconnect.js').read_text()}</script>"
STYLE = (
    # Less empty space above each page's title, so its key idea and main picture fit a
    # 1280×720 screen; headings reached by a link stop below Streamlit's top bar.
    "<style>[data-testid='stMainBlockContainer'] { padding-top: 2.5rem; }"
    " h1, h2, h3 { scroll-margin-top: 4rem; }</style>"
)


def page_chrome() -> None:
    note_session_start()  # first: before anything puts a key in the session
    st.html(STYLE)
    # Section links land on their section even while the charts above it are still drawing.
    st.html(ANCHOR_SCRIPT, unsafe_allow_javascript=True)
    # A tab that reconnects (its process died: now on another one) runs again at once.
    st.html(RECONNECT_SCRIPT, unsafe_allow_javascript=True)
