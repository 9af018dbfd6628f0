"""Where each CNN layer looks and what it costs: receptive fields and multiply-accumulates.

A CNN port lists its spatial operations in order (`SpatialOp`: kernel, stride, padding before
the first pixel, channels, input and output size). From that list alone:

- the theoretical receptive field of every stage: its size r, the step j between neighbouring
  units (in input pixels) and the centre of unit 0, by the usual recurrence over the ops on the
  longest path through each stage: r += (k - 1) j;  centre += ((k - 1) / 2 - pad) j;  j *= s.
  Unit u of a stage then sees input pixels centre + u j ± (r - 1) / 2 (clipped to the image).
- multiply-accumulates: out_size² · c_out · (c_in / groups) · k² per convolution, summed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SpatialOp:
    stage: str
    name: str
    kernel: int
    stride: int
    pad: int  # padding before the first row/column (the rest, if any, goes after the last)
    c_in: int
    c_out: int
    in_size: int
    out_size: int
    groups: int = 1
    pool: bool = False  # max-pooling: no weights, no multiply-accumulates
    on_path: bool = True  # on the longest path through its stage (sets the receptive field)

    @property
    def macs(self) -> int:
        if self.pool:
            return 0
        return self.out_size**2 * self.c_out * (self.c_in // self.groups) * self.kernel**2

    @property
    def params(self) -> int:
        """Weights of a convolution (no bias); 0 for pooling."""
        return 0 if self.pool else self.c_out * (self.c_in // self.groups) * self.kernel**2


def conv_out(size: int, kernel: int, stride: int, pad_total: int) -> int:
    """Output side of a convolution or pooling with floor rounding."""
    return (size + pad_total - kernel) // stride + 1


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow "SAME" padding (before, after): the odd pixel goes after."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


@dataclass(frozen=True)
class ReceptiveField:
    stage: str
    size: int  # pixels on a side that one unit can see (before clipping to the image)
    jump: int  # pixels between neighbouring units
    centre: float  # centre of unit 0, in input pixel coordinates (pixel i spans i..i+1: 0.5 is
    # the centre of the first pixel)
    map_size: int  # units on a side

    def box(self, row: int, col: int, image_size: int) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) pixel box, end-exclusive, that unit (row, col) sees."""
        half = self.size / 2

        def span(unit: int) -> tuple[int, int]:
            mid = self.centre + unit * self.jump
            return max(0, round(mid - half)), min(image_size, round(mid + half))

        (top, bottom), (left, right) = span(row), span(col)
        return top, left, bottom, right


def receptive_fields(ops: list[SpatialOp]) -> list[ReceptiveField]:
    """The receptive field at the end of every stage, in stage order."""
    size, jump, centre = 1, 1, 0.5
    fields: dict[str, ReceptiveField] = {}
    for op in ops:
        if not op.on_path:
            continue
        size += (op.kernel - 1) * jump
        centre += ((op.kernel - 1) / 2 - op.pad) * jump
        jump *= op.stride
        fields[op.stage] = ReceptiveField(op.stage, size, jump, centre, op.out_size)
    return list(fields.values())


def total_macs(ops: list[SpatialOp]) -> int:
    return sum(op.macs for op in ops)


def macs_by_stage(ops: list[SpatialOp]) -> dict[str, int]:
    found: dict[str, int] = {}
    for op in ops:
        found[op.stage] = found.get(op.stage, 0) + op.macs
    return found
