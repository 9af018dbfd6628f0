"""A CNN written as named stages: every stage's output, and the logits from any stage on.

Subclasses list their stages in `stage_functions` and turn the last stage's output into
logits in `logits_of`; everything else (tracing, resuming from a stage for Grad-CAM, the plain
forward pass) follows from those two, with no hooks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

import torch
from torch import nn

StageFunction = Callable[[torch.Tensor], torch.Tensor]


class StagedCnn(nn.Module):
    def stage_functions(self) -> list[tuple[str, StageFunction]]:
        """(name, function) of every stage in order; each maps the previous output to its own."""
        raise NotImplementedError

    def logits_of(self, final: torch.Tensor) -> torch.Tensor:
        """The logits (B, classes) from the last stage's output."""
        raise NotImplementedError

    def _iter_stages(
        self, x: torch.Tensor, after: str | None = None
    ) -> Iterator[tuple[str, torch.Tensor]]:
        """Every stage's output; with `after`, x is that stage's output and only later ones run."""
        started = after is None
        for name, function in self.stage_functions():
            if started:
                x = function(x)
                yield name, x
            started = started or name == after

    def logits_from(self, stage: str, x: torch.Tensor) -> torch.Tensor:
        """The logits computed from the output `x` of `stage` onwards."""
        last = deque(self._iter_stages(x, after=stage), maxlen=1)
        return self.logits_of(last[0][1] if last else x)  # the last stage: x is its output

    def forward_stages(
        self, x: torch.Tensor
    ) -> tuple[list[tuple[str, torch.Tensor]], torch.Tensor]:
        """Every stage's output in order, and the logits."""
        stages = list(self._iter_stages(x))
        return stages, self.logits_of(stages[-1][1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ((_, final),) = deque(self._iter_stages(x), maxlen=1)  # keep only the last stage
        return self.logits_of(final)
