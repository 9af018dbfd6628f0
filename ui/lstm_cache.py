"""Cached pieces of the LSTM page: models shared by every session, one trace per (model, text)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from torch import nn

from models.lstm_trace import LstmTrace, load_lstm, trace_text

SENTENCES = Path(__file__).resolve().parent.parent / "assets" / "sentences.txt"


@st.cache_resource(max_entries=2, show_spinner="Loading the LSTM…")
def lstm_model(name: str) -> nn.Module:
    """One model instance per name for the whole server; read-only after loading."""
    return load_lstm(name)


@st.cache_data(max_entries=64, show_spinner="Reading the text…")
def lstm_trace(name: str, text: str) -> LstmTrace:
    """States, gates and outputs at every token: the only place the LSTM runs.

    Raises EmptyTextError (not cached) when there is nothing to read.
    """
    return trace_text(lstm_model(name), name, text)


@st.cache_data
def example_sentences() -> list[str]:
    """The example sentences offered on the page, one per line of assets/sentences.txt."""
    lines = SENTENCES.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
