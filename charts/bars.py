"""Horizontal probability bars, most likely on top: the top classes and the next characters."""

from __future__ import annotations

import plotly.graph_objects as go

from charts.layout import themed_fonts, trace
from charts.theme import LIGHT, PAPER, Theme


@themed_fonts
def probability_bars(
    labels: list[str],
    probs: list[float],
    text_format: str = ".1%",
    hover_format: str = ".2%",
    row_height: int = 36,
    label_size: int | None = None,
    theme: Theme = LIGHT,
) -> go.Figure:
    """One bar per label in the given order (most likely first), drawn top to bottom."""
    return go.Figure(
        trace(
            "bar",
            x=probs[::-1],
            y=labels[::-1],
            orientation="h",
            text=[f"{p:{text_format}}" for p in probs[::-1]],
            textposition="auto",
            outsidetextfont={"color": theme.ink},  # plotly's default grey vanishes on dark
            marker_color=theme.accent,
            hovertemplate=f"%{{y}}: %{{x:{hover_format}}}<extra></extra>",
            # A clicked bar stays bright; the others dim only a little, their labels readable.
            selected={"marker": {"opacity": 1.0}},
            unselected={"marker": {"opacity": 0.6}},
        ),
        {
            "height": 60 + row_height * len(labels),
            "margin": {"l": 10, "r": 10, "t": 10, "b": 30},
            "xaxis": {"range": [0, 1], "tickformat": ".0%", "title": {"text": "probability"}},
            "yaxis": {"tickfont": {"size": label_size}} if label_size else {},
            "paper_bgcolor": PAPER,
        },
    )
