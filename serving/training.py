"""Training live on the server: one run trains at a time, the others wait in one queue for the
whole server, and each run belongs to the visitor (the session) who asked for it. A run's job
says what it trains (`TrainingJob`): the four digit readers (`DigitsJob`, the default for a run
made from digit settings alone) or the four readers of a visitor's time series
(serving/series_training.py); both kinds share the one queue.

A visitor has at most one run waiting or training: asking again while theirs waits replaces it
in its place in the queue, asking while theirs trains is refused (they can stop it first), and
asking for settings that another visitor's run is already training (or waiting with), or that
a run finished with, gives that run instead of a second copy. Only the visitor who asked for a
run stops it (or takes it out of the queue). The queue is first come, first served, so with one
run each, visitors take turns.

A run trains in a thread of its own, and gives way to visitors' pages: between two batches it
waits while any page's script runs in this process (up to a quarter of a second at a time, so
it still moves on a busy server), and its OS priority is lowered (on Linux, for that thread
only), so pages served by other processes on the machine come first too. Lowering the priority
alone was not enough: the thread holds the interpreter's lock between torch's operations, and a
page that waits for that lock waits longer for a thread the OS runs less often
(bench/training_load.py measures a CNN upload during a run). Estimates come from the pace runs
have kept on this server, and a running run's own pace as it goes.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch

from models.digits.analysis import gradient_by_row
from models.digits.data import digit_set
from models.digits.readers import DigitReader
from models.digits.registry import DIGIT_READERS, training_metrics
from models.digits.training import EpochReport, TrainSettings, row_order, train_readers

KEPT_RUNS = 8  # finished runs kept, the oldest dropped first
GRADIENT_DIGITS = 200  # held-out digits the gradient by row is averaged over, at each moment
NICENESS = 10  # the training thread's OS priority: below every page's (0)
SCRIPT_THREAD = "ScriptRunner.scriptThread"  # streamlit's name for the thread of a page's run
GIVE_WAY_S = 0.25  # the longest a run waits for pages before its next batch
# The shipped readers' seconds per epoch left out scoring the held-out digits after every epoch
# and the gradient snapshots: about a third more, measured on the live runs.
EVALUATION_SHARE = 1.3
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Estimate:
    seconds: float
    upper_bound: bool  # measured here at more units than asked for: fewer train faster
    source: str  # where the pace was measured, for the page


class TrainingJob(Protocol):
    """What one kind of run trains. `steps` reader-epochs, each calling `record`; `work` is the
    size of one reader-epoch in the units its pace is kept in (a pace measured on a small series
    estimates a larger one), and `pace_key` what else the pace depends on."""

    @property
    def steps(self) -> int: ...

    @property
    def work(self) -> float: ...

    @property
    def pace_key(self) -> tuple: ...

    @property
    def label(self) -> str:
        """What the run trains, in a few words, for another page's queue line."""
        ...

    def shipped_estimate(self) -> Estimate:
        """The whole run's seconds before any run of its kind was measured on this server."""
        ...

    def train(
        self, run: Run, should_stop: Callable[[], bool], between_batches: Callable[[], None]
    ) -> bool:
        """Train, calling `run.record(report, model)` after every reader-epoch; True if stopped."""
        ...

    def snapshot(self, run: Run, report: Any, model: Any) -> None:
        """What the run keeps of a model after an epoch, beside the report (from its thread)."""
        ...


@dataclass
class Run:
    """One training run: who asked, its settings, what every epoch measured, and snapshots."""

    settings: Hashable  # what was asked for: the same settings are the same run
    owner: str = ""  # the visitor (session) who asked for it
    job: TrainingJob | None = None  # None: the digit readers of `settings` (DigitsJob)
    number: int = field(default_factory=lambda: next(_numbers))
    asked: float = field(default_factory=time.monotonic)
    began: float | None = None  # when it left the queue and began training
    last_epoch_at: float | None = None  # when its latest epoch was recorded
    history: list[EpochReport] = field(default_factory=list)
    filters: dict[int, np.ndarray] = field(default_factory=dict)  # epoch -> CNN conv1 (16, 5, 5)
    gradients: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)  # epoch -> reader
    stop: threading.Event = field(default_factory=threading.Event)
    thread_id: int | None = None  # the OS id of its training thread, while it trains
    result: Any = None  # what the job keeps once it ends (a series: its trained forecasters)
    done: bool = False
    stopped: bool = False
    error: str | None = None

    def __post_init__(self) -> None:
        if self.job is None:
            self.job = DigitsJob(self.settings)

    @property
    def steps(self) -> int:
        """Reader-epochs in the whole run."""
        return self.job.steps

    @property
    def progress(self) -> float:
        return min(1.0, len(self.history) / self.steps)

    @property
    def state(self) -> str:
        """waiting, training, stopping, finished, stopped or failed."""
        if self.error is not None:
            return "failed"
        if self.done:
            return "stopped" if self.stopped else "finished"
        if self.stop.is_set():
            return "stopping"
        return "waiting" if self.began is None else "training"

    @property
    def live(self) -> bool:
        """Waiting or training, and not asked to stop: it still counts as its owner's run."""
        return self.state in ("waiting", "training")

    def record(self, report: Any, model: Any) -> None:
        """Called after every epoch of every reader, from the training thread."""
        self.job.snapshot(self, report, model)
        self.history.append(report)
        self.last_epoch_at = time.monotonic()

    def pace(self) -> float | None:
        """Its wall-clock seconds per reader-epoch so far (evaluation and snapshots included)."""
        if not self.history or self.began is None or self.last_epoch_at is None:
            return None
        return (self.last_epoch_at - self.began) / len(self.history)


@dataclass(frozen=True)
class DigitsJob:
    """The four digit readers trained on the shipped digits with `settings`."""

    settings: TrainSettings

    @property
    def steps(self) -> int:
        return self.settings.epochs * len(self.settings.readers)

    @property
    def work(self) -> float:
        return 1.0

    @property
    def pace_key(self) -> tuple:
        return pace_key(self.settings)

    @property
    def label(self) -> str:
        epochs = self.settings.epochs
        return f"the four digit readers, {epochs} epoch{'' if epochs == 1 else 's'} each"

    def shipped_estimate(self) -> Estimate:
        settings = self.settings
        shipped = training_metrics()["readers"]["plain"]
        per_epoch = [shipped[name]["seconds_per_epoch"] for name in settings.readers]
        limit = settings.train_limit
        share = 1.0 if limit is None else min(1.0, limit / len(digit_set().tensors("train")[1]))
        seconds = settings.epochs * sum(per_epoch) * EVALUATION_SHARE * share
        # Neither a bound nor this server's pace (a loaded server trains slower): said so.
        return Estimate(
            seconds,
            False,
            "not measured on this server yet: the shipped readers' pace at 128 units on an "
            "idle core",
        )

    def train(
        self, run: Run, should_stop: Callable[[], bool], between_batches: Callable[[], None]
    ) -> bool:
        result = train_readers(
            self.settings,
            on_epoch=run.record,
            should_stop=should_stop,
            between_batches=between_batches,
        )
        return result.stopped

    def snapshot(self, run: Run, report: EpochReport, model: DigitReader) -> None:
        if not DIGIT_READERS[report.reader].recurrent:  # the grid reader: its filters
            run.filters[report.epoch] = model.conv1.weight.detach()[:, 0].numpy().copy()
        elif report.epoch in moments(self.settings.epochs):
            images, labels = digit_set().tensors("test", GRADIENT_DIGITS)
            images = images[:, row_order(self.settings.scrambled)]
            with torch.inference_mode(False):
                grads = gradient_by_row(model, images, labels)
            run.gradients.setdefault(report.epoch, {})[report.reader] = np.median(grads, axis=0)


def moments(epochs: int) -> tuple[int, ...]:
    """The epochs at which each row reader's gradient by row is measured: first, middle, last."""
    return tuple(sorted({1, (epochs + 1) // 2, epochs}))


_watching: set[int] = set()  # script threads that only redraw a run's progress


@contextmanager
def watching() -> Iterator[None]:
    """Around the light redraw of a run's progress: a run does not give way to it (a class
    watching a run would otherwise hold it up)."""
    _watching.add(threading.get_ident())
    try:
        yield
    finally:
        _watching.discard(threading.get_ident())


def pages_running() -> bool:
    """Whether a visitor's page script is running in this process now."""
    return any(
        thread.name == SCRIPT_THREAD and thread.ident not in _watching
        for thread in threading.enumerate()
    )


def give_way(limit: float = GIVE_WAY_S) -> None:
    """Between two batches: wait while a page's script runs (up to `limit` seconds), then
    yield the core."""
    deadline = time.monotonic() + limit
    while pages_running() and time.monotonic() < deadline:
        time.sleep(0.002)
    if hasattr(os, "sched_yield"):
        os.sched_yield()


def pace_key(settings: TrainSettings) -> tuple[int, int | None, int]:
    """What a run's pace depends on: units, training digits, and how many readers."""
    return settings.hidden, settings.train_limit, len(settings.readers)


@dataclass
class TrainingRuns:
    """The server's runs: the one training, the queue, the finished ones by settings, and the
    pace each kind of run has kept on this server."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    current: Run | None = None
    waiting: list[Run] = field(default_factory=list)
    finished: dict[Hashable, Run] = field(default_factory=dict)
    paces: dict[tuple, float] = field(default_factory=dict)  # seconds per unit of work

    def ask(self, owner: str, settings: Hashable, job: TrainingJob | None = None) -> Run:
        """The run `owner` gets for these settings (see the module's docstring for the rules);
        `job` trains them (None: the digit readers)."""
        with self.lock:
            current = self.current
            if current is not None and current.owner == owner and current.live:
                return current  # theirs is training: one at a time per visitor
            mine = next((run for run in self.waiting if run.owner == owner), None)
            if mine is not None and mine.settings == settings:
                return mine
            same = self.finished.get(settings) or next(
                (run for run in self._live() if run.settings == settings), None
            )
            run = same or Run(settings, owner, job)
            if mine is not None:
                place = self.waiting.index(mine)
                self._withdraw(mine)
                if same is None:
                    self.waiting.insert(place, run)
            elif same is None:
                self.waiting.append(run)
            self._advance()
            return run

    def stop(self, owner: str, run: Run) -> bool:
        """Stop `owner`'s own run, or take it out of the queue; False for anyone else's."""
        with self.lock:
            if run.owner != owner or run.done:
                return False
            if run in self.waiting:
                self._withdraw(run)
            else:
                run.stop.set()
            return True

    def position(self, run: Run) -> int | None:
        """1 for the first run in the queue, and so on; None once it trains or ended."""
        with self.lock:
            return self.waiting.index(run) + 1 if run in self.waiting else None

    def estimate(self, settings: Hashable, job: TrainingJob | None = None) -> Estimate:
        """How long a run of these settings takes on this server, from the pace kept here."""
        job = job if job is not None else DigitsJob(settings)
        key = job.pace_key
        work = job.steps * job.work  # the run's size in the units its pace is kept in
        current = self.current
        training = current is not None and not current.done
        if training and current.job.pace_key == key and current.pace():
            return Estimate(
                work * current.pace() / current.job.work,
                False,
                "measured on this server by the run training now",
            )
        if key in self.paces:
            return Estimate(
                work * self.paces[key], False, "measured on this server by earlier runs"
            )
        larger = sorted(
            k for k in self.paces if len(k) == len(key) and k[1:] == key[1:] and k[0] > key[0]
        )
        if larger:
            return Estimate(
                work * self.paces[larger[0]],
                True,
                f"measured on this server by runs of {larger[0][0]} units",
            )
        return job.shipped_estimate()

    def left(self, run: Run) -> Estimate:
        """Seconds until `run` ends: the runs ahead of it in the queue, then itself."""
        if run.done:
            return Estimate(0.0, False, "")
        own = run.pace()
        if own is not None:  # it trains: its own pace so far
            return Estimate(
                own * (run.steps - len(run.history)), False, "measured by this run so far"
            )
        whole = self.estimate(run.settings, run.job)
        if run.began is not None:  # before its first epoch ends
            spent = time.monotonic() - run.began
            first = whole.seconds / run.steps  # what its first reader-epoch should take
            if spent > first:  # slower than that pace (a busy server): no countdown to 0
                return Estimate(
                    whole.seconds * spent / first - spent,
                    whole.upper_bound,
                    "its first epoch is slower than that pace: the server is busy",
                )
            return Estimate(whole.seconds - spent, whole.upper_bound, whole.source)
        with self.lock:
            ahead = self.waiting[: self.waiting.index(run)] if run in self.waiting else []
            current = self.current
        seconds = whole.seconds + sum(self.estimate(r.settings, r.job).seconds for r in ahead)
        bound = whole.upper_bound
        if current is not None and current.state == "training":  # a stopping run: a batch
            before = self.left(current)
            seconds += before.seconds
            bound = bound or before.upper_bound
        return Estimate(seconds, bound, whole.source)

    def latest(self) -> Run | None:
        """The run training now, or else the last one that finished."""
        current = self.current
        if current is not None and not current.done:
            return current
        return next(reversed(self.finished.values()), None)

    def _live(self) -> list[Run]:
        current = [self.current] if self.current is not None and self.current.live else []
        return current + self.waiting

    def _withdraw(self, run: Run) -> None:
        """Take a waiting run out of the queue; it ends as stopped, never having trained."""
        self.waiting.remove(run)
        run.stop.set()
        run.stopped = run.done = True

    def _advance(self) -> None:
        """Start the first waiting run if none trains (called with the lock held)."""
        if (self.current is not None and not self.current.done) or not self.waiting:
            return
        run = self.waiting.pop(0)
        run.began = time.monotonic()
        self.current = run
        threading.Thread(target=self._train, args=(run,), daemon=True, name="live-training").start()

    def _train(self, run: Run) -> None:
        run.thread_id = threading.get_native_id()
        if hasattr(os, "setpriority"):  # Linux: the priority of this thread alone
            os.setpriority(os.PRIO_PROCESS, run.thread_id, NICENESS)
        try:
            run.stopped = run.job.train(run, run.stop.is_set, give_way)
        except Exception as error:
            run.error = f"{type(error).__name__}: {error}"
        finally:
            with self.lock:
                run.done = True
                run.thread_id = None
                if run.error is None and run.pace() is not None:
                    self.paces[run.job.pace_key] = run.pace() / run.job.work
                if not run.stopped and run.error is None:
                    self.finished[run.settings] = run
                    while len(self.finished) > KEPT_RUNS:
                        self.finished.pop(next(iter(self.finished)))
                self._advance()
