"""Presentation mode: larger page text and chart text for a projector, switched in the sidebar
and kept in the address (`?present=on`) on every page."""

from __future__ import annotations

import streamlit as st

from ui.common.state import history_navigation

PRESENT_KEY = "presenting"  # True while presentation mode is on, for every page of the session
PARAM = "present"
_TOGGLE_KEY = "present_toggle"
_WRITTEN_KEY = "present_written"  # the switch as this session last put it in the address
# Every rem-sized text of the page (Streamlit sizes its text in rem) grows by a quarter.
PRESENT_STYLE = "<style>html { font-size: 125%; }</style>"


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT_KEY))


def presentation_switch() -> None:
    """Read the address's switch, draw the sidebar toggle, and keep the switch in the address.

    A link with `present=on` turns it on; a page opened from the sidebar (whose address starts
    empty) keeps it on. After Back or Forward the address is the whole view: no switch, off.
    """
    value = st.query_params.get(PARAM)
    if value is not None and value != st.session_state.get(_WRITTEN_KEY):
        st.session_state[PRESENT_KEY] = value == "on"  # a link, or an address edited by hand
    elif value is None and history_navigation():
        st.session_state[PRESENT_KEY] = False

    def toggled() -> None:
        st.session_state[PRESENT_KEY] = st.session_state[_TOGGLE_KEY]

    st.session_state[_TOGGLE_KEY] = presenting()
    st.sidebar.toggle(
        "Presentation mode",
        key=_TOGGLE_KEY,
        on_change=toggled,
        help="Larger text and charts, for a projector. The link keeps it on.",
    )
    if presenting():
        if st.query_params.get(PARAM) != "on":
            st.query_params[PARAM] = "on"
        st.html(PRESENT_STYLE)
    elif PARAM in st.query_params:
        del st.query_params[PARAM]
    st.session_state[_WRITTEN_KEY] = "on" if presenting() else None
