"""The viewer's light or dark theme, as Streamlit reports it, for the figures drawn this run."""

from __future__ import annotations

import streamlit as st

from charts.theme import Theme, theme_named


def current_theme() -> Theme:
    """The figures' colours for the theme the browser shows (light until it reports one)."""
    try:
        kind = st.context.theme.type
    except (AttributeError, KeyError, RuntimeError):  # no browser behind this run (AppTest)
        kind = None
    return theme_named(kind)
