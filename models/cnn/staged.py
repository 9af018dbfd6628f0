"""A CNN written as named stages: every stage's output, and the logits from any stage on.

Subclasses list their stages in `stage_functions`, turn the last stage's output into logits in
`logits_of`, spread a class's logit over the last stage's grid in `class_maps`, and give their
first layer's filters in `first_filters`; everything else (tracing, resuming from a stage for
Grad-CAM, the plain forward pass) follows from those, with no hooks. This class declares all
that callers use: nothing outside reaches for a private method or probes for an attribute.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import ClassVar

import torch
from torch import nn

StageFunction = Callable[[torch.Tensor], torch.Tensor]


class StagedCnn(nn.Module):
    STAGE_NOTES: ClassVar[dict[str, str]] = {}  # stage name -> what it computes, in one line

    def stage_functions(self) -> list[tuple[str, StageFunction]]:
        """(name, function) of every stage in order; each maps the previous output to its own."""
        raise NotImplementedError

    def logits_of(self, final: torch.Tensor) -> torch.Tensor:
        """The logits (B, classes) from the last stage's output."""
        raise NotImplementedError

    def class_maps(self, final: torch.Tensor) -> torch.Tensor:
        """(B, classes, h, w) maps over the last stage's grid whose spatial means are the logits."""
        raise NotImplementedError

    def first_filters(self) -> torch.Tensor:
        """The first convolution's filters (out, 3, k, k), in RGB order."""
        raise NotImplementedError

    def stage_names(self) -> list[str]:
        return [name for name, _ in self.stage_functions()]

    def stage_note(self, stage: str) -> str:
        return self.STAGE_NOTES.get(stage, "")

    def stage_outputs(
        self, x: torch.Tensor, after: str | None = None
    ) -> Iterator[tuple[str, torch.Tensor]]:
        """Every stage's output; with `after`, x is that stage's output and only later ones run."""
        started = after is None
        for name, function in self.stage_functions():
            if started:
                x = function(x)
                yield name, x
            started = started or name == after

    def stage_output(self, x: torch.Tensor, stage: str) -> torch.Tensor:
        """The output of one stage (the stages after it are not run)."""
        for name, output in self.stage_outputs(x):
            if name == stage:
                return output
        raise KeyError(f"no stage {stage!r}")

    def logits_from(self, stage: str, x: torch.Tensor) -> torch.Tensor:
        """The logits computed from the output `x` of `stage` onwards."""
        last = deque(self.stage_outputs(x, after=stage), maxlen=1)
        return self.logits_of(last[0][1] if last else x)  # the last stage: x is its output

    def forward_stages(
        self, x: torch.Tensor
    ) -> tuple[list[tuple[str, torch.Tensor]], torch.Tensor]:
        """Every stage's output in order, and the logits."""
        stages = list(self.stage_outputs(x))
        return stages, self.logits_of(stages[-1][1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ((_, final),) = deque(self.stage_outputs(x), maxlen=1)  # keep only the last stage
        return self.logits_of(final)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())
