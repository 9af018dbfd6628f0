"""The server's one class store (serving/classes), shared by every session: one engine and
pool per database URL, migrated and purged once when the first session needs it."""

from __future__ import annotations

import streamlit as st

from serving.classes.settings import database_url
from serving.classes.store import ClassStore


@st.cache_resource(show_spinner=False)
def _store_at(url: str) -> ClassStore:
    return ClassStore(url)


def class_store() -> ClassStore:
    """The store the environment names (DATABASE_URL, or SQLite in CLASS_DATA_DIR)."""
    return _store_at(database_url())
