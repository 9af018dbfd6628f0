"""The viewer's light or dark theme, as Streamlit reports it, for the figures drawn this run
(with larger text in presentation mode)."""

from __future__ import annotations

import streamlit as st

from charts.theme import Theme, presenting, theme_named
from ui.common.presenting import presenting as presentation_on


def current_theme() -> Theme:
    """The figures' colours for the theme the browser shows (light until it reports one)."""
    try:
        kind = st.context.theme.type
    except (AttributeError, KeyError, RuntimeError):  # no browser behind this run (AppTest)
        kind = None
    theme = theme_named(kind)
    return presenting(theme) if presentation_on() else theme
