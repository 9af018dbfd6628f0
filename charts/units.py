"""Unit views: chosen units across the tokens, ranked units, and text coloured by one unit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from charts.layout import themed_fonts, trace
from charts.theme import DIVERGING, LIGHT, PAPER, Theme
from charts.tokens import display_token, token_ticks


@themed_fonts
def unit_lines_figure(
    values: np.ndarray,
    units: Sequence[int],
    tokens: Sequence[str],
    label: str,
    theme: Theme = LIGHT,
) -> go.Figure:
    """One line per chosen unit: its value (h or c) after every token."""
    steps = np.arange(1, len(tokens) + 1)
    names = [display_token(token) for token in tokens]
    lines = [
        trace(
            "scatter",
            x=steps,
            y=values[:, unit],
            mode="lines+markers",
            name=f"unit {unit}",
            customdata=names,
            hovertemplate=f"unit {unit} after %{{customdata}}: %{{y:+.3f}}<extra></extra>",
        )
        for unit in units
    ]
    zero = {  # what add_hline(y=0) draws, without its extra pass over the figure
        "type": "line",
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": 0,
        "y1": 0,
        "line": {"color": theme.rule, "width": 1},
    }
    return go.Figure(
        lines,
        {
            "height": 300,
            "margin": {"l": 50, "r": 10, "t": 40, "b": 60},
            "paper_bgcolor": PAPER,
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            "xaxis": {"range": [0.5, len(tokens) + 0.5], **token_ticks(tuple(tokens))},
            "yaxis": {"title": {"text": label}},
            "hovermode": "x unified",
            "shapes": [zero],
        },
    )


def text_heat_figure(
    tokens: Sequence[str], values: np.ndarray, per_line: int, limit: float | None = None
) -> go.Figure:
    """Tokens laid out in lines of `per_line`, each cell coloured by its value (blue − / red +).

    The tokens are plotly text, escaped by display_token: what the user typed is never markup.
    """
    n = len(tokens)
    rows = max(1, -(-n // per_line))
    grid = np.full((rows, per_line), np.nan)
    text = [["" for _ in range(per_line)] for _ in range(rows)]
    for index, (token, value) in enumerate(zip(tokens, values, strict=True)):
        row, col = divmod(index, per_line)
        grid[row, col] = value
        text[row][col] = display_token(token, max_chars=12)
    limit = limit or float(max(np.nanmax(np.abs(values), initial=0.0), 1e-6))
    return go.Figure(
        trace(
            "heatmap",
            z=grid,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 14},  # plotly picks black or white for contrast
            colorscale=DIVERGING,
            zmin=-limit,
            zmid=0.0,
            zmax=limit,
            xgap=1,
            ygap=3,
            hovertemplate="%{text}: %{z:+.3f}<extra></extra>",
            colorbar={"thickness": 10, "len": 0.9},
        ),
        {
            "height": 40 + 34 * rows,
            "margin": {"l": 0, "r": 0, "t": 5, "b": 5},
            "paper_bgcolor": PAPER,
            "plot_bgcolor": PAPER,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False, "autorange": "reversed"},
        },
    )
