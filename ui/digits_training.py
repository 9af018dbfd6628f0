"""Training the four digit readers live on the server, one run at a time, shared by everyone.

A run trains in a thread of its own, so no visitor's page waits for it: every page's script
keeps running while the run's epochs go by, and the page that shows the run reads its progress
every second. A second visitor who asks for a run while one is going sees that run; finished
runs are kept per settings, so a class that asks for the same settings sees the result at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import streamlit as st
import torch

from models.digits.analysis import gradient_by_row
from models.digits.data import digit_set
from models.digits.readers import DigitCNN, DigitReader
from models.digits.registry import training_metrics
from models.digits.training import EpochReport, TrainSettings, row_order, train_readers

KEPT_RUNS = 8  # finished runs kept, the oldest dropped first
GRADIENT_DIGITS = 200  # held-out digits the gradient by row is averaged over, at each moment


@dataclass
class Run:
    """One training run: its settings, what every epoch measured, and snapshots to show."""

    settings: TrainSettings
    started: float = field(default_factory=time.time)
    history: list[EpochReport] = field(default_factory=list)
    filters: dict[int, np.ndarray] = field(default_factory=dict)  # epoch -> CNN conv1 (16, 5, 5)
    gradients: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)  # epoch -> reader
    stop: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    stopped: bool = False
    error: str | None = None

    @property
    def progress(self) -> float:
        total = self.settings.epochs * len(self.settings.readers)
        return min(1.0, len(self.history) / total)

    def record(self, report: EpochReport, model: DigitReader) -> None:
        """Called after every epoch of every reader, from the training thread."""
        self.history.append(report)
        if isinstance(model, DigitCNN):
            self.filters[report.epoch] = model.conv1.weight.detach()[:, 0].numpy().copy()
        elif report.epoch in moments(self.settings.epochs):
            images, labels = digit_set().tensors("test", GRADIENT_DIGITS)
            images = images[:, row_order(self.settings.scrambled)]
            with torch.inference_mode(False):
                grads = gradient_by_row(model, images, labels)
            self.gradients.setdefault(report.epoch, {})[report.reader] = np.median(grads, axis=0)


def moments(epochs: int) -> tuple[int, ...]:
    """The epochs at which each row reader's gradient by row is measured: first, middle, last."""
    return tuple(sorted({1, (epochs + 1) // 2, epochs}))


@dataclass
class TrainingRuns:
    """The server's runs: the one going (if any) and the finished ones, by settings."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    current: Run | None = None
    finished: dict[TrainSettings, Run] = field(default_factory=dict)

    def start(self, settings: TrainSettings) -> Run:
        """The run for these settings: a finished one, the one going, or a new one started now.
        While another run goes, that one is returned: one run at a time per server."""
        with self.lock:
            if settings in self.finished:
                return self.finished[settings]
            if self.current is not None and not self.current.done:
                return self.current
            run = Run(settings)
            self.current = run
        threading.Thread(
            target=self._train, args=(run,), daemon=True, name="digits-training"
        ).start()
        return run

    def _train(self, run: Run) -> None:
        try:
            result = train_readers(run.settings, on_epoch=run.record, should_stop=run.stop.is_set)
            run.stopped = result.stopped
        except Exception as error:
            run.error = f"{type(error).__name__}: {error}"
        finally:
            with self.lock:
                run.done = True
                if not run.stopped and run.error is None:
                    self.finished[run.settings] = run
                    while len(self.finished) > KEPT_RUNS:
                        self.finished.pop(next(iter(self.finished)))

    def latest(self) -> Run | None:
        """The run going now, or else the last one that finished."""
        if self.current is not None:
            return self.current
        return next(reversed(self.finished.values()), None)


@st.cache_resource
def training_runs() -> TrainingRuns:
    """One store of runs for the whole server, shared by every session."""
    return TrainingRuns()


def digit_epoch_seconds() -> tuple[dict[str, float], str]:
    """Each digit reader's seconds per epoch on identical data, and where that was measured: the
    last finished live run on unscrambled digits, or else the shipped readers' training."""
    for run in reversed(training_runs().finished.values()):
        if not run.settings.scrambled:
            last = {report.reader: report for report in run.history}
            seconds = {name: r.seconds / r.epoch for name, r in last.items()}
            return seconds, (
                f"measured live on this server, {run.settings.epochs} epochs of "
                f"{run.settings.hidden}-unit readers"
            )
    plain = training_metrics()["readers"]["plain"]
    seconds = {name: reader["seconds_per_epoch"] for name, reader in plain.items()}
    return seconds, "measured when the shipped readers were trained, on one thread"
