"""Training the four digit readers the same way: same digits, same batches, same augmentation,
same optimiser and schedule, each from its own seeded start. Used by scripts/train_digits.py
for the shipped weights and by the page's live training.

Every epoch shuffles the training digits and bends each one a little (shifted by up to 2
pixels, turned by up to 10 degrees, scaled by 0.9 to 1.1), from a generator seeded by the run's
seed and the epoch alone, so every reader sees exactly the same batches. A row reader is
trained on its guess after every row as well as after the last one, so that "the guess after
row k" means something; the last row counts as much as all the others together.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from models.digits.data import SIDE, digit_set
from models.digits.readers import DigitConfig, DigitReader, build, final_scores
from models.training_loop import cosine, freeze, train_epoch

READERS = ("cnn", "lstm", "gru", "rnn")
SHIFT, TURN, SCALE = 2.0, 10.0, 0.1  # pixels, degrees, ± share
ROW_PERMUTATION_SEED = 7  # the one fixed order of rows of the "scrambled" digits


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 30
    hidden: int = 128
    learning_rate: float = 2e-3
    batch: int = 64
    scrambled: bool = False
    augment: bool = True
    seed: int = 0
    train_limit: int | None = None  # the first n training digits only (quick runs, tests)
    readers: tuple[str, ...] = READERS


@dataclass(frozen=True)
class EpochReport:
    reader: str
    epoch: int  # 1-based
    loss: float  # mean training loss over the epoch
    accuracy: float  # on the held-out digits, after the whole digit
    seconds: float  # training time of this reader so far (wall clock, evaluation excluded)


@dataclass
class TrainedReaders:
    models: dict[str, DigitReader] = field(default_factory=dict)
    history: list[EpochReport] = field(default_factory=list)
    stopped: bool = False


def row_order(scrambled: bool) -> torch.Tensor:
    """The order in which rows are stacked: top to bottom, or one fixed shuffle of them."""
    if not scrambled:
        return torch.arange(SIDE)
    return torch.randperm(SIDE, generator=torch.Generator().manual_seed(ROW_PERMUTATION_SEED))


def bend(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each (28, 28) digit shifted, turned and scaled a little, by random amounts."""
    n = len(images)

    def uniform(half_width: float) -> torch.Tensor:
        return (torch.rand(n, generator=generator) * 2 - 1) * half_width

    angle = uniform(math.radians(TURN))
    scale = 1 + uniform(SCALE)
    shift = torch.stack([uniform(SHIFT), uniform(SHIFT)], dim=1) * 2 / SIDE  # to grid units
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    grid = F.affine_grid(theta, (n, 1, SIDE, SIDE), align_corners=False)
    return F.grid_sample(images[:, None], grid, align_corners=False, padding_mode="zeros")[:, 0]


def batches(
    images: torch.Tensor, labels: torch.Tensor, settings: TrainSettings, epoch: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The epoch's batches, the same for every reader: seeded by the run's seed and the epoch."""
    generator = torch.Generator().manual_seed(settings.seed * 1000 + epoch)
    order = torch.randperm(len(images), generator=generator)
    shown = bend(images[order], generator) if settings.augment else images[order]
    for start in range(0, len(order), settings.batch):
        yield shown[start : start + settings.batch], labels[order[start : start + settings.batch]]


def loss_of(model: DigitReader, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    scores = model(x)
    if scores.dim() == 2:
        return F.cross_entropy(scores, y)
    every_row = F.cross_entropy(scores.flatten(0, 1), y.repeat_interleave(SIDE))
    return F.cross_entropy(scores[:, -1], y) + every_row


def accuracy(model: DigitReader, images: torch.Tensor, labels: torch.Tensor) -> float:
    with torch.inference_mode():
        return float((final_scores(model, images).argmax(1) == labels).float().mean())


def fresh_reader(reader: str, settings: TrainSettings) -> DigitReader:
    torch.manual_seed(settings.seed + READERS.index(reader))
    return build(DigitConfig(reader, settings.hidden, settings.scrambled))


def train_readers(
    settings: TrainSettings,
    on_epoch: Callable[[EpochReport, DigitReader], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    between_batches: Callable[[], None] | None = None,
) -> TrainedReaders:
    """Train every reader of `settings` from scratch, epoch by epoch side by side (epoch 1 of
    each, then epoch 2, ...), so a live view can show all of them learning at once. New models:
    nothing shared is touched. `should_stop` is asked before every batch: a stop ends the run
    within one batch, and the epoch it cut short is not reported. `between_batches` runs after
    every batch (the live run gives the other threads of the process their turn there)."""
    data = digit_set()
    order = row_order(settings.scrambled)
    train_x, train_y = data.tensors("train", settings.train_limit)
    test_x, test_y = data.tensors("test")
    train_x, test_x = train_x[:, order], test_x[:, order]
    result = TrainedReaders()
    optimisers: dict[str, torch.optim.Optimizer] = {}
    spent: dict[str, float] = {}
    for reader in settings.readers:
        result.models[reader] = fresh_reader(reader, settings).train()
        optimisers[reader] = torch.optim.Adam(
            result.models[reader].parameters(), lr=settings.learning_rate
        )
        spent[reader] = 0.0
    schedule = {r: cosine(optimisers[r], settings.epochs) for r in settings.readers}
    for epoch in range(1, settings.epochs + 1):
        for reader, model in result.models.items():
            if should_stop():
                result.stopped = True
                return finish(result)
            started = time.perf_counter()
            losses = train_epoch(
                model,
                optimisers[reader],
                batches(train_x, train_y, settings, epoch),
                loss_of,
                should_stop,
                between_batches,
            )
            if should_stop():
                result.stopped = True
                return finish(result)
            schedule[reader].step()
            spent[reader] += time.perf_counter() - started
            model.eval()
            report = EpochReport(
                reader,
                epoch,
                float(np.mean(losses)),
                accuracy(model, test_x, test_y),
                spent[reader],
            )
            model.train()
            result.history.append(report)
            if on_epoch is not None:
                on_epoch(report, model)
    return finish(result)


def finish(result: TrainedReaders) -> TrainedReaders:
    freeze(result.models.values())
    return result
