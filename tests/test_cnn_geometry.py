"""Receptive fields and multiply-accumulates: by hand on tiny layers, by gradients on real ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from models.cnn import efficientnet_lite, squeezenet
from models.cnn.geometry import (
    SpatialOp,
    conv_out,
    receptive_fields,
    same_padding,
    total_macs,
)

# A tiny CNN: conv 3x3 stride 1 no padding, then conv 3x3 stride 2 padding 1, on 9x9 input.
TINY = [
    SpatialOp("a", "a", 3, 1, 0, 1, 2, 9, 7),
    SpatialOp("b", "b", 3, 2, 1, 2, 3, 7, 4),
]


def tiny_model() -> nn.Sequential:
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, 1, 0, bias=False), nn.Conv2d(2, 3, 3, 2, 1, bias=False)
    )
    for conv in model:
        nn.init.constant_(conv.weight, 1.0)
    return model


def test_tiny_receptive_fields_by_hand() -> None:
    a, b = receptive_fields(TINY)
    # a: one 3x3 conv; unit 0 sees pixels 0..2, centred at 1.5 (pixel i spans i..i+1).
    assert (a.size, a.jump, a.centre, a.map_size) == (3, 1, 1.5, 7)
    # b: 3 + (3 - 1) * 1 = 5 pixels, step 2; its unit 0 is centred on a's unit -1 + 1 = 0.
    assert (b.size, b.jump, b.centre, b.map_size) == (5, 2, 1.5, 4)
    assert b.box(1, 2, 9) == (1, 3, 6, 8)  # centre (3.5, 5.5) ± 2.5


def gradient_support(model: nn.Module, x: torch.Tensor, stage_output, row: int, col: int):
    """Rows and columns of the input where the gradient of one unit is non-zero."""
    x = x.clone().requires_grad_(True)
    out = stage_output(model, x)  # (1, C, H, W)
    out[0, :, row, col].sum().backward()
    mask = x.grad[0].abs().sum(0) > 0
    rows, cols = np.nonzero(mask.numpy().any(1))[0], np.nonzero(mask.numpy().any(0))[0]
    return (int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1)


@pytest.mark.parametrize(("row", "col"), [(0, 0), (1, 2), (3, 3)])
def test_tiny_receptive_field_equals_the_gradient_support(row: int, col: int) -> None:
    model = tiny_model()
    x = torch.ones(1, 1, 9, 9)
    box = receptive_fields(TINY)[-1].box(row, col, 9)
    assert gradient_support(model, x, lambda m, v: m(v), row, col) == box


def test_tiny_macs_and_params_by_hand() -> None:
    assert TINY[0].macs == 7 * 7 * 2 * 1 * 9
    assert TINY[1].macs == 4 * 4 * 3 * 2 * 9
    assert total_macs(TINY) == 882 + 864
    depthwise = SpatialOp("d", "d", 3, 1, 1, 8, 8, 5, 5, groups=8)
    assert depthwise.macs == 5 * 5 * 8 * 1 * 9 and depthwise.params == 72
    assert SpatialOp("p", "p", 3, 2, 0, 4, 4, 9, 4, pool=True).macs == 0


def test_sizes_and_same_padding() -> None:
    assert conv_out(227, 3, 2, 0) == 113
    assert conv_out(113, 3, 2, 0) == 56
    assert same_padding(224, 3, 2) == (0, 1)
    assert same_padding(224, 5, 2) == (1, 2)
    assert same_padding(7, 3, 2) == (1, 1)


@pytest.mark.parametrize(
    ("module", "side", "shapes"),
    [
        (squeezenet, 227, {"conv1": 113, "fire3": 56, "fire5": 27, "conv10": 13}),
        (efficientnet_lite, 224, {"stem": 112, "block3": 56, "block12": 7, "head": 7}),
    ],
)
def test_map_sizes_match_the_real_forward_pass(module, side: int, shapes: dict) -> None:
    fields = {rf.stage: rf for rf in receptive_fields(module.spatial_ops(side))}
    model = module.load_pretrained()
    with torch.inference_mode():
        stages, _ = model.forward_stages(torch.zeros(1, 3, side, side))
    for name, output in stages:
        assert fields[name].map_size == output.shape[-1], name
    for name, size in shapes.items():
        assert fields[name].map_size == size


@pytest.mark.parametrize("module", [squeezenet, efficientnet_lite])
def test_macs_equal_torch_flop_counter(module) -> None:
    model = module.load_pretrained()
    side = module.INPUT_SIZE
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(torch.zeros(1, 3, side, side))
    assert total_macs(module.spatial_ops(side)) * 2 == counter.get_total_flops()


@pytest.mark.parametrize(
    ("module", "stage", "unit"),
    [
        (squeezenet, "fire4", (13, 13)),
        (squeezenet, "fire2", (0, 5)),
        (efficientnet_lite, "block5", (14, 3)),
    ],
)
def test_real_receptive_field_contains_the_gradient_support(module, stage: str, unit) -> None:
    """The input gradient of one unit lies inside its theoretical box, and touches its edges."""
    side = module.INPUT_SIZE
    field = next(rf for rf in receptive_fields(module.spatial_ops(side)) if rf.stage == stage)
    model = module.load_pretrained()
    torch.manual_seed(0)
    x = torch.rand(1, 3, side, side) * 255 - 128

    def stage_output(m, v):
        return m.stage_output(v, stage)

    top, left, bottom, right = gradient_support(model, x, stage_output, *unit)
    box = field.box(*unit, side)
    assert box[0] <= top and box[1] <= left and bottom <= box[2] and right <= box[3]
    assert (top, left, bottom, right) == box  # a random photo reaches every pixel it can
    assert not any(p.requires_grad for p in model.parameters())
