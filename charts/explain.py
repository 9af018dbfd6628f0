"""Pictures and figures for the CNN's explanations: a map over the photo with its peak, a unit's
field, the first layer's filters, and per-stage statistics."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from charts.layout import trace
from charts.theme import CROSS, CROSS_RIM, FIELD_BOX, LIGHT, PAPER, Theme
from imaging.maps import colorize, tile, upscale_nearest
from models.cnn.stage_stats import StageStats

PICTURE_SIDE = 448  # twice the models' input: marks drawn at this size look sharp


def enlarged(rgb: np.ndarray, side: int = PICTURE_SIDE) -> tuple[np.ndarray, float]:
    """The picture smoothly enlarged to `side` pixels wide, and the factor, for crisp marks."""
    factor = side / rgb.shape[1]
    size = (side, round(rgb.shape[0] * factor))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR)), factor


def mark_point(rgb: np.ndarray, point: tuple[float, float]) -> np.ndarray:
    """The picture, enlarged, with a white cross at `point` (x, y) in its pixel coordinates."""
    big, factor = enlarged(rgb)
    x, y = ((coordinate + 0.5) * factor - 0.5 for coordinate in point)
    picture = Image.fromarray(big)
    draw = ImageDraw.Draw(picture)
    arm = 12
    for colour, width in ((CROSS_RIM, 7), (CROSS, 4)):  # the rim keeps it visible on white
        draw.line([(x - arm, y - arm), (x + arm, y + arm)], fill=colour, width=width)
        draw.line([(x - arm, y + arm), (x + arm, y - arm)], fill=colour, width=width)
    return np.asarray(picture)


def draw_box(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The picture, enlarged, with the (top, left, bottom, right) pixel box outlined in red."""
    big, factor = enlarged(rgb)
    top, left, bottom, right = box
    picture = Image.fromarray(big)
    outline = [round(left * factor), round(top * factor)]
    outline += [round(right * factor) - 1, round(bottom * factor) - 1]
    ImageDraw.Draw(picture).rectangle(outline, outline=FIELD_BOX, width=4)
    return np.asarray(picture)


def filter_tiles(filters: np.ndarray, side: int = 36) -> np.ndarray:
    """(N, 3, k, k) filter weights as one picture of RGB tiles, each scaled symmetrically."""
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


def stage_stats_figure(stats: list[StageStats], theme: Theme = LIGHT) -> go.Figure:
    """Mean and max activation per stage (bars, log scale), share of zeros (line).

    A second y axis laid out by hand: make_subplots costs more than the whole figure.
    """
    names = [s.name for s in stats]
    # A log axis spans conv1's small means and the large maxima, but hides values <= 0
    # (EfficientNet's blocks end in a linear layer, so their means can be negative).
    positive = all(s.mean > 0 and s.max > 0 for s in stats)
    return go.Figure(
        [
            trace("bar", x=names, y=[s.mean for s in stats], name="mean"),
            trace(
                "bar", x=names, y=[s.max for s in stats], name="max", marker={"color": theme.warm}
            ),
            trace(
                "scatter",
                x=names,
                y=[s.zero_fraction for s in stats],
                name="share of zeros",
                mode="lines+markers",
                line={"color": theme.ink},
                yaxis="y2",
            ),
        ],
        {
            "height": 320,
            "barmode": "group",
            "margin": {"l": 50, "r": 50, "t": 40, "b": 50},
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            "paper_bgcolor": PAPER,
            "yaxis": {"title": {"text": "activation"}, "type": "log" if positive else "linear"},
            "yaxis2": {
                "title": {"text": "share exactly 0"},
                "tickformat": ".0%",
                "range": [0, 1],
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
            },
        },
    )
