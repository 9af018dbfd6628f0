"""Feature maps to pictures: scaling to 0..1, viridis, palette PNGs, tiling, overlays."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

# Viridis sampled at nine evenly spaced points; linear interpolation between them is
# indistinguishable from the full map at screen resolution.
_VIRIDIS = np.array(
    [
        [68, 1, 84],
        [71, 44, 122],
        [59, 81, 139],
        [44, 113, 142],
        [33, 144, 141],
        [39, 173, 129],
        [92, 200, 99],
        [170, 220, 50],
        [253, 231, 37],
    ],
    dtype=np.float32,
)


def scale_maps(maps: np.ndarray, per_channel: bool) -> np.ndarray:
    """Scale (C, H, W) maps to [0, 1], each channel on its own range or all on the layer's."""
    axes = (1, 2) if per_channel else None
    low = maps.min(axis=axes, keepdims=True)
    high = maps.max(axis=axes, keepdims=True)
    span = np.where(high - low > 1e-12, high - low, 1.0)
    return ((maps - low) / span).astype(np.float32)


def _lookup_table(levels: int = 256) -> np.ndarray:
    """Viridis at `levels` evenly spaced values, interpolated linearly between the samples."""
    position = np.linspace(0.0, len(_VIRIDIS) - 1, levels)
    lower = np.floor(position).astype(int).clip(0, len(_VIRIDIS) - 2)
    fraction = (position - lower)[:, None]
    rgb = _VIRIDIS[lower] * (1 - fraction) + _VIRIDIS[lower + 1] * fraction
    return np.rint(rgb).astype(np.uint8)


_LOOKUP = _lookup_table()


def levels(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (clipped) as uint8 levels 0..255: indices into the colour table."""
    return np.rint(np.clip(values, 0.0, 1.0) * 255).astype(np.uint8)


def colorize(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] of any shape to viridis RGB, uint8 with a trailing axis of 3.

    Through a 256-entry table: a screen shows no more levels, and indexing is ~10x faster
    than interpolating every value.
    """
    return _LOOKUP[levels(values)]


def viridis_png(values: np.ndarray) -> bytes:
    """A (H, W) map of values in [0, 1] as a palette PNG in viridis: one byte per pixel, so
    a noisy 113×113 map is a few KB and encodes several times faster than RGB."""
    picture = Image.fromarray(levels(values), mode="P")
    picture.putpalette(_LOOKUP.tobytes())
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def tile(images: np.ndarray, columns: int, gap: int = 1, fill: float = 1.0) -> np.ndarray:
    """Arrange (N, H, W) or (N, H, W, 3) images in a grid with `gap` pixels of `fill` between."""
    count, height, width = images.shape[:3]
    rows = max(1, -(-count // columns))
    columns = min(columns, count) or 1
    shape = (rows * (height + gap) - gap, columns * (width + gap) - gap, *images.shape[3:])
    grid = np.full(shape, fill, dtype=images.dtype)
    for index in range(count):
        row, col = divmod(index, columns)
        top, left = row * (height + gap), col * (width + gap)
        grid[top : top + height, left : left + width] = images[index]
    return grid


def upscale_nearest(image: np.ndarray, min_side: int) -> np.ndarray:
    """Repeat pixels so the smaller side is at least `min_side`: small maps stay visibly blocky."""
    factor = max(1, -(-min_side // min(image.shape[:2])))
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def overlay_image(photo: np.ndarray, feature_map: np.ndarray, opacity: float) -> np.ndarray:
    """Blend one (h, w) feature map, stretched to the photo's size, over a (S, S, 3) photo."""
    scaled = scale_maps(feature_map[None], per_channel=True)[0]
    size = (photo.shape[1], photo.shape[0])
    stretched = np.asarray(Image.fromarray(scaled).resize(size, Image.Resampling.BILINEAR))
    heat = colorize(stretched).astype(np.float32)
    blended = (1.0 - opacity) * photo.astype(np.float32) + opacity * heat
    return np.rint(blended).clip(0, 255).astype(np.uint8)
