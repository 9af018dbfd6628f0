"""Which past values moved a reader's forecast, how far back it looks, and what it keeps.

Every function reads the models only (no hooks, no .train(), parameters untouched): gradients
are taken with respect to the inputs, on models whose parameters need no gradient.

- Gradient by lag: d forecast / d past value, both in the series' own units, through the whole
  pipeline (scaling relative to the last value included); lag 0 is the last value, lag k the
  value k steps before it. A CNN's gradient is exactly 0 beyond its receptive field; a
  recurrent reader's fades.
- Integrated gradients over the past window, from a flat past (every value equal to the last
  one, scaled input 0) to the real one: per lag, summing to forecast(real) - forecast(flat).
- Hidden states over time: a recurrent reader's h after every step (its module's outputs); the
  CNN's channels after each convolution.
- Distant past removed: the held-out MAE when the values older than a lag are set to the last
  value ("flatten", scaled input 0) or shuffled among themselves in each window.
"""

from __future__ import annotations

import numpy as np
import torch

from models.series.data import heldout_targets, windows_before
from models.series.forecast import Forecasters
from models.series.readers import CausalCNN, RecurrentReader, SeriesReader
from models.series.training import Prepared

IG_BATCH = 512  # rows per pass of integrated gradients: bigger batches ran slower on this CPU


def held_out_windows(fc: Forecasters) -> np.ndarray:
    """(m, window) the past window before every held-out value, in the series' units."""
    return windows_before(fc.values, fc.prepared.window, heldout_targets(len(fc.values)))


def _forecast(model: SeriesReader, prepared: Prepared, w: torch.Tensor) -> torch.Tensor:
    """The pipeline in float64 torch: (B, W) past values -> (B,) forecasts, both in units."""
    s = prepared.scaling
    x = ((w - w[:, -1:]) / s.input_scale).float()
    return w[:, -1] + model(x).double() * s.step_scale


def gradient_by_lag(model: SeriesReader, prepared: Prepared, windows: np.ndarray) -> np.ndarray:
    """(B, W) d forecast / d past value for each window, indexed by lag (column 0: the last
    value)."""
    with torch.inference_mode(False), torch.enable_grad():
        w = torch.tensor(windows, dtype=torch.float64, requires_grad=True)
        (grad,) = torch.autograd.grad(_forecast(model, prepared, w).sum(), w)
    return grad.numpy()[:, ::-1].copy()


def integrated_gradients(
    model: SeriesReader, prepared: Prepared, windows: np.ndarray, steps: int = 32
) -> np.ndarray:
    """(B, W) by lag: integrated gradients of the forecast (series' units) over the scaled
    inputs, from 0 (a flat past at the last value) to the real window; midpoint rule."""
    s = prepared.scaling
    x = torch.from_numpy(s.inputs(np.asarray(windows, np.float64)))
    alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps
    total = torch.zeros_like(x)
    chunk = max(1, IG_BATCH // steps)  # whole paths of a few windows per pass
    with torch.inference_mode(False), torch.enable_grad():
        for start in range(0, len(x), chunk):
            part = x[start : start + chunk]
            points = (alphas[:, None, None] * part[None]).reshape(-1, x.shape[1])
            points.requires_grad_(True)
            (grad,) = torch.autograd.grad(model(points).sum(), points)
            total[start : start + chunk] = grad.reshape(steps, *part.shape).sum(0)
    attribution = (x * total / steps).double() * s.step_scale
    return attribution.numpy()[:, ::-1].copy()


def reach_profile(gradients: np.ndarray) -> np.ndarray:
    """(W,) mean |gradient| by lag over windows, scaled to sum to 1: how far back it looks.
    Lag 0 is left at 0: every forecast starts from the last value (its gradient is about 1 for
    every reader), which would swamp what the reader reads in the rest of the window."""
    mean = np.mean(np.abs(gradients), axis=0)
    mean[0] = 0.0
    return mean / max(float(mean.sum()), 1e-300)


def reach(profile: np.ndarray, share: float = 0.9) -> int:
    """The lag by which `share` of the profile is reached (lags 1..reach hold it)."""
    return int(np.searchsorted(np.cumsum(profile), share * float(profile.sum())))


def hidden_states(model: SeriesReader, prepared: Prepared, window: np.ndarray) -> np.ndarray:
    """One window (W,) -> a recurrent reader's (W, H) states after every step, or the CNN's
    (stages, C, W) channels after each convolution."""
    x = torch.from_numpy(prepared.scaling.inputs(np.asarray(window, np.float64)[None]))
    with torch.inference_mode():
        if isinstance(model, RecurrentReader):
            return model.states(x)[0].numpy().copy()
        assert isinstance(model, CausalCNN)
        return torch.stack([stage[0] for stage in model.stages(x)]).numpy().copy()


def distant_past_mae(
    fc: Forecasters, method: str, beyond: int, how: str = "flatten", seed: int = 0
) -> float:
    """Held-out one-step MAE of a reader or "linear_ar" when every value more than `beyond`
    steps back (lag >= beyond) is flattened to the last value or shuffled within its window."""
    if how not in ("flatten", "shuffle"):
        raise ValueError("how is 'flatten' or 'shuffle'")
    windows = held_out_windows(fc).copy()
    width = windows.shape[1]
    cut = width - max(1, beyond)  # positions before `cut` are lag >= beyond
    if cut > 0:
        if how == "flatten":
            windows[:, :cut] = windows[:, -1:]
        else:
            generator = np.random.default_rng(seed)
            for row in windows:
                row[:cut] = row[:cut][generator.permutation(cut)]
    truth = fc.values[heldout_targets(len(fc.values))]
    if method == "linear_ar":
        p = fc.ar.order
        forecast = windows[:, ::-1][:, :p] @ fc.ar.coefficients + fc.ar.intercept
    else:
        with torch.inference_mode():
            out = fc.readers[method](torch.from_numpy(fc.prepared.scaling.inputs(windows)))
        forecast = fc.prepared.scaling.forecast(windows, out.numpy())
    return float(np.mean(np.abs(forecast - truth)))
