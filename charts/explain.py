"""Figures for the CNN's explanations: per-stage statistics."""

from __future__ import annotations

import plotly.graph_objects as go

from charts.layout import themed_fonts, trace
from charts.theme import LIGHT, PAPER, Theme


@themed_fonts
def stage_stats_figure(
    names: list[str],
    means: list[float],
    maxima: list[float],
    zero_fractions: list[float],
    theme: Theme = LIGHT,
) -> go.Figure:
    """Mean and max activation per stage (bars, log scale), share of zeros (line).

    A second y axis laid out by hand: make_subplots costs more than the whole figure.
    """
    # A log axis spans conv1's small means and the large maxima, but hides values <= 0
    # (EfficientNet's blocks end in a linear layer, so their means can be negative).
    positive = all(mean > 0 and top > 0 for mean, top in zip(means, maxima, strict=True))
    return go.Figure(
        [
            trace("bar", x=names, y=means, name="mean"),
            trace("bar", x=names, y=maxima, name="max", marker={"color": theme.warm}),
            trace(
                "scatter",
                x=names,
                y=zero_fractions,
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
