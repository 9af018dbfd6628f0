"""Forecasts from the four readers and the three baselines, on the same series and split:

- one step ahead at every held-out value (each from the true past before it): MAE, and MAE
  relative to the naive forecast's (below 1 beats "copy the last value");
- many steps ahead from one origin, each forecast fed back as the next step's past.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from models.series.baselines import (
    BASELINES,
    LinearAR,
    ar_order,
    baseline_forecasts,
    fit_linear_ar,
)
from models.series.data import heldout_targets
from models.series.readers import SeriesReader
from models.series.training import Prepared, TrainedReaders, one_step

MAX_HORIZON = 260  # steps a multi-step forecast may run (five co2 years)


@dataclass(frozen=True)
class Forecasters:
    """Everything that forecasts one series: its readers (shared, never changed), the
    prepared series (window and scaling from its training part), its season and the AR."""

    name: str
    prepared: Prepared
    season: int
    readers: dict[str, SeriesReader]
    ar: LinearAR

    @property
    def values(self) -> np.ndarray:
        return self.prepared.values

    @property
    def methods(self) -> tuple[str, ...]:
        return (*self.readers, *BASELINES)


def forecasters(
    name: str, prepared: Prepared, season: int, readers: dict[str, SeriesReader]
) -> Forecasters:
    """Wrap readers trained on `prepared` with the AR fitted on the same training part."""
    train = prepared.values[: prepared.train_size]
    ar = fit_linear_ar(train, ar_order(prepared.window, season))
    return Forecasters(name, prepared, season, dict(readers), ar)


def from_training(name: str, trained: TrainedReaders, season: int) -> Forecasters:
    return forecasters(name, trained.prepared, season, trained.models)


@dataclass(frozen=True)
class OneStep:
    targets: np.ndarray  # (m,) indices of the held-out values
    truth: np.ndarray  # (m,)
    forecasts: dict[str, np.ndarray]  # method -> (m,) one-step forecasts

    def mae(self) -> dict[str, float]:
        return {k: float(np.mean(np.abs(f - self.truth))) for k, f in self.forecasts.items()}

    def relative_to_naive(self) -> dict[str, float]:
        """MAE / the naive forecast's MAE: below 1 beats copying the last value."""
        found = self.mae()
        return {k: v / found["naive"] for k, v in found.items()}


def heldout_one_step(fc: Forecasters) -> OneStep:
    """Every reader's and baseline's one-step forecasts over the held-out part."""
    targets = heldout_targets(len(fc.values))
    found = {r: one_step(model, fc.prepared, targets) for r, model in fc.readers.items()}
    found |= baseline_forecasts(fc.values, targets, fc.season, fc.ar)
    return OneStep(targets, fc.values[targets], found)


def multi_step(fc: Forecasters, origin: int, horizon: int) -> dict[str, np.ndarray]:
    """Forecasts of values origin .. origin + horizon - 1 from the values before `origin` only,
    each step's forecast fed back as past for the next: method -> (horizon,). Compute it once
    for the longest horizon and slice: a shorter horizon gives the same first steps."""
    if not fc.prepared.window <= origin <= len(fc.values):
        raise ValueError(f"origin must be in {fc.prepared.window}..{len(fc.values)}")
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon must be 1..{MAX_HORIZON}")
    past = fc.values[:origin]
    found = {r: _fed_back(model, fc.prepared, past, horizon) for r, model in fc.readers.items()}
    found["naive"] = np.full(horizon, past[-1])
    season = max(1, fc.season)
    found["seasonal"] = np.array([past[origin - season + (h % season)] for h in range(horizon)])
    extended = list(past[-fc.ar.order :])
    for _ in range(horizon):
        extended.append(fc.ar.step(np.array(extended)))
    found["linear_ar"] = np.array(extended[fc.ar.order :])
    return found


def _fed_back(
    model: SeriesReader, prepared: Prepared, past: np.ndarray, horizon: int
) -> np.ndarray:
    window = list(past[-prepared.window :])
    out = []
    with torch.inference_mode():
        for _ in range(horizon):
            w = np.array(window)[None]
            step = model(torch.from_numpy(prepared.scaling.inputs(w))).numpy()
            value = float(prepared.scaling.forecast(w, step)[0])
            out.append(value)
            window = [*window[1:], value]
    return np.array(out)
