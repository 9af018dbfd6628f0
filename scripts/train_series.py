"""Train the four series readers (causal dilated CNN, LSTM, GRU, tanh RNN) on each shipped series
the same way, seeded, and measure them against the baselines on the held-out last 20%.

Usage: python scripts/train_series.py [--epochs N] [--series NAME ...] [--out DIR]

Same windows, scaling (fitted on the training part), loss (MSE on the scaled next step),
batches, optimiser (Adam, cosine schedule) and epochs for all four; each reader starts from its
own seeded weights. Torch runs on one thread, so the times are this machine's single-core times
(and two runs write the same weights).

Writes models/weights/series_<series>_<reader>.pt (checksums in SHA256SUMS) and
models/weights/series_metrics.json: per series its sizes, window, season, the CNN's receptive
field, every reader's and baseline's held-out one-step MAE and MAE relative to the naive
forecast, each reader's training seconds, and how far back each reader looks (gradient by lag).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.checkpoints import WEIGHTS_DIR  # noqa: E402
from models.series.analysis import (  # noqa: E402
    gradient_by_lag,
    held_out_windows,
    reach,
    reach_profile,
)
from models.series.data import SHIPPED, shipped_series  # noqa: E402
from models.series.forecast import from_training, heldout_one_step  # noqa: E402
from models.series.readers import CausalCNN, save_reader  # noqa: E402
from models.series.registry import METRICS_FILE  # noqa: E402
from models.series.training import TrainSettings, train_readers  # noqa: E402

EPOCHS = 60


def train_one(name: str, settings: TrainSettings, out: Path) -> dict:
    """Train, save and measure the four readers of one shipped series."""
    series = shipped_series(name)
    started = time.perf_counter()
    result = train_readers(
        series.values,
        settings,
        on_epoch=lambda report, _: print(
            f"{name:8} {report.reader:5} epoch {report.epoch:3}  loss {report.loss:.4f}  "
            f"held-out MAE {report.heldout_mae:.4f}  {report.seconds:6.1f} s",
            flush=True,
        ),
    )
    wall = time.perf_counter() - started
    prepared = result.prepared
    extra = {
        "series": name,
        "window": prepared.window,
        "input_scale": prepared.scaling.input_scale,
        "step_scale": prepared.scaling.step_scale,
        "epochs": settings.epochs,
        "seed": settings.seed,
    }
    for model in result.models.values():
        save_reader(model, name, extra, out)
    fc = from_training(name, result, series.season)
    one = heldout_one_step(fc)
    windows = held_out_windows(fc)
    last = {report.reader: report for report in result.history}
    figures: dict = {
        "values": len(series),
        "train": series.train_size,
        "heldout": series.heldout_size,
        "filled": int(series.filled.sum()),
        "window": prepared.window,
        "season": series.season,
        "ar_order": fc.ar.order,
        "receptive_field": next(
            m.receptive_field for m in result.models.values() if isinstance(m, CausalCNN)
        ),
        "heldout_mae": {k: round(v, 5) for k, v in one.mae().items()},
        "relative_to_naive": {k: round(v, 4) for k, v in one.relative_to_naive().items()},
        "train_seconds": {r: round(report.seconds, 2) for r, report in last.items()},
        "wall_seconds_all_four": round(wall, 1),
        "reach_90": {},
        "gradient_by_lag": {},
    }
    for reader, model in result.models.items():
        profile = reach_profile(gradient_by_lag(model, prepared, windows))
        figures["reach_90"][reader] = reach(profile)
        figures["gradient_by_lag"][reader] = [float(f"{v:.4g}") for v in profile]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--series", nargs="+", choices=SHIPPED, default=list(SHIPPED))
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, metavar="DIR")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    np.random.seed(0)
    args.out.mkdir(parents=True, exist_ok=True)
    settings = TrainSettings(epochs=args.epochs)
    metrics_path = args.out / METRICS_FILE.name
    old = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else {}
    metrics = {
        "settings": asdict(settings),
        "threads": 1,
        "loss": "mean squared error of the scaled next step",
        "split": "first 80% trained on, last 20% held out",
        "series": old.get("series", {}),
    }
    for name in args.series:
        metrics["series"][name] = train_one(name, settings, args.out)
    metrics["series"] = {k: metrics["series"][k] for k in SHIPPED if k in metrics["series"]}
    metrics_path.write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
