"""The shipped series, the split in time, and the windows every reader and baseline is fed.

A series of n values is split in time: the first `train_size(n)` (80%) for training, the rest
held out and never trained on. Every forecast is one step ahead from a window of the `window`
values before it; a held-out target's window may reach back into the training part (that past
is known when forecasting), but no training window's target, and nothing the scaling is fitted
on, lies in the held-out part.

Scaling (fitted on the training part only): a window is read relative to its last value, so a
series that climbs out of the range it was trained on (co2 does) still looks familiar:

    input  = (window - last value) / input_scale     (the last input is always 0)
    target = (next value - last value) / step_scale

`input_scale` is the spread of the training windows' values about their last value,
`step_scale` the spread of the training part's one-step changes. A reader that learned nothing
(outputs 0) forecasts "the same as the last value": the naive forecast.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from models.checkpoints import verified_path

SERIES_DIR = Path(__file__).resolve().parents[2] / "assets" / "series"
METADATA_FILE = "series.json"
SHIPPED = ("sunspots", "co2", "elnino")
# Season lengths in steps: the sunspot cycle (about 11 years), a year of weeks, a year of months.
SEASONS = {"sunspots": 11, "co2": 52, "elnino": 12}
TRAIN_SHARE = 0.8
WINDOW = 80  # past values a forecast reads: more than a co2 year (52 weeks) and the CNN's reach
MIN_WINDOW = 8


@dataclass(frozen=True)
class Series:
    name: str
    values: np.ndarray  # (n,) float64, in the series' own units
    labels: tuple[str, ...]  # a date or an index per value
    season: int  # steps per season (1: none known)
    filled: np.ndarray  # (n,) bool: values filled in where the source had none
    unit: str = ""

    def __len__(self) -> int:
        return len(self.values)

    @property
    def train_size(self) -> int:
        return train_size(len(self.values))

    @property
    def heldout_size(self) -> int:
        return len(self.values) - self.train_size

    @property
    def window(self) -> int:
        return window_for(self.train_size)

    @property
    def train(self) -> np.ndarray:
        return self.values[: self.train_size]


def train_size(n: int) -> int:
    """The first 80% of n values (rounded down) are for training."""
    return int(n * TRAIN_SHARE)


def window_for(train_values: int) -> int:
    """WINDOW, or shorter for a short series: at most a third of its training part, so that
    there are enough training windows (a 60-value series gets 16)."""
    return max(MIN_WINDOW, min(WINDOW, train_values // 3))


@dataclass(frozen=True)
class Scaling:
    input_scale: float
    step_scale: float

    def inputs(self, windows: np.ndarray) -> np.ndarray:
        """(B, W) windows in the series' units -> (B, W) float32 model inputs."""
        return ((windows - windows[:, -1:]) / self.input_scale).astype(np.float32)

    def forecast(self, windows: np.ndarray, outputs: np.ndarray) -> np.ndarray:
        """(B,) model outputs -> (B,) forecasts in the series' units."""
        return windows[:, -1] + np.asarray(outputs, np.float64) * self.step_scale

    def targets(self, windows: np.ndarray, following: np.ndarray) -> np.ndarray:
        return ((following - windows[:, -1]) / self.step_scale).astype(np.float32)


def windows_before(values: np.ndarray, window: int, targets: np.ndarray) -> np.ndarray:
    """(len(targets), window): the `window` values just before each target index."""
    index = np.asarray(targets)[:, None] + np.arange(-window, 0)[None, :]
    if index.size and index.min() < 0:
        raise ValueError("a target needs `window` values before it")
    return values[index]


def train_targets(n_train: int, window: int) -> np.ndarray:
    """Indices of the training targets: every value of the training part with a full window."""
    return np.arange(window, n_train)


def heldout_targets(n: int) -> np.ndarray:
    return np.arange(train_size(n), n)


def fit_scaling(train: np.ndarray, window: int) -> Scaling:
    """Both scales from the training part only (see the module docstring); a floor keeps a
    nearly flat stretch from dividing by zero."""
    targets = train_targets(len(train), window)
    windows = windows_before(train, window, targets)
    spread = float(np.sqrt(np.mean((windows - windows[:, -1:]) ** 2)))
    steps = float(np.std(np.diff(train)))
    floor = 1e-9 * max(1.0, float(np.max(np.abs(train))))
    return Scaling(max(spread, floor), max(steps, floor))


@cache
def metadata() -> dict:
    """Sources, licences and counts of the shipped series (assets/series/series.json)."""
    path = verified_path(METADATA_FILE, SERIES_DIR)
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def shipped_series(name: str) -> Series:
    """A shipped series, after checking its file's sha256."""
    if name not in SHIPPED:
        raise KeyError(f"{name!r} is not one of {', '.join(SHIPPED)}")
    path = verified_path(f"{name}.csv", SERIES_DIR)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    values = np.array([float(row["value"]) for row in rows])
    filled = np.array([row["filled"] == "1" for row in rows])
    for array in (values, filled):
        array.setflags(write=False)
    return Series(
        name, values, tuple(row["date"] for row in rows), SEASONS[name], filled, unit=UNITS[name]
    )


UNITS = {"sunspots": "sunspots", "co2": "ppm", "elnino": "°C"}


def guess_season(train: np.ndarray, longest: int = 400) -> int:
    """A season length for a series with none given: among the local peaks of the training
    part's autocorrelation (less its straight-line trend) at lags 2 .. a third of its length,
    the first that comes within 0.1 of the highest, if above 0.3; else 1 (no season). The first
    rather than the highest, so that a year is not taken for four (elnino's peak at 48 months
    is only a little above its peak at 12)."""
    n = len(train)
    top = min(longest, n // 3)
    if top < 3:
        return 1
    t = np.arange(n)
    residual = train - np.polyval(np.polyfit(t, train, 1), t)
    residual = residual - residual.mean()
    energy = float(residual @ residual)
    if energy == 0:
        return 1
    acf = np.array([residual[:-k] @ residual[k:] / energy for k in range(1, top + 1)])
    peaks = [k for k in range(2, top) if acf[k - 1] > acf[k - 2] and acf[k - 1] >= acf[k]]
    if not peaks:
        return 1
    highest = max(acf[k - 1] for k in peaks)
    best = next(k for k in peaks if acf[k - 1] >= highest - 0.1)
    return best if acf[best - 1] > 0.3 else 1
