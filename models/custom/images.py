"""A picture as a brought CNN reads it, from its config's [image] table.

Short side scaled to `resize_short_side`, the centre size × size square cut (the shipped CNNs'
own resize_center_crop), grey (Pillow's L) for one channel, BGR order if asked, pixels read in
[0, 1], then (x - mean) / std per channel.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from models.cnn.images import resize_center_crop
from models.custom.config import ImageSpec

RESAMPLE = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC}


def preprocess(image: Image.Image, spec: ImageSpec) -> tuple[torch.Tensor, np.ndarray]:
    """The model input (1, C, S, S) float32 and the picture it shows, uint8 (S, S) grey or
    (S, S, 3) RGB, exactly the pixels the model reads."""
    rgb = resize_center_crop(image, spec.resize_short_side, spec.size, RESAMPLE[spec.resample])
    if spec.channels == 1:
        shown = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.uint8)
        planes = shown[None]  # (1, S, S)
    else:
        shown = rgb
        planes = rgb.transpose(2, 0, 1)  # (3, S, S)
        if spec.channel_order == "BGR":
            planes = planes[::-1]
    mean = np.asarray(spec.mean, dtype=np.float32)[:, None, None]
    std = np.asarray(spec.std, dtype=np.float32)[:, None, None]
    x = (planes.astype(np.float32) / 255.0 - mean) / std
    shown.setflags(write=False)
    return torch.from_numpy(np.ascontiguousarray(x))[None], shown
