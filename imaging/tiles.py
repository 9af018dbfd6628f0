"""Maps and weights as tiled pictures: a layer's channels, its stages, its first filters."""

from __future__ import annotations

import numpy as np
from PIL import Image

from imaging.maps import colorize, scale_maps, tile, upscale_nearest, viridis_png

GRID_GAP = 2


def stage_pictures(maps: list[np.ndarray]) -> list[bytes]:
    """One (H, W) map standing for each stage, in order, as a small viridis PNG on its own range.

    Pictures at the maps' own size, not charts: `st.image` sends them as small binary files
    the browser caches, and the page enlarges them with crisp pixels.
    """
    return [viridis_png(scale_maps(single[None], True)[0]) for single in maps]


def channel_grid_picture(
    maps: np.ndarray, channels: list[int], per_channel: bool, columns: int = 8
) -> np.ndarray:
    """The chosen channels of a (C, H, W) layer as one tiled uint8 RGB picture."""
    scaled = scaled_channels(maps, channels, per_channel)
    tiles = colorize(upscale_nearest(scaled.transpose(1, 2, 0), 56).transpose(2, 0, 1))
    return tile(tiles, columns, gap=GRID_GAP, fill=255)


def scaled_channels(maps: np.ndarray, channels: list[int], per_channel: bool) -> np.ndarray:
    """The chosen channels of a (C, H, W) layer in [0, 1], each on its own range or all on the
    whole layer's; only the chosen ones are scaled (a layer can have 1000 channels)."""
    chosen = maps[channels]
    if per_channel:
        return scale_maps(chosen, per_channel=True)
    low, high = float(maps.min()), float(maps.max())
    return ((chosen - low) / (high - low if high - low > 1e-12 else 1.0)).astype(np.float32)


def channel_tiles(maps: np.ndarray, channels: list[int], per_channel: bool) -> list[bytes]:
    """The chosen channels of a (C, H, W) layer, each a viridis PNG at the map's own size, on
    its own range or on the whole layer's."""
    return [viridis_png(single) for single in scaled_channels(maps, channels, per_channel)]


def filter_tiles(filters: np.ndarray, side: int = 36) -> np.ndarray:
    """(N, 3, k, k) filter weights as one picture of RGB tiles, each scaled symmetrically;
    (N, 1, k, k) ones (a grey model's) as grey tiles, scaled alike."""
    if filters.shape[1] == 1:
        filters = filters.repeat(3, axis=1)
    scaled = []
    for weights in filters:
        limit = float(np.abs(weights).max()) or 1.0
        rgb = ((weights.transpose(1, 2, 0) / limit + 1) * 127.5).clip(0, 255).astype(np.uint8)
        scaled.append(upscale_nearest(rgb, side))
    return tile(np.stack(scaled), columns=8, gap=2, fill=255)


def map_tiles(maps: np.ndarray, side: int = 72) -> np.ndarray:
    """(N, h, w) maps as one picture of colour-mapped `side`-pixel tiles, each scaled to its
    own range: larger maps are averaged down (they are shown at about that size), smaller
    ones enlarged pixel by pixel."""
    tiles = []
    for single in maps:
        low, high = float(single.min()), float(single.max())
        rgb = colorize((single - low) / (high - low or 1.0))
        if min(rgb.shape[:2]) > side:
            rgb = np.asarray(Image.fromarray(rgb).resize((side, side), Image.Resampling.BOX))
        tiles.append(upscale_nearest(rgb, side))
    return tile(np.stack(tiles), columns=8, gap=2, fill=255)


def stage_tiles(maps: np.ndarray, side: int = 42) -> np.ndarray:
    """(C, h, w) maps as one tiled viridis picture, each map on its own range."""
    tiles = colorize(scale_maps(maps, per_channel=True))
    tiles = np.stack([upscale_nearest(t, side) for t in tiles])
    return tile(tiles, columns=8, gap=2, fill=255)


def weight_tiles(weights: np.ndarray, side: int = 40) -> np.ndarray:
    """(N, k, k) single-channel weights as one tiled viridis picture, each on its own range."""
    scaled = [(w - w.min()) / (w.max() - w.min() or 1) for w in weights]
    return tile(np.stack([upscale_nearest(colorize(s), side) for s in scaled]), 8, 2, 255)
