"""A visitor's time series trained live: the four series readers trained from scratch on its
first 80%, as one run of the server's one training queue (serving/training.py), beside the digits'
runs. The run's settings name the series by a digest of its values, so two visitors who bring
the same numbers with the same epochs share one run; its result is the trained forecasters
(new models, private to the run: nothing shared is touched)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from models.series.data import train_size, train_targets, window_for
from models.series.forecast import from_training
from models.series.readers import READERS
from models.series.registry import training_metrics
from models.series.training import EpochReport, TrainSettings, train_readers
from serving.training import Estimate, Run

WORK_UNIT = 1000.0  # window-steps in one unit of work: a pace is kept per thousand


@dataclass(frozen=True)
class SeriesSettings:
    """What a series run trains: which values (by digest), how long, and its season."""

    digest: str  # sha256 of the values, as float64 bytes
    length: int
    season: int
    epochs: int
    hidden: int = TrainSettings.hidden

    @property
    def train(self) -> TrainSettings:
        return TrainSettings(epochs=self.epochs, hidden=self.hidden)


def series_digest(values: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(values, np.float64).tobytes()).hexdigest()


def series_work(length: int) -> float:
    """One reader-epoch's size: training windows times their length, in thousands of steps."""
    n_train = train_size(length)
    window = window_for(n_train)
    return len(train_targets(n_train, window)) * window / WORK_UNIT


@cache
def shipped_pace() -> float:
    """Seconds per unit of work of one reader-epoch, held-out scoring included, as
    scripts/train_series.py measured it on the shipped series (one thread): their mean."""
    metrics = training_metrics()
    runs = metrics["settings"]["epochs"] * len(metrics["settings"]["readers"])
    paces = [
        found["wall_seconds_all_four"] / runs / series_work(found["values"])
        for found in metrics["series"].values()
    ]
    return float(np.mean(paces))


@dataclass(frozen=True, eq=False)
class SeriesJob:
    """The four series readers trained on `values` with `settings` (see the module docstring)."""

    settings: SeriesSettings
    values: np.ndarray
    name: str = "your series"

    @property
    def steps(self) -> int:
        return self.settings.epochs * len(READERS)

    @property
    def work(self) -> float:
        return series_work(self.settings.length)

    @property
    def pace_key(self) -> tuple:
        return self.settings.hidden, "series", len(READERS)

    @property
    def label(self) -> str:
        return (
            f"the four series readers on a series of {self.settings.length:,} values, "
            f"{self.settings.epochs} epochs each"
        )

    def shipped_estimate(self) -> Estimate:
        return Estimate(
            self.steps * self.work * shipped_pace(),
            False,
            "not measured on this server yet: the shipped series readers' pace on one idle core",
        )

    def train(
        self, run: Run, should_stop: Callable[[], bool], between_batches: Callable[[], None]
    ) -> bool:
        trained = train_readers(
            self.values,
            self.settings.train,
            on_epoch=run.record,
            should_stop=should_stop,
            between_batches=between_batches,
        )
        if not trained.stopped:
            run.result = from_training(self.name, trained, self.settings.season)
        return trained.stopped

    def snapshot(self, run: Run, report: EpochReport, model: object) -> None:
        """Nothing beyond the report: the page draws the held-out error by epoch."""


def series_job(values: np.ndarray, season: int, epochs: int) -> SeriesJob:
    values = np.array(values, np.float64)  # the run's own copy
    values.setflags(write=False)
    settings = SeriesSettings(series_digest(values), len(values), season, epochs)
    return SeriesJob(settings, values)
