"""One step up close: h before and after a token, how far each token moved h, next characters."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from charts.bars import probability_bars
from charts.layout import FIXED_MARGIN, row_title, themed_fonts, trace
from charts.theme import LIGHT, PAPER, Theme, diverging_colours
from charts.tokens import display_token, token_ticks


@themed_fonts
def step_figure(
    before: np.ndarray,
    after: np.ndarray,
    top: Sequence[int],
    reach: float = 1.0,
    unit_noun: str = "hidden unit",
    theme: Theme = LIGHT,
    symbol: str = "h",
    backward: bool = False,
) -> go.Figure:
    """h_t as bars (h_(t−1) as grey ticks), and below it the change h_t − h_(t−1) per unit.

    before, after: (H,) h_(t−1) and h_t; `top` the units to mark (those that moved most);
    `reach` the half-width of h's axis (1 for a bounded state). `backward`: a layer reading
    from the end, whose state before token t is h_(t+1).
    """
    previous = f"{symbol}_(t+1)" if backward else f"{symbol}_(t−1)"
    change = after - before
    units = np.arange(len(after))
    highlight = np.isin(units, top)
    span = float(max(np.abs(change).max(initial=0.0), 0.05)) * 1.25
    # Two rows sharing one x axis, laid out in one go: make_subplots and one add_* call per
    # trace or note (each re-validating the figure) cost several times the figure itself.
    titles = [
        row_title(f"{symbol} after this token (grey dash: before it)", 1.0),
        row_title(f"change {symbol}_t − {previous}", 0.43),
    ]
    notes = [
        {
            "x": unit,
            "y": float(change[unit]),
            "xref": "x",
            "yref": "y2",
            "text": str(unit),
            "showarrow": False,
            "yshift": 10 if change[unit] >= 0 else -10,
            "font": {"size": 11},
        }
        for unit in top
    ]
    return go.Figure(
        [
            trace(
                "bar",
                x=units,
                y=after,
                marker={"color": diverging_colours(after, reach)},
                hovertemplate="unit %{x}: %{y:+.3f}<extra></extra>",
                name=f"{symbol}_t",
            ),
            trace(
                "scatter",
                x=units,
                y=before,
                mode="markers",
                marker={"symbol": "line-ew-open", "size": 7, "color": theme.muted},
                hovertemplate="unit %{x} before: %{y:+.3f}<extra></extra>",
                name=previous,
            ),
            trace(
                "bar",
                x=units,
                y=change,
                marker={"color": np.where(highlight, theme.ink, theme.faint).tolist()},
                hovertemplate="unit %{x}: %{y:+.3f}<extra></extra>",
                name="change",
                yaxis="y2",
            ),
        ],
        {
            "height": 420,
            "showlegend": False,
            "bargap": 0.1,
            "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
            "paper_bgcolor": PAPER,
            "xaxis": {"title": {"text": unit_noun}, "anchor": "y2", **FIXED_MARGIN},
            "yaxis": {
                "domain": [0.57, 1.0],
                "range": [-1.05 * reach, 1.05 * reach],
                **FIXED_MARGIN,
            },
            "yaxis2": {"domain": [0.0, 0.43], "range": [-span, span], **FIXED_MARGIN},
            "annotations": titles + notes,
        },
    )


@themed_fonts
def movement_figure(
    distance: np.ndarray,
    tokens: tuple[str, ...],
    step: int,
    theme: Theme = LIGHT,
    symbol: str = "h",
    backward: bool = False,
) -> go.Figure:
    """How far h moved at every token ((T,) `distance`), the chosen step in black (`backward`:
    from the token after it, for a layer reading from the end)."""
    previous = f"{symbol}_(t+1)" if backward else f"{symbol}_(t−1)"
    steps = np.arange(1, len(distance) + 1)
    return go.Figure(
        trace(
            "bar",
            x=steps,
            y=distance,
            marker={"color": [theme.ink if t == step else theme.quiet for t in steps]},
            customdata=[f"{t}: {display_token(token)}" for t, token in enumerate(tokens, 1)],
            hovertemplate="token %{customdata}: moved %{y:.2f}<extra></extra>",
        ),
        {
            "height": 230,
            "margin": {"l": 50, "r": 10, "t": 10, "b": 60},
            "yaxis": {
                "title": {"text": f"|{symbol}_t − {previous}|"},
                "rangemode": "tozero",
                **FIXED_MARGIN,
            },
            "xaxis": {"range": [0.5, len(steps) + 0.5], **token_ticks(tokens)},
            "paper_bgcolor": PAPER,
            "bargap": 0.15,
        },
    )


@themed_fonts
def next_char_figure(predictions: tuple[tuple[str, float], ...], theme: Theme = LIGHT) -> go.Figure:
    """Horizontal bars of the top next-character guesses, most likely on top."""
    chars = [f"‘{display_token(char)}’" for char, _ in predictions]
    probs = [prob for _, prob in predictions]
    return probability_bars(
        chars,
        probs,
        text_format=".0%",
        hover_format=".1%",
        row_height=34,
        label_size=15,
        theme=theme,
    )
