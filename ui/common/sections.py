"""Parts of a page built only on request: a "Look deeper" row of choices with only the chosen
section drawn, and expanders whose content exists only while they are open."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


def open_expander(label: str, key: str, icon: str | None = None) -> DeltaGenerator | None:
    """An expander whose content is built, sent and drawn only while it is open: the expander
    when open (draw into it), None when closed. Opening or closing it reruns the script."""
    expander = st.expander(label, key=key, on_change="rerun", icon=icon)
    return expander if expander.open else None


def show_one_section(
    sections: dict[str, tuple[str, Callable[[], None]]],
    key: str,
    note: str | None = None,
    none: tuple[str, str] | None = None,
) -> None:
    """Header, one radio of the sections' titles, and the chosen section alone.

    `sections` maps a name (the radio's value) to (title, draw). Sections not chosen cost
    nothing: a new input redraws only what is shown. `note` (markdown) says why some sections
    are not offered; with no section left it stands alone under the header. `none` (a name
    and a title): a first choice that draws nothing, chosen until the visitor picks a section.
    """
    st.header("Look deeper")
    if note:
        st.caption(note)
    if not sections:
        return
    first_section = next(iter(sections))
    if none is not None:
        sections = {none[0]: (none[1], lambda: None), **sections}
    kept = st.session_state.get(key)
    if kept is None:
        st.session_state[key] = next(iter(sections))
    elif kept not in sections:  # a section another model had: the first one this one has
        st.session_state[key] = first_section
    chosen = st.radio(
        "Look at",
        list(sections),
        format_func=lambda name: sections[name][0],
        horizontal=True,
        key=key,
        label_visibility="collapsed",
        persist_state="session",
    )
    sections[chosen][1]()
