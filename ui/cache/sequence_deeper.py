"""Cached analyses for the LSTM page: corpus states and PCA per server, attributions per text."""

from __future__ import annotations

import numpy as np
import streamlit as st

from models.sequence.attribution import Attribution
from models.sequence.corpus_analysis import analysis_corpus, corpus_pca
from models.sequence.registry import SEQUENCE_MODELS
from models.sequence.state_pca import PcaFit
from models.sequence.unit_analysis import CorpusStates
from serving.memory import exempt_loaded_objects
from ui.cache.sequence import sequence_model, sequence_spec


@st.cache_resource(max_entries=len(SEQUENCE_MODELS), show_spinner="Reading the corpus once…")
def corpus_for(name: str) -> CorpusStates:
    """Shared by every session and never modified."""
    corpus = analysis_corpus(name, sequence_model(name))
    exempt_loaded_objects()
    return corpus


@st.cache_resource(max_entries=len(SEQUENCE_MODELS))
def pca_for(name: str) -> PcaFit:
    """Fitted once per server on the corpus's last-layer h."""
    return corpus_pca(corpus_for(name))


@st.cache_data(max_entries=64, show_spinner="Attributing the score to the words…")
def attributions(name: str, tokens: tuple[str, ...]) -> tuple[Attribution, Attribution]:
    """Integrated gradients and leaving one word out, as the model's spec computes them."""
    return sequence_spec(name).attribute(sequence_model(name), tokens)


@st.cache_resource(max_entries=len(SEQUENCE_MODELS))
def cloud_sample(name: str, size: int = 4000) -> np.ndarray:
    """Row indices of a fixed sample of the corpus's tokens for the background cloud."""
    rows = len(corpus_for(name).sentence)
    return np.random.default_rng(0).choice(rows, size=min(size, rows), replace=False)
