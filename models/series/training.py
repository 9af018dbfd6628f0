"""Training the four series readers the same way: same windows, same scaling, same loss (mean
squared error on the scaled next step), same batches, optimiser (Adam) and cosine schedule, each
from its own seeded start. Used by scripts/train_series.py for the shipped readers, by the
command line's `forecast --train`, and (later) by the live training queue.

Only the training part is read: its windows, and the scaling fitted on it. The held-out part is
scored after every epoch for the progress report, and never steers anything (no early stopping,
no choice of epochs by it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from models.series.data import (
    Scaling,
    fit_scaling,
    heldout_targets,
    train_size,
    train_targets,
    window_for,
    windows_before,
)
from models.series.readers import (
    READERS,
    SeriesConfig,
    SeriesReader,
    build,
    dilations_within,
)
from models.training_loop import cosine, freeze, train_epoch


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 60
    hidden: int = 32
    learning_rate: float = 5e-3
    batch: int = 64
    seed: int = 0
    readers: tuple[str, ...] = READERS


@dataclass(frozen=True)
class Prepared:
    """A series made ready for the readers: its window, scaling and training pairs."""

    values: np.ndarray  # (n,) the whole series, in its own units
    window: int
    scaling: Scaling
    train_x: torch.Tensor  # (N, window) scaled inputs whose targets lie in the training part
    train_y: torch.Tensor  # (N,) scaled targets

    @property
    def train_size(self) -> int:
        return train_size(len(self.values))


def prepare(values: np.ndarray, window: int | None = None) -> Prepared:
    """Windows and scaling from the first 80% of `values` only."""
    values = np.asarray(values, np.float64)
    n_train = train_size(len(values))
    window = window_for(n_train) if window is None else window
    train = values[:n_train]
    scaling = fit_scaling(train, window)
    targets = train_targets(n_train, window)
    windows = windows_before(train, window, targets)
    return Prepared(
        values,
        window,
        scaling,
        torch.from_numpy(scaling.inputs(windows)),
        torch.from_numpy(scaling.targets(windows, train[targets])),
    )


@dataclass(frozen=True)
class EpochReport:
    reader: str
    epoch: int  # 1-based
    loss: float  # mean training loss over the epoch (scaled units)
    heldout_mae: float  # one-step mean absolute error on the held-out part, series' units
    seconds: float  # training time of this reader so far (wall clock, evaluation excluded)


@dataclass
class TrainedReaders:
    prepared: Prepared
    models: dict[str, SeriesReader] = field(default_factory=dict)
    history: list[EpochReport] = field(default_factory=list)
    stopped: bool = False


def config_for(reader: str, window: int, settings: TrainSettings) -> SeriesConfig:
    return SeriesConfig(reader, settings.hidden, dilations=dilations_within(window))


def fresh_reader(reader: str, window: int, settings: TrainSettings) -> SeriesReader:
    torch.manual_seed(settings.seed + READERS.index(reader))
    return build(config_for(reader, window, settings))


def one_step(model: SeriesReader, prepared: Prepared, targets: np.ndarray) -> np.ndarray:
    """Forecasts in the series' units at each target index, one step ahead."""
    windows = windows_before(prepared.values, prepared.window, targets)
    with torch.inference_mode():
        out = model(torch.from_numpy(prepared.scaling.inputs(windows))).numpy()
    return prepared.scaling.forecast(windows, out)


def heldout_mae(model: SeriesReader, prepared: Prepared) -> float:
    targets = heldout_targets(len(prepared.values))
    return float(np.mean(np.abs(one_step(model, prepared, targets) - prepared.values[targets])))


def batches(
    prepared: Prepared, settings: TrainSettings, epoch: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The epoch's batches, the same for every reader: seeded by the run's seed and the epoch."""
    generator = torch.Generator().manual_seed(settings.seed * 1000 + epoch)
    order = torch.randperm(len(prepared.train_y), generator=generator)
    for start in range(0, len(order), settings.batch):
        chosen = order[start : start + settings.batch]
        yield prepared.train_x[chosen], prepared.train_y[chosen]


def mse_of(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The loss every series reader trains on: squared error on the scaled next step."""
    return F.mse_loss(model(x), y)


def train_readers(
    values: np.ndarray,
    settings: TrainSettings,
    on_epoch: Callable[[EpochReport, SeriesReader], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    between_batches: Callable[[], None] | None = None,
    window: int | None = None,
) -> TrainedReaders:
    """Train every reader of `settings` from scratch on the first 80% of `values`, epoch by
    epoch side by side (epoch 1 of each, then epoch 2, ...). New models: nothing shared is
    touched. `should_stop` is asked before every batch: a stop ends the run within one batch,
    and the epoch it cut short is not reported. `between_batches` runs after every batch."""
    prepared = prepare(values, window)
    result = TrainedReaders(prepared)
    optimisers: dict[str, torch.optim.Optimizer] = {}
    schedules: dict[str, torch.optim.lr_scheduler.LRScheduler] = {}
    spent = dict.fromkeys(settings.readers, 0.0)
    for reader in settings.readers:
        model = fresh_reader(reader, prepared.window, settings).train()
        result.models[reader] = model
        optimisers[reader] = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
        schedules[reader] = cosine(optimisers[reader], settings.epochs)
    for epoch in range(1, settings.epochs + 1):
        for reader, model in result.models.items():
            started = time.perf_counter()
            losses = train_epoch(
                model,
                optimisers[reader],
                batches(prepared, settings, epoch),
                mse_of,
                should_stop,
                between_batches,
            )
            if should_stop():
                result.stopped = True
                return finish(result)
            schedules[reader].step()
            spent[reader] += time.perf_counter() - started
            model.eval()
            report = EpochReport(
                reader, epoch, float(np.mean(losses)), heldout_mae(model, prepared), spent[reader]
            )
            model.train()
            result.history.append(report)
            if on_epoch is not None:
                on_epoch(report, model)
    return finish(result)


def finish(result: TrainedReaders) -> TrainedReaders:
    freeze(result.models.values())
    return result
