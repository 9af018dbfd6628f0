"""Parallel vs sequential, measured: forward time against input size, batches, training steps.

Every figure is a median of wall-clock repeats on this machine, with the torch threads the
process already uses. Shared models are only read: the timed forward passes run under
inference_mode, and training steps run on a private copy of a model.
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

IMAGE_SIDES = (64, 96, 128, 192, 256, 384, 512)
TOKEN_LENGTHS = (8, 16, 32, 64, 128, 256, 512, 1024)
QUICK_IMAGE_SIDES = (64, 128, 256)
QUICK_TOKEN_LENGTHS = (8, 32, 128)
BATCH = 64  # inputs in one call for the batch-against-singles timing
TRAIN_BATCH = 32  # sentences in one training step


@dataclass(frozen=True)
class Measurement:
    model: str
    input: str  # "image" (size = side in pixels) or "tokens" (size = tokens)
    size: int
    batch: int
    seconds: float  # median wall time of one call
    what: str = "forward"  # "forward", "singles" (batch inputs one at a time), "train step"

    def as_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "input": self.input,
            "size": self.size,
            "batch": self.batch,
            "seconds": round(self.seconds, 6),
            "what": self.what,
        }


def median_seconds(call: Callable[[], object], repeats: int) -> float:
    call()  # warm-up: first calls allocate
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def growth_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Slope of log(time) against log(size): 1 means time grows in proportion to size."""
    slope, _ = np.polyfit(np.log(sizes), np.log(seconds), 1)
    return float(slope)


def _forward(model: nn.Module, x: torch.Tensor) -> Callable[[], object]:
    def call() -> object:
        with torch.inference_mode():
            return model(x)

    return call


def image_timings(
    name: str, model: nn.Module, sides: tuple[int, ...], repeats: int
) -> Iterator[Measurement]:
    """One forward pass of a random image at every side (the CNNs accept any size)."""
    for side in sides:
        x = torch.rand(1, 3, side, side) * 255 - 128
        yield Measurement(name, "image", side, 1, median_seconds(_forward(model, x), repeats))


def token_ids(vocab_size: int, batch: int, length: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(2, vocab_size, (batch, length), generator=generator)


def token_timings(
    name: str, model: nn.Module, lengths: tuple[int, ...], repeats: int
) -> Iterator[Measurement]:
    """One forward pass of a random sentence of every length (the model's own fused layers)."""
    for length in lengths:
        ids = token_ids(model.config.vocab_size, 1, length)
        yield Measurement(name, "tokens", length, 1, median_seconds(_forward(model, ids), repeats))


def batch_timings(
    name: str, model: nn.Module, kind: str, size: int, repeats: int, batch: int = BATCH
) -> Iterator[Measurement]:
    """`batch` inputs in one call, and the same inputs one call each."""
    if kind == "image":
        inputs = torch.rand(batch, 3, size, size) * 255 - 128
    else:
        inputs = token_ids(model.config.vocab_size, batch, size)
    one_call = _forward(model, inputs)
    yield Measurement(name, kind, size, batch, median_seconds(one_call, repeats))

    def singles() -> None:
        with torch.inference_mode():
            for row in inputs:
                model(row[None])

    yield Measurement(name, kind, size, batch, median_seconds(singles, repeats), "singles")


def training_step_time(
    name: str, model: nn.Module, length: int, repeats: int, batch: int = TRAIN_BATCH
) -> Measurement:
    """One optimiser step of a private copy of a sentiment reader on one random batch."""
    trainee = copy.deepcopy(model).train().requires_grad_(True)
    optimizer = torch.optim.Adam(trainee.parameters(), lr=1e-4)
    ids = token_ids(model.config.vocab_size, batch, length)
    targets = torch.zeros(batch, length)

    def step() -> None:
        loss = ((trainee(ids) - targets) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return Measurement(name, "tokens", length, batch, median_seconds(step, repeats), "train step")


@dataclass(frozen=True)
class ProfilePlan:
    image_sides: tuple[int, ...]
    token_lengths: tuple[int, ...]
    repeats: int
    batch_image_side: int = 96
    batch_tokens: int = 32
    train_tokens: int = 32
    batch: int = BATCH  # inputs per batched call
    train_batch: int = TRAIN_BATCH  # sentences per training step

    @classmethod
    def full(cls) -> ProfilePlan:
        return cls(IMAGE_SIDES, TOKEN_LENGTHS, repeats=3)

    @classmethod
    def quick(cls) -> ProfilePlan:
        # Three repeats, not one: a single timing could put a longer input below a shorter one.
        return cls(QUICK_IMAGE_SIDES, QUICK_TOKEN_LENGTHS, repeats=3, batch_image_side=64)


def run_profile(
    cnns: dict[str, nn.Module], readers: dict[str, nn.Module], plan: ProfilePlan
) -> Iterator[tuple[float, Measurement]]:
    """Every measurement of the plan, each with the fraction of the plan done after it."""
    jobs: list[Callable[[], Iterator[Measurement]]] = []
    for name, model in cnns.items():
        jobs.append(lambda n=name, m=model: image_timings(n, m, plan.image_sides, plan.repeats))
        jobs.append(
            lambda n=name, m=model: batch_timings(
                n, m, "image", plan.batch_image_side, plan.repeats, plan.batch
            )
        )
    for name, model in readers.items():
        jobs.append(lambda n=name, m=model: token_timings(n, m, plan.token_lengths, plan.repeats))
        jobs.append(
            lambda n=name, m=model: batch_timings(
                n, m, "tokens", plan.batch_tokens, plan.repeats, plan.batch
            )
        )
        jobs.append(
            lambda n=name, m=model: iter(
                [training_step_time(n, m, plan.train_tokens, plan.repeats, plan.train_batch)]
            )
        )
    for done, job in enumerate(jobs, start=1):
        for measurement in job():
            yield done / len(jobs), measurement
