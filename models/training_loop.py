"""The training loop the app's live-trained readers share (digits and series): one epoch of
Adam steps with clipped gradients that can stop mid-epoch and give way between batches, a cosine
schedule, and trained readers frozen for serving."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import torch
from torch import nn

Loss = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


def cosine(optimiser: torch.optim.Optimizer, epochs: int) -> torch.optim.lr_scheduler.LRScheduler:
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=max(epochs, 1))


def train_epoch(
    model: nn.Module,
    optimiser: torch.optim.Optimizer,
    epoch_batches: Iterator[tuple[torch.Tensor, torch.Tensor]],
    loss_of: Loss,
    should_stop: Callable[[], bool] = lambda: False,
    between_batches: Callable[[], None] | None = None,
) -> list[float]:
    """One pass over the batches; it ends early, mid-epoch, once `should_stop` says so."""
    losses = []
    for x, y in epoch_batches:
        if should_stop():
            break
        loss = loss_of(model, x, y)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # a plain RNN's gradient can explode
        optimiser.step()
        losses.append(float(loss.detach()))
        if between_batches is not None:
            between_batches()
    return losses


def freeze(models: Iterable[nn.Module]) -> None:
    """Trained readers are served from now on: evaluation mode, no gradients kept."""
    for model in models:
        model.eval().requires_grad_(False)
