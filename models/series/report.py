"""The command line's `forecast` verb: one CSV file in, one JSON-ready dict out.

A file that is one of the shipped series (same sha256) is forecast by the shipped readers; any
other file by the baselines only, unless `train` asks for the four readers to be trained on its
first 80% first (the same settings as the shipped readers, fewer epochs if asked).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from models.checkpoints import expected_checksums, sha256_of
from models.series.baselines import BASELINES, ar_order, baseline_forecasts, fit_linear_ar
from models.series.data import (
    SEASONS,
    SERIES_DIR,
    guess_season,
    heldout_targets,
    metadata,
    train_size,
    window_for,
)
from models.series.forecast import (
    MAX_HORIZON,
    Forecasters,
    from_training,
    heldout_one_step,
    multi_step,
)
from models.series.registry import shipped_forecasters
from models.series.training import TrainSettings, train_readers
from models.series.visitor import SeriesInputError, read_series_csv


def shipped_name(path: Path) -> str | None:
    """The shipped series whose file has exactly these bytes, if any."""
    digest = sha256_of(path)
    for name, expected in expected_checksums(SERIES_DIR / "SHA256SUMS").items():
        if name.endswith(".csv") and expected == digest:
            return name.removesuffix(".csv")
    return None


def _rounded(found: dict[str, float]) -> dict[str, float]:
    return {k: float(f"{v:.6g}") for k, v in found.items()}


def forecast_file(
    path: Path,
    column: str | None = None,
    train: bool = False,
    epochs: int | None = None,
    horizon: int | None = None,
) -> dict:
    """Read `path` (SeriesInputError if it cannot be read as a series) and measure every
    forecaster on its held-out last 20%; with `horizon`, also the MAE of forecasts fed back on
    themselves for that many steps from the start of the held-out part."""
    if horizon is not None and not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon must be 1..{MAX_HORIZON}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SeriesInputError(error.strerror or "cannot read the file") from error
    visitor = read_series_csv(data, column)
    name = shipped_name(path)
    values = visitor.values
    season = SEASONS[name] if name else guess_season(values[: train_size(len(values))])
    record: dict = {
        "file": str(path),
        "series": name,
        "column": visitor.column,
        "values": len(values),
        "train": train_size(len(values)),
        "heldout": len(values) - train_size(len(values)),
        "window": window_for(train_size(len(values))),
        "season": season,
        "notes": list(visitor.notes),
    }
    if name is not None and (filled := metadata()["series"][name]["filled"]):
        how = metadata()["series"][name]["filled_how"]
        record["notes"].append(f"{filled} values of the source were missing: filled by {how}.")
    fc: Forecasters | None = None
    if train:
        settings = TrainSettings() if epochs is None else TrainSettings(epochs=epochs)
        started = time.perf_counter()
        trained = train_readers(values, settings)
        record |= {
            "readers": "trained",
            "epochs": settings.epochs,
            "train_seconds": round(time.perf_counter() - started, 2),
        }
        fc = from_training(name or path.stem, trained, season)
    elif name is not None:
        fc = shipped_forecasters(name)
        record["readers"] = "shipped"
    else:
        record["readers"] = None
        record["notes"].append("The readers were not trained on this file: give --train.")
    if fc is not None:
        one = heldout_one_step(fc)
        record["heldout_mae"] = _rounded(one.mae())
        record["relative_to_naive"] = _rounded(one.relative_to_naive())
    else:
        record |= _baselines_only(values, season)
    if horizon is not None and fc is not None:
        origin = train_size(len(values))
        steps = min(horizon, len(values) - origin)
        paths = multi_step(fc, origin, horizon)
        truth = values[origin : origin + steps]
        record["horizon"] = horizon
        record["multi_step_mae"] = _rounded(
            {k: float(np.mean(np.abs(p[:steps] - truth))) for k, p in paths.items()}
        )
    return record


def _baselines_only(values: np.ndarray, season: int) -> dict:
    n_train = train_size(len(values))
    targets = heldout_targets(len(values))
    window = window_for(n_train)
    ar = fit_linear_ar(values[:n_train], ar_order(window, season))
    found = baseline_forecasts(values, targets, season, ar)
    mae = {k: float(np.mean(np.abs(found[k] - values[targets]))) for k in BASELINES}
    return {
        "heldout_mae": _rounded(mae),
        "relative_to_naive": _rounded({k: v / mae["naive"] for k, v in mae.items()}),
    }
