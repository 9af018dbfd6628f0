"""Three honest forecasts to beat, one step ahead, from the same past as the readers:

- naive: the last value again;
- seasonal naive: the value one season ago (a season of 1 step is the naive forecast);
- linear AR: y_t = c + a_1 y_(t-1) + ... + a_p y_(t-p), fitted by least squares on the training
  part only, with p = min(window, max(8, season + 1)): one season back and one step more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.series.data import windows_before

BASELINES = ("naive", "seasonal", "linear_ar")
TITLES = {
    "naive": "naive (the last value)",
    "seasonal": "seasonal naive (one season ago)",
    "linear_ar": "linear autoregression (least squares)",
}


def naive(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    return values[np.asarray(targets) - 1]


def seasonal_naive(values: np.ndarray, targets: np.ndarray, season: int) -> np.ndarray:
    return values[np.asarray(targets) - max(1, season)]


def ar_order(window: int, season: int) -> int:
    return min(window, max(8, season + 1))


@dataclass(frozen=True)
class LinearAR:
    coefficients: np.ndarray  # (p,) for lags 1..p
    intercept: float

    @property
    def order(self) -> int:
        return len(self.coefficients)

    def predict(self, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """One step ahead at each target index, from the p values before it."""
        past = windows_before(values, self.order, targets)[:, ::-1]  # lag 1 first
        return past @ self.coefficients + self.intercept

    def step(self, past: np.ndarray) -> float:
        """The next value after `past` (at least p values)."""
        return float(past[::-1][: self.order] @ self.coefficients + self.intercept)


def fit_linear_ar(train: np.ndarray, order: int) -> LinearAR:
    """Least squares on every target of the training part with `order` values before it."""
    targets = np.arange(order, len(train))
    past = windows_before(train, order, targets)[:, ::-1]
    design = np.column_stack([past, np.ones(len(targets))])
    solution, *_ = np.linalg.lstsq(design, train[targets], rcond=None)
    return LinearAR(solution[:-1], float(solution[-1]))


def baseline_forecasts(
    values: np.ndarray, targets: np.ndarray, season: int, ar: LinearAR
) -> dict[str, np.ndarray]:
    """Each baseline's one-step forecasts at `targets`."""
    return {
        "naive": naive(values, targets),
        "seasonal": seasonal_naive(values, targets, season),
        "linear_ar": ar.predict(values, targets),
    }
