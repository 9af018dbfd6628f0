"""Cached pieces of the time-series page: the shipped readers loaded once per server, and every
result a view draws computed once per series (a shipped one by name, a visitor's trained run by
its number), so a slider, a horizon or a choice redraws from the cache without running a model.

The forecasters are passed as `_fc` (not hashed): the key names them. They are shared and only
read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from charts.theme import BASELINE_COLOURS, Series, series_styles
from models.series.analysis import (
    distant_past_mae,
    gradient_by_lag,
    held_out_windows,
    hidden_states,
    integrated_gradients,
    reach,
    reach_profile,
)
from models.series.baselines import BASELINES
from models.series.data import shipped_series
from models.series.forecast import MAX_HORIZON, Forecasters, OneStep, heldout_one_step, multi_step
from models.series.registry import SERIES_READERS, shipped_forecasters
from models.series.visitor import VisitorSeries, read_pasted, read_series_csv
from serving.memory import exempt_loaded_objects

BASELINE_LABELS = {
    "naive": "naive (last value)",
    "seasonal": "seasonal naive",
    "linear_ar": "linear AR",
}
DISTANT_FRACTIONS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)  # of the window: the N kept


def method_styles() -> dict[str, Series]:
    """How every reader and baseline is drawn: its short name, in its colour."""
    styles = series_styles({name: spec.short for name, spec in SERIES_READERS.items()})
    styles |= {name: Series(BASELINE_LABELS[name], BASELINE_COLOURS[name]) for name in BASELINES}
    return styles


@st.cache_resource(max_entries=3, show_spinner="Loading the readers…")
def shipped(name: str) -> Forecasters:
    """A shipped series' four readers and baselines, for the whole server; never changed."""
    found = shipped_forecasters(name)
    exempt_loaded_objects()
    return found


def shipped_labels(name: str) -> tuple[str, ...]:
    return shipped_series(name).labels


@st.cache_resource(max_entries=16)
def one_step(key: str, _fc: Forecasters) -> OneStep:
    """Every reader's and baseline's one-step forecasts over the held-out part."""
    return heldout_one_step(_fc)


@st.cache_resource(max_entries=16)
def fed_back(key: str, _fc: Forecasters) -> dict[str, np.ndarray]:
    """Forecasts from the start of the held-out part, each fed back as the next step's past,
    at the longest horizon: a shorter one is its first steps."""
    origin = _fc.prepared.train_size
    return multi_step(_fc, origin, max_horizon(_fc))


def max_horizon(fc: Forecasters) -> int:
    return min(MAX_HORIZON, len(fc.values) - fc.prepared.train_size)


@dataclass(frozen=True)
class Reach:
    profiles: dict[str, np.ndarray]  # reader -> (W,) share of |gradient| by lag
    reaches: dict[str, int]  # reader -> the lag by which 90% of it is reached


@st.cache_resource(max_entries=16)
def reach_by_lag(key: str, _fc: Forecasters) -> Reach:
    """How far back each reader looks: gradient by lag over every held-out window."""
    windows = held_out_windows(_fc)
    profiles = {
        name: reach_profile(gradient_by_lag(model, _fc.prepared, windows))
        for name, model in _fc.readers.items()
    }
    return Reach(profiles, {name: reach(p, 0.9) for name, p in profiles.items()})


@st.cache_resource(max_entries=32)
def attributions(key: str, _fc: Forecasters, point: int) -> dict[str, np.ndarray]:
    """Integrated gradients by lag of every reader's forecast of held-out value `point`."""
    window = held_out_windows(_fc)[point : point + 1]
    return {
        name: integrated_gradients(model, _fc.prepared, window)[0]
        for name, model in _fc.readers.items()
    }


@st.cache_resource(max_entries=32)
def states(key: str, _fc: Forecasters, reader: str, point: int) -> np.ndarray:
    """A recurrent reader's hidden state after every step of held-out value `point`'s window."""
    return hidden_states(_fc.readers[reader], _fc.prepared, held_out_windows(_fc)[point])


def distant_steps(window: int) -> tuple[int, ...]:
    """The N (steps of the past kept) the experiment tries: a spread from 1 to the window."""
    return tuple(sorted({max(1, round(window * f)) for f in DISTANT_FRACTIONS}))


@st.cache_resource(max_entries=16)
def distant_past(key: str, _fc: Forecasters, how: str) -> dict[str, list[float]]:
    """Held-out MAE of each reader and the AR with the past beyond N steps flattened or
    shuffled, for every N of `distant_steps`."""
    methods = (*_fc.readers, "linear_ar")
    steps = distant_steps(_fc.prepared.window)
    return {m: [distant_past_mae(_fc, m, n, how) for n in steps] for m in methods}


@st.cache_data(max_entries=8, show_spinner=False)
def read_upload(data: bytes, column: str | None) -> VisitorSeries:
    """A visitor's CSV read once per file and column (SeriesInputError when it cannot be)."""
    return read_series_csv(data, column)


@st.cache_data(max_entries=8, show_spinner=False)
def read_text(text: str) -> VisitorSeries:
    return read_pasted(text)
