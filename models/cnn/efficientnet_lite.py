"""EfficientNet-Lite0 (Google, ImageNet-1k) in plain PyTorch, with every stage's output exposed."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from models.checkpoints import WEIGHTS_DIR, load_model
from models.cnn.config import CnnConfig
from models.cnn.geometry import SpatialOp, same_padding
from models.cnn.images import resize_center_crop
from models.cnn.staged import StagedCnn

WEIGHTS_FILE = "efficientnet_lite0.pt"
INPUT_SIZE = 224
# Google's EfficientNet-Lite evaluation: bicubic resize of the short side to 224 / 0.875 = 256,
# then the centre 224 square.
RESIZE_SHORT_SIDE = 256
PIXEL_MEAN, PIXEL_STD = 127.0, 128.0
CONFIG = CnnConfig(
    input_size=INPUT_SIZE,
    resize_short_side=RESIZE_SHORT_SIDE,
    resample=Image.Resampling.BICUBIC,
    channel_order="RGB",
    normalisation="(pixel − 127) / 128",
    first_stage="stem",
    cam_stage="head",
)
BN_EPS = 1e-3  # TensorFlow's default; PyTorch's 1e-5 shifts the activations of the port

# (kernel, stride, expand ratio, in channels, out channels, repeats) of each MBConv stage.
STAGES: tuple[tuple[int, int, int, int, int, int], ...] = (
    (3, 1, 1, 32, 16, 1),
    (3, 2, 6, 16, 24, 2),
    (5, 2, 6, 24, 40, 2),
    (3, 2, 6, 40, 80, 3),
    (5, 1, 6, 80, 112, 3),
    (5, 2, 6, 112, 192, 4),
    (3, 1, 6, 192, 320, 1),
)


def block_specs() -> list[tuple[int, int, int, int, int]]:
    """(kernel, stride, expand, in, out) of each of the 16 blocks: a stage's first block strides."""
    specs = []
    for kernel, stride, expand, c_in, c_out, repeats in STAGES:
        specs.append((kernel, stride, expand, c_in, c_out))
        specs.extend((kernel, 1, expand, c_out, c_out) for _ in range(repeats - 1))
    return specs


def _block_note(kernel: int, stride: int, expand: int, c_in: int, c_out: int) -> str:
    k = f"{kernel}×{kernel}"
    if expand == 1:
        note = f"MBConv {k}, stride {stride}: {k} depthwise on {c_in}, 1×1 project to {c_out}"
    else:
        note = (
            f"MBConv {k}, stride {stride}: 1×1 expand ×{expand} to {c_in * expand}, "
            f"{k} depthwise, 1×1 project to {c_out}"
        )
    return note + (", residual" if stride == 1 and c_in == c_out else "")


class ConvBN(nn.Module):
    """Bias-free convolution with TensorFlow "SAME" padding, BatchNorm, optional ReLU6."""

    def __init__(
        self, c_in: int, c_out: int, kernel: int, stride: int = 1, groups: int = 1, act: bool = True
    ) -> None:
        super().__init__()
        # Stride 1 with an odd kernel pads symmetrically; stride 2 pads in forward (see _pad_same).
        padding = kernel // 2 if stride == 1 else 0
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride, padding, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=BN_EPS)
        self.act = act

    def _pad_same(self, x: torch.Tensor) -> torch.Tensor:
        # TF puts the odd pixel of padding at the bottom/right, which PyTorch's padding can't do.
        (kernel, _), (stride, _) = self.conv.kernel_size, self.conv.stride
        pads = []
        for size in (x.shape[-1], x.shape[-2]):
            total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
            pads += [total // 2, total - total // 2]
        return F.pad(x, pads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.conv.stride[0] > 1:
            x = self._pad_same(x)
        x = self.bn(self.conv(x))
        return F.relu6(x) if self.act else x


class MBConv(nn.Module):
    """Inverted residual: 1×1 expand, depthwise k×k, linear 1×1 project (no squeeze-excite)."""

    def __init__(self, kernel: int, stride: int, expand: int, c_in: int, c_out: int) -> None:
        super().__init__()
        hidden = c_in * expand
        self.expand = ConvBN(c_in, hidden, 1) if expand != 1 else None
        self.depthwise = ConvBN(hidden, hidden, kernel, stride, groups=hidden)
        self.project = ConvBN(hidden, c_out, 1, act=False)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.expand(x) if self.expand is not None else x
        out = self.project(self.depthwise(out))
        return out + x if self.residual else out


class EfficientNetLite0(StagedCnn):
    """EfficientNet-Lite0: 224x224 RGB input scaled to about [-1, 1], ReLU6, no squeeze-excite."""

    STAGE_NOTES: ClassVar[dict[str, str]] = {
        "stem": "3×3 convolution, stride 2, 32 filters, BatchNorm, ReLU6",
        **{f"block{i}": _block_note(*spec) for i, spec in enumerate(block_specs(), start=1)},
        "head": "1×1 convolution to 1280 channels, BatchNorm, ReLU6 (then average pool, linear)",
    }

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.stem = ConvBN(3, 32, 3, stride=2)
        self.blocks = nn.ModuleList(MBConv(*spec) for spec in block_specs())
        self.head = ConvBN(320, 1280, 1)
        self.classifier = nn.Linear(1280, num_classes)

    def stage_functions(self) -> list[tuple[str, Callable[[torch.Tensor], torch.Tensor]]]:
        """(name, function) of every stage in order; each maps the previous output to its own."""
        blocks = [(f"block{i}", block) for i, block in enumerate(self.blocks, start=1)]
        # stem (B, 32, 112, 112); block1 (B, 16, 112, 112) ... block16 (B, 320, 7, 7); head
        return [("stem", self.stem), *blocks, ("head", self.head)]

    def class_maps(self, final: torch.Tensor) -> torch.Tensor:
        """(B, classes, h, w): the classifier applied at every position of the head's maps.

        Average pooling and a linear layer commute, so the spatial mean of these maps is
        exactly the logits.
        """
        weight, bias = self.classifier.weight, self.classifier.bias  # (classes, C), (classes,)
        return torch.einsum("kc,bchw->bkhw", weight, final) + bias[None, :, None, None]

    def first_filters(self) -> torch.Tensor:
        """The stem's filters (32, 3, 3, 3), RGB."""
        return self.stem.conv.weight.detach()

    def logits_of(self, head: torch.Tensor) -> torch.Tensor:
        return self.classifier(head.mean(dim=(2, 3)))  # (B, 1000)


def spatial_ops(input_size: int = INPUT_SIZE, num_classes: int = 1000) -> list[SpatialOp]:
    """Every convolution in order (and the final linear layer, as a 1×1 op on a 1×1 map)."""

    def conv(stage: str, name: str, k: int, s: int, c_in: int, c_out: int, size: int, groups=1):
        before = same_padding(size, k, s)[0] if s > 1 else k // 2
        out = math.ceil(size / s)
        return SpatialOp(stage, name, k, s, before, c_in, c_out, size, out, groups), out

    stem, size = conv("stem", "stem", 3, 2, 3, 32, input_size)
    ops = [stem]
    for i, (kernel, stride, expand, c_in, c_out) in enumerate(block_specs(), start=1):
        stage, hidden = f"block{i}", c_in * expand
        if expand != 1:
            op, _ = conv(stage, f"{stage}.expand", 1, 1, c_in, hidden, size)
            ops.append(op)
        op, size = conv(stage, f"{stage}.depthwise", kernel, stride, hidden, hidden, size, hidden)
        ops.append(op)
        op, _ = conv(stage, f"{stage}.project", 1, 1, hidden, c_out, size)
        ops.append(op)
    op, _ = conv("head", "head", 1, 1, 320, 1280, size)
    ops.append(op)
    # The classifier after global average pooling: 1280 -> classes, seen as a 1×1 convolution.
    ops.append(SpatialOp("head", "classifier", 1, 1, 0, 1280, num_classes, 1, 1, on_path=False))
    return ops


def load_pretrained(weights_dir: Path = WEIGHTS_DIR) -> EfficientNetLite0:
    """The shipped ImageNet weights (sha256 checked), in eval mode with gradients off."""
    return load_model(EfficientNetLite0, WEIGHTS_FILE, "efficientnet_lite0", weights_dir)


def preprocess(image: Image.Image) -> tuple[torch.Tensor, np.ndarray]:
    """Model input (1, 3, 224, 224) and the RGB uint8 image (224, 224, 3) the model sees."""
    rgb = resize_center_crop(image, RESIZE_SHORT_SIDE, INPUT_SIZE, CONFIG.resample)
    x = (rgb.astype(np.float32) - PIXEL_MEAN) / PIXEL_STD
    return torch.from_numpy(x.transpose(2, 0, 1).copy())[None], rgb  # (1, 3, 224, 224)
