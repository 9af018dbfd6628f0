"""Cached pieces of the CNN-vs-RNN page: per-server analyses, per-text results, the last profile."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from charts.theme import Series, series_styles
from models.cnn.registry import CNN_MODELS
from models.compare.comparison import negation_effects
from models.compare.memory_reach import gradient_by_distance, gradient_quantiles_by_distance
from models.compare.profiling import ProfilePlan
from models.compare.summary import ModelSummary, summarise
from models.sequence.corpus import paragraphs
from models.sequence.registry import SENTIMENT_READERS, SEQUENCE_MODELS
from models.sequence.sentiment import SentimentModel, training_metrics
from serving.profiles import ProfileStore
from ui.cache.cnn import cnn_model
from ui.cache.sequence import sequence_model

CORPUS_WORDS = 100  # paragraphs of this many words for the average gradient by distance
CORPUS_PARAGRAPHS = 40


def readers() -> dict[str, SentimentModel]:
    return {name: sequence_model(name) for name in SENTIMENT_READERS}


def model_styles() -> dict[str, Series]:
    """How every model is drawn on the comparison's figures: its short name and its colour."""
    labels = {name: spec.short for name, spec in SEQUENCE_MODELS.items()}
    return series_styles(labels | {name: spec.title for name, spec in CNN_MODELS.items()})


@st.cache_resource(show_spinner="Probing how long each reader remembers a 'not'…")
def negation_table() -> dict[str, dict[int, float]]:
    """Computed once per server: 1,600 short sentences through each reader."""
    return negation_effects(readers())


@st.cache_resource(show_spinner="Measuring gradients over the corpus…")
def corpus_gradients() -> dict[str, np.ndarray]:
    """Computed once per server: (10th, 50th, 90th percentile, distance) of |gradient| over
    100-word paragraphs, per reader."""
    texts = paragraphs(CORPUS_WORDS, CORPUS_PARAGRAPHS)
    return {
        name: gradient_quantiles_by_distance(model, texts, CORPUS_WORDS - 1)
        for name, model in readers().items()
    }


@st.cache_data(max_entries=64, show_spinner=False)
def sentence_gradients(tokens: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {name: gradient_by_distance(model, tokens) for name, model in readers().items()}


@st.cache_resource
def reader_accuracy() -> dict[str, float]:
    """Held-out polarity accuracy of each reader, from the training script's metrics file."""
    metrics = training_metrics()["models"]
    return {name: float(metrics[name]["heldout_polarity_accuracy"]) for name in SENTIMENT_READERS}


@st.cache_resource
def summaries() -> dict[str, ModelSummary]:
    found = {name: summarise(name, cnn_model(name)) for name in CNN_MODELS}
    for name in SEQUENCE_MODELS:
        found[name] = summarise(name, sequence_model(name))
    return found


@st.cache_resource
def profile_store() -> ProfileStore:
    return ProfileStore()


def measure_profile(plan: ProfilePlan, progress: Callable[[float, str], None]) -> bool:
    """Time every shipped model by `plan` in the server's one store (see ProfileStore.measure)."""
    cnns = {name: cnn_model(name) for name in CNN_MODELS}
    return profile_store().measure(plan, cnns, readers(), progress)
