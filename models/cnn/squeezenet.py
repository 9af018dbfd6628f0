"""SqueezeNet 1.1 (DeepScale, ImageNet-1k) in plain PyTorch, with every stage's output exposed."""

from __future__ import annotations

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
from models.cnn.geometry import SpatialOp, conv_out
from models.cnn.images import resize_center_crop
from models.cnn.staged import StagedCnn

WEIGHTS_FILE = "squeezenet1_1.pt"
INPUT_SIZE = 227
# Short side to 256, then the centre 227 square: Caffe's evaluation crop, without distortion.
RESIZE_SHORT_SIDE = 256
# Caffe convention: BGR channel order, 0..255, minus the per-channel training mean (B, G, R).
MEAN_BGR = (104.006, 116.669, 122.679)
CONFIG = CnnConfig(
    input_size=INPUT_SIZE,
    resize_short_side=RESIZE_SHORT_SIDE,
    resample=Image.Resampling.BILINEAR,
    channel_order="BGR",
    normalisation="0..255 minus the BGR training mean (Caffe)",
    first_stage="conv1",
    cam_stage="conv10",
)

# (squeeze, expand 1x1, expand 3x3) filters of each Fire module.
FIRE_FILTERS: dict[str, tuple[int, int, int]] = {
    "fire2": (16, 64, 64),
    "fire3": (16, 64, 64),
    "fire4": (32, 128, 128),
    "fire5": (32, 128, 128),
    "fire6": (48, 192, 192),
    "fire7": (48, 192, 192),
    "fire8": (64, 256, 256),
    "fire9": (64, 256, 256),
}
# A 3x3 stride-2 max-pool runs just before these stages.
POOL_BEFORE = ("fire2", "fire4", "fire6")


def _fire_note(name: str) -> str:
    squeeze, e1, e3 = FIRE_FILTERS[name]
    note = f"Fire: squeeze 1×1 to {squeeze}, then {e1} 1×1 + {e3} 3×3 expand filters, ReLU"
    return f"3×3 max-pool, stride 2. {note}" if name in POOL_BEFORE else note


class Fire(nn.Module):
    """Squeeze to a few channels with 1x1 filters, then expand with 1x1 and 3x3 side by side."""

    def __init__(self, in_channels: int, squeeze: int, expand1x1: int, expand3x3: int) -> None:
        super().__init__()
        self.squeeze1x1 = nn.Conv2d(in_channels, squeeze, kernel_size=1)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, kernel_size=1)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = F.relu(self.squeeze1x1(x))
        return torch.cat([F.relu(self.expand1x1(s)), F.relu(self.expand3x3(s))], dim=1)


def max_pool(x: torch.Tensor) -> torch.Tensor:
    """3x3 stride-2 max-pool (floor mode, as in Keras), the same values in the same layout.

    Pooled in channels-last memory order: torch's CPU max-pool took 6.5 ms on conv1's output in
    the usual (N, C, H, W) order and 0.5 ms in channels-last, a quarter of the whole forward pass.
    """
    channels_last = x.contiguous(memory_format=torch.channels_last)
    return F.max_pool2d(channels_last, kernel_size=3, stride=2).contiguous()


class SqueezeNet11(StagedCnn):
    """SqueezeNet 1.1 as in keras-squeezenet: 227x227 BGR input, no ReLU after conv10."""

    STAGE_NOTES: ClassVar[dict[str, str]] = {
        "conv1": "3×3 convolution, stride 2, 64 filters, ReLU",
        **{name: _fire_note(name) for name in FIRE_FILTERS},
        "conv10": "1×1 convolution to 1000 class maps, no ReLU; their spatial means are the logits",
    }

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=2)
        in_channels = 64
        for name, (squeeze, e1, e3) in FIRE_FILTERS.items():
            self.add_module(name, Fire(in_channels, squeeze, e1, e3))
            in_channels = e1 + e3
        self.conv10 = nn.Conv2d(in_channels, num_classes, kernel_size=1)

    def stage_functions(self) -> list[tuple[str, Callable[[torch.Tensor], torch.Tensor]]]:
        """(name, function) of every stage in order; each maps the previous output to its own."""

        def conv1(x: torch.Tensor) -> torch.Tensor:
            return F.relu(self.conv1(x))  # (B, 64, 113, 113)

        def fire(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
            def run(x: torch.Tensor) -> torch.Tensor:
                if name in POOL_BEFORE:
                    x = max_pool(x)
                return getattr(self, name)(x)  # fire2-3 (B, 128, 56, 56) ... (B, 512, 13, 13)

            return run

        return [
            ("conv1", conv1),
            *((name, fire(name)) for name in FIRE_FILTERS),
            ("conv10", self.conv10),  # (B, 1000, 13, 13)
        ]

    def logits_of(self, final: torch.Tensor) -> torch.Tensor:
        return final.mean(dim=(2, 3))  # (B, 1000): conv10's maps, averaged

    def class_maps(self, final: torch.Tensor) -> torch.Tensor:
        """(B, classes, h, w) maps whose spatial means are the logits: conv10's own output."""
        return final

    def first_filters(self) -> torch.Tensor:
        """conv1's filters (64, 3, 3, 3) in RGB order (the model reads BGR)."""
        return self.conv1.weight.detach().flip(1)


def spatial_ops(input_size: int = INPUT_SIZE, num_classes: int = 1000) -> list[SpatialOp]:
    """Every convolution and pooling in order, with its sizes for a square input of this side."""
    size = conv_out(input_size, 3, 2, 0)
    ops = [SpatialOp("conv1", "conv1", 3, 2, 0, 3, 64, input_size, size)]
    channels = 64
    for name, (squeeze, e1, e3) in FIRE_FILTERS.items():
        if name in POOL_BEFORE:
            pooled = conv_out(size, 3, 2, 0)
            ops.append(
                SpatialOp(name, "max-pool", 3, 2, 0, channels, channels, size, pooled, pool=True)
            )
            size = pooled
        ops += [
            SpatialOp(name, f"{name}.squeeze1x1", 1, 1, 0, channels, squeeze, size, size),
            SpatialOp(name, f"{name}.expand1x1", 1, 1, 0, squeeze, e1, size, size, on_path=False),
            SpatialOp(name, f"{name}.expand3x3", 3, 1, 1, squeeze, e3, size, size),
        ]
        channels = e1 + e3
    ops.append(SpatialOp("conv10", "conv10", 1, 1, 0, channels, num_classes, size, size))
    return ops


def load_pretrained(weights_dir: Path = WEIGHTS_DIR) -> SqueezeNet11:
    """The shipped ImageNet weights (sha256 checked), in eval mode with gradients off."""
    return load_model(SqueezeNet11, WEIGHTS_FILE, "squeezenet1_1", weights_dir)


def preprocess(image: Image.Image) -> tuple[torch.Tensor, np.ndarray]:
    """Model input (1, 3, 227, 227) and the RGB uint8 image (227, 227, 3) the model sees."""
    rgb = resize_center_crop(image, RESIZE_SHORT_SIDE, INPUT_SIZE, CONFIG.resample)
    bgr = rgb[:, :, ::-1].astype(np.float32) - np.asarray(MEAN_BGR, dtype=np.float32)
    x = torch.from_numpy(np.ascontiguousarray(bgr.transpose(2, 0, 1)))[None]  # (1, 3, 227, 227)
    return x, rgb
