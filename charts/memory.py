"""The LSTM's cell memory at one step, split into what each earlier token wrote."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from charts.layout import FIXED_MARGIN, themed_fonts, trace
from charts.theme import LIGHT, PAPER, Theme
from charts.tokens import display_token, token_ticks


@themed_fonts
def memory_figure(
    share: np.ndarray, kept: np.ndarray, tokens: tuple[str, ...], step: int, theme: Theme = LIGHT
) -> go.Figure:
    """Each earlier token's share of the cell memory at `step` (bars: `share`, (step,)) and how
    much of what it wrote is still kept (line: `kept`, (step,), the mean over units of the
    forget-gate product since then)."""
    steps = np.arange(1, step + 1)
    labels = [f"{t}: {display_token(token)}" for t, token in enumerate(tokens[:step], 1)]
    ticks = token_ticks(tokens)
    # The second y axis laid out by hand: make_subplots costs more than the figure.
    return go.Figure(
        [
            trace(
                "bar",
                x=steps,
                y=share,
                name="share of the memory now",
                marker={"color": [theme.ink if t == step else theme.warm for t in steps]},
                customdata=labels,
                hovertemplate="token %{customdata}: %{y:.1%} of the memory<extra></extra>",
            ),
            trace(
                "scatter",
                x=steps,
                y=kept,
                name="kept of what it wrote",
                mode="lines+markers",
                line={"color": theme.accent},
                customdata=labels,
                hovertemplate="token %{customdata}: %{y:.1%} still kept<extra></extra>",
                yaxis="y2",
            ),
        ],
        {
            "height": 260,
            "margin": {"l": 50, "r": 50, "t": 30, "b": 60},
            "xaxis": {"range": [0.5, len(tokens) + 0.5], **ticks},
            "legend": {"orientation": "h", "y": 1.18},
            "paper_bgcolor": PAPER,
            "bargap": 0.15,
            "yaxis": {
                "title": {"text": "share of c_t"},
                "tickformat": ".0%",
                "rangemode": "tozero",
                **FIXED_MARGIN,
            },
            "yaxis2": {
                "title": {"text": "kept"},
                "tickformat": ".0%",
                "tickvals": [0, 0.25, 0.5, 0.75, 1],
                "range": [0, 1.05],
                "showgrid": False,
                "overlaying": "y",
                "side": "right",
                **FIXED_MARGIN,
            },
        },
    )
