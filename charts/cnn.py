"""Figures and captions for the CNN page: top classes, the shape ladder, what pictures show."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from charts.bars import probability_bars
from charts.layout import themed_fonts, trace
from charts.theme import LIGHT, PAPER, Theme


@themed_fonts
def top_classes_figure(labels: list[str], probs: list[float], theme: Theme = LIGHT) -> go.Figure:
    """Horizontal bars of the top classes, most likely on top; labels read as names even when
    they look like numbers (a digit reader's "0" to "9" would otherwise be placed on a number
    line), and shown as written: an operator's class names may hold '<' or '&', which plotly
    would otherwise read as markup."""
    shown = [html.escape(label, quote=False) for label in labels]
    figure = probability_bars(shown, probs, theme=theme)
    figure.update_yaxes(type="category")
    return figure


def stage_captions(
    names: list[str], shapes: list[tuple[int, int, int]], fields: list[int] | None = None
) -> list[str]:
    """Every stage's name and C×H×W shape (and, given `fields`, the side in pixels of what one
    of its units can see), for the captions of its pictures."""
    captions = [f"{name} · {c}×{h}×{w}" for name, (c, h, w) in zip(names, shapes, strict=True)]
    if fields is not None:
        captions = [f"{text} · sees {size} px" for text, size in zip(captions, fields, strict=True)]
    return captions


@themed_fonts
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


def channel_captions(channels: list[int], labels: list[str] | None = None) -> list[str]:
    """`#12` per tile, or `#12 tabby` when `labels` names every channel (e.g. class maps)."""
    return [f"#{c} {labels[c][:18]}" if labels else f"#{c}" for c in channels]
