"""What every page shares around its content: spacing, and section links that hold."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.common.focus import FOCUS_STYLE, apply_focus
from ui.common.presenting import presentation_switch
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


# A printed page is a handout: no sidebar, top bar or buttons, and the page's whole width
# for its content; a chart or picture is never cut in two, nor wider than the paper.
PRINT_STYLE = (
    "<style>@media print {"
    " [data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'],"
    " [data-testid='stHeader'], [data-testid='stToolbar'], [data-testid='stDecoration'],"
    " .stButton, .stDownloadButton, [data-testid='stPageLink'], [data-testid='stIFrame']"
    " { display: none !important; }"
    " [data-testid='stMain'] { margin-left: 0 !important; }"
    " [data-testid='stMainBlockContainer'] { max-width: 100% !important; padding: 0 !important; }"
    " .inside-figure, [data-testid='stImage'], img { max-width: 100% !important;"
    " break-inside: avoid; }"
    " .inside-figure .svg-container, .inside-figure .main-svg { max-width: 100% !important; }"
    " }</style>"
)
PRINT_SCRIPT = f"<script>{(Path(__file__).parent / 'print.js').read_text()}</script>"


def page_chrome() -> None:
    note_session_start()  # first: before anything puts a key in the session
    st.html(STYLE + PRINT_STYLE + FOCUS_STYLE)
    st.html(PRINT_SCRIPT, unsafe_allow_javascript=True)
    presentation_switch()
    apply_focus()
    # Section links land on their section even while the charts above it are still drawing.
    st.html(ANCHOR_SCRIPT, unsafe_allow_javascript=True)
    # A tab that reconnects (its process died: now on another one) runs again at once.
    st.html(RECONNECT_SCRIPT, unsafe_allow_javascript=True)
