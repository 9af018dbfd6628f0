"""Figures for the CNN's explanations: a map over the photo with its peak, a unit's field,
the first layer's filters, and per-stage statistics."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts.cnn import picture_figure
from charts.rendering import colorize, tile, upscale_nearest
from models.stage_stats import StageStats

PAPER = "rgba(0,0,0,0)"


def marked_picture_figure(
    rgb: np.ndarray, point: tuple[float, float] | None = None, height: int = 460
) -> go.Figure:
    """A picture with an optional cross at `point` (x, y) in its pixel coordinates."""
    fig = picture_figure(rgb, height=height)
    if point is not None:
        fig.add_trace(
            go.Scatter(
                x=[point[0]],
                y=[point[1]],
                mode="markers",
                marker={"symbol": "x-thin", "size": 22, "line": {"width": 4, "color": "white"}},
                hovertemplate="peak at (%{x:.0f}, %{y:.0f})<extra></extra>",
                showlegend=False,
            )
        )
    return fig


def field_box_figure(
    rgb: np.ndarray, box: tuple[int, int, int, int], height: int = 380
) -> go.Figure:
    """The picture with the (top, left, bottom, right) box one unit can see drawn on it."""
    top, left, bottom, right = box
    fig = picture_figure(rgb, height=height)
    fig.add_shape(
        type="rect",
        x0=left - 0.5,
        y0=top - 0.5,
        x1=right - 0.5,
        y1=bottom - 0.5,
        line={"color": "#ff2d55", "width": 3},
    )
    return fig


def filter_tiles(filters: np.ndarray, side: int = 36) -> np.ndarray:
    """(N, 3, k, k) filter weights as one picture of RGB tiles, each scaled symmetrically."""
    scaled = []
    for weights in filters:
        limit = float(np.abs(weights).max()) or 1.0
        rgb = ((weights.transpose(1, 2, 0) / limit + 1) * 127.5).clip(0, 255).astype(np.uint8)
        scaled.append(upscale_nearest(rgb, side))
    return tile(np.stack(scaled), columns=8, gap=2, fill=255)


def map_tiles(maps: np.ndarray, side: int = 36) -> np.ndarray:
    """(N, h, w) maps as one picture of colour-mapped tiles, each scaled to its own range."""
    tiles = []
    for single in maps:
        low, high = float(single.min()), float(single.max())
        tiles.append(upscale_nearest(colorize((single - low) / (high - low or 1.0)), side))
    return tile(np.stack(tiles), columns=8, gap=2, fill=255)


def stage_stats_figure(stats: list[StageStats]) -> go.Figure:
    """Mean and max activation per stage (bars, log scale), share of zeros (line)."""
    names = [s.name for s in stats]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=names, y=[s.mean for s in stats], name="mean"), secondary_y=False)
    fig.add_trace(
        go.Bar(x=names, y=[s.max for s in stats], name="max", marker={"color": "#c98b2b"}),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=[s.zero_fraction for s in stats],
            name="share of zeros",
            mode="lines+markers",
            line={"color": "#111"},
        ),
        secondary_y=True,
    )
    # A log axis spans conv1's small means and the large maxima, but hides values <= 0
    # (EfficientNet's blocks end in a linear layer, so their means can be negative).
    positive = all(s.mean > 0 and s.max > 0 for s in stats)
    fig.update_yaxes(
        title_text="activation", type="log" if positive else "linear", secondary_y=False
    )
    fig.update_yaxes(title_text="share exactly 0", tickformat=".0%", range=[0, 1], secondary_y=True)
    fig.update_layout(
        height=320,
        barmode="group",
        margin={"l": 50, "r": 50, "t": 40, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        paper_bgcolor=PAPER,
    )
    return fig
