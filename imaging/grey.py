"""Grey pictures of values in [0, 1]: a digit and the steps that made it, enlarged square."""

from __future__ import annotations

import numpy as np

from imaging.encode import png_bytes
from imaging.maps import upscale_nearest


def border_level(values: np.ndarray) -> float:
    """The median of the outermost pixels: the background, for a digit that does not fill it."""
    edges = np.concatenate([values[0], values[-1], values[:, 0], values[:, -1]])
    return float(np.median(edges))


def grey_png(values: np.ndarray, side: int = 112, longest: int = 4) -> bytes:
    """A grey (h, w) array in [0, 1] as a PNG enlarged with square pixels; a step a pixel or
    so thick (the ink of a single stroke, cropped) is first padded with its own background to
    at most `longest` times as long as wide, or enlarging it would make a picture of millions
    of pixels, too large to send, for a strip 112 pixels wide."""
    grey = (np.clip(values, 0, 1) * 255).astype(np.uint8)
    height, width = grey.shape
    need_height, need_width = -(-width // longest), -(-height // longest)
    if height < need_height or width < need_width:
        extra_rows, extra_cols = max(0, need_height - height), max(0, need_width - width)
        grey = np.pad(
            grey,
            (
                (extra_rows // 2, extra_rows - extra_rows // 2),
                (extra_cols // 2, extra_cols - extra_cols // 2),
            ),
            constant_values=int(border_level(grey)),
        )
    return png_bytes(np.repeat(upscale_nearest(grey, side)[..., None], 3, axis=2))
