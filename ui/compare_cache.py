"""Cached pieces of the CNN-vs-RNN page: per-server analyses, per-text results, the last profile."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from charts.compare import Series
from models.cnn.registry import CNN_MODELS
from models.compare.comparison import negation_effects
from models.compare.memory_reach import gradient_by_distance, gradient_quantiles_by_distance
from models.compare.profiling import ProfilePlan, run_profile
from models.compare.report import ProfileReport, profile_report
from models.compare.summary import ModelSummary, summarise
from models.sequence.corpus import paragraphs
from models.sequence.registry import SENTIMENT_READERS, SEQUENCE_MODELS
from models.sequence.sentiment import SentimentModel, training_metrics
from ui.cnn_cache import cnn_model
from ui.sequence_cache import sequence_model

CORPUS_WORDS = 100  # paragraphs of this many words for the average gradient by distance
CORPUS_PARAGRAPHS = 40


def readers() -> dict[str, SentimentModel]:
    return {name: sequence_model(name) for name in SENTIMENT_READERS}


def model_styles() -> dict[str, Series]:
    """How every model is drawn on the comparison's figures: its short name and its colour."""
    styles = {name: Series(spec.short, spec.colour) for name, spec in SEQUENCE_MODELS.items()}
    return styles | {name: Series(spec.title, spec.colour) for name, spec in CNN_MODELS.items()}


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


@dataclass
class ProfileStore:
    """The last profile measured on this server, shared by every session; one run at a time."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    report: ProfileReport | None = None
    finished: float | None = None  # time.time() when the last run ended
    seconds: dict[ProfilePlan, float] = field(default_factory=dict)  # each plan's last duration

    def measure(self, plan: ProfilePlan, progress: Callable[[float, str], None]) -> bool:
        """Time every model by `plan`, reporting (fraction done, model) as it goes; False, and
        nothing measured, when another session is measuring right now."""
        if not self.lock.acquire(blocking=False):
            return False
        try:
            started = time.monotonic()
            cnns = {name: cnn_model(name) for name in CNN_MODELS}
            found = []
            for done, measurement in run_profile(cnns, readers(), plan):
                found.append(measurement)
                progress(done, measurement.model)
            self.report, self.finished = profile_report(found, plan), time.time()
            self.seconds[plan] = time.monotonic() - started
        finally:
            self.lock.release()
        return True


@st.cache_resource
def profile_store() -> ProfileStore:
    return ProfileStore()
