"""Figures and pictures for the CNN page: top classes, stage pictures, channel tiles, overlays."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from charts.bars import probability_bars
from charts.layout import trace
from charts.theme import LIGHT, PAPER, Theme
from imaging.maps import colorize, scale_maps, tile, upscale_nearest, viridis_png
from models.cnn.channel_stats import representative_map

GRID_GAP = 2


def top_classes_figure(labels: list[str], probs: list[float], theme: Theme = LIGHT) -> go.Figure:
    """Horizontal bars of the top classes, most likely on top."""
    return probability_bars(labels, probs, theme=theme)


def stage_pictures(
    names: list[str],
    shapes: list[tuple[int, int, int]],
    maps: list[np.ndarray],
    how: str,
    fields: list[int] | None = None,
) -> tuple[list[bytes], list[str]]:
    """Every stage in order as one small PNG, with a caption of its name and C×H×W shape
    (and, given `fields`, the side in pixels of what one of its units can see).

    Pictures at the maps' own size, not charts: `st.image` sends them as small binary files
    the browser caches, and the page enlarges them with crisp pixels.
    """
    captions = [f"{name} · {c}×{h}×{w}" for name, (c, h, w) in zip(names, shapes, strict=True)]
    if fields is not None:
        captions = [f"{text} · sees {size} px" for text, size in zip(captions, fields, strict=True)]
    pictures = [viridis_png(scale_maps(representative_map(m, how)[None], True)[0]) for m in maps]
    return pictures, captions


def shape_ladder_figure(
    names: list[str], shapes: list[tuple[int, int, int]], theme: Theme = LIGHT
) -> go.Figure:
    """Channels per stage as bars and map side length as a line: depth grows, space shrinks."""
    channel_ticks = sorted({c for c, _, _ in shapes})
    return go.Figure(
        [
            trace(
                "bar",
                x=names,
                y=[c for c, _, _ in shapes],
                name="channels (C)",
                marker_color=theme.channels,
            ),
            trace(
                "scatter",
                x=names,
                y=[h for _, h, _ in shapes],
                name="map height (H)",
                mode="lines+markers",
                line={"color": theme.height, "width": 3},
                yaxis="y2",
            ),
        ],
        {
            "height": 300,
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "paper_bgcolor": PAPER,
            "legend": {"orientation": "h", "y": 1.12},
            "bargap": 0.3,
            "yaxis": {
                "title": {"text": "channels (log scale)"},
                "type": "log",
                "tickvals": channel_ticks,
                "ticktext": [str(c) for c in channel_ticks],
                "minor": {"showgrid": False},
            },
            "yaxis2": {
                "title": {"text": "pixels per side"},
                "tickmode": "auto",
                "nticks": 6,
                "showgrid": False,
                "rangemode": "tozero",
                "overlaying": "y",
                "side": "right",
            },
        },
    )


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


def channel_captions(channels: list[int], labels: list[str] | None = None) -> list[str]:
    """`#12` per tile, or `#12 tabby` when `labels` names every channel (e.g. class maps)."""
    return [f"#{c} {labels[c][:18]}" if labels else f"#{c}" for c in channels]
