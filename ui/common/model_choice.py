"""The sidebar's model chooser, the same on every page that offers several models."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol

import streamlit as st

from ui.common.text import escape_markdown


class Titled(Protocol):
    @property
    def title(self) -> str: ...


def model_radio(
    key: str, specs: Mapping[str, Titled], default: str, shipped: Collection[str]
) -> str:
    """A radio of the models' titles in the sidebar; returns the chosen name. It starts at
    `default` and keeps the choice for the session, so a page left and come back to shows the
    same model. A radio's labels are markdown: the titles of models not `shipped` (an
    operator's, from their config) are escaped, so they show as written."""
    st.session_state.setdefault(key, default)
    return st.sidebar.radio(
        "Model",
        list(specs),
        format_func=lambda name: (
            specs[name].title if name in shipped else escape_markdown(specs[name].title)
        ),
        key=key,
        persist_state="session",
    )
