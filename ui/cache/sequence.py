"""Cached pieces of the sequence pages: models shared by every session, one trace per input."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from torch import nn

from models.sequence.registry import SEQUENCE_MODELS, load_sequence_model, trace_text
from models.sequence.trace import SequenceTrace
from serving.memory import exempt_loaded_objects, reclaim_memory

SENTENCES = Path(__file__).resolve().parents[2] / "assets" / "sentences.txt"


@st.cache_resource(max_entries=len(SEQUENCE_MODELS), show_spinner="Loading the model…")
def sequence_model(name: str) -> nn.Module:
    """One model instance per name for the whole server; read-only after loading."""
    model = load_sequence_model(name)
    exempt_loaded_objects()
    return model


@st.cache_data(max_entries=64, show_spinner="Reading the text…")
def sequence_trace(name: str, text: str) -> SequenceTrace:
    """States, gates and outputs at every token: the only place a sequence model runs.

    Raises EmptyTextError (not cached) when there is nothing to read.
    """
    reclaim_memory()
    return trace_text(sequence_model(name), name, text)


@st.cache_data
def example_sentences() -> list[str]:
    """The example sentences offered on the page, one per line of assets/sentences.txt."""
    lines = SENTENCES.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
