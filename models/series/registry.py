"""The shipped series readers: what each reader is, their weights for each shipped series, and
what scripts/train_series.py measured when it trained them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from models.checkpoints import WEIGHTS_DIR
from models.series.data import SHIPPED, shipped_series
from models.series.forecast import Forecasters, forecasters
from models.series.readers import READERS, load_reader
from models.series.training import prepare

METRICS_FILE = WEIGHTS_DIR / "series_metrics.json"


@dataclass(frozen=True)
class SeriesReaderSpec:
    name: str  # the id on the command line and in the metrics
    title: str
    short: str  # for legends and tables
    recurrent: bool  # steps through the window (True) or convolves over it (False)


SERIES_READERS: dict[str, SeriesReaderSpec] = {
    spec.name: spec
    for spec in (
        SeriesReaderSpec("cnn", "Causal dilated 1-D CNN", "CNN", False),
        SeriesReaderSpec("lstm", "LSTM, step by step", "LSTM", True),
        SeriesReaderSpec("gru", "GRU, step by step", "GRU", True),
        SeriesReaderSpec("rnn", "Plain tanh RNN, step by step", "vanilla RNN", True),
    )
}
assert tuple(SERIES_READERS) == READERS


@cache
def shipped_forecasters(name: str) -> Forecasters:
    """A shipped series with its four shipped readers (sha256 checked, eval mode, gradients
    off: shared, never changed) and its baselines. The window and scales saved with the weights
    must be the ones the series' training part gives."""
    if name not in SHIPPED:
        raise KeyError(f"{name!r} is not one of {', '.join(SHIPPED)}")
    series = shipped_series(name)
    prepared = prepare(series.values)
    readers = {}
    for reader in READERS:
        model, saved = load_reader(name, reader)
        found = (prepared.window, prepared.scaling.input_scale, prepared.scaling.step_scale)
        expected = (saved["window"], saved["input_scale"], saved["step_scale"])
        if found[0] != expected[0] or not np.allclose(found[1:], expected[1:], rtol=1e-9):
            raise ValueError(f"{name} {reader}: saved window or scaling differ from the data's")
        readers[reader] = model
    return forecasters(name, prepared, series.season, readers)


@cache
def training_metrics() -> dict[str, Any]:
    """What scripts/train_series.py measured (models/weights/series_metrics.json)."""
    return json.loads(METRICS_FILE.read_text(encoding="utf-8"))
