"""One step up close: h before and after a token, how far each token moved h, next characters."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from charts.bars import probability_bars
from charts.layout import FIXED_MARGIN, row_title, trace
from charts.theme import LIGHT, PAPER, Theme, diverging_colours
from charts.tokens import display_token, token_ticks
from models.sequence.state_analysis import movement, step_change, top_moved_units

if TYPE_CHECKING:
    from models.sequence.trace import SequenceTrace


def step_figure(
    h: np.ndarray,
    step: int,
    top_k: int = 5,
    unit_noun: str = "hidden unit",
    bounded: bool = True,
    theme: Theme = LIGHT,
    symbol: str = "h",
) -> go.Figure:
    """h_t as bars (h_(t−1) as grey ticks), and below it the change h_t − h_(t−1) per unit."""
    before, after = step_change(h, step)
    change = after - before
    reach = 1.0 if bounded else float(max(np.abs(h).max(initial=0.0), 1e-6))
    units = np.arange(len(after))
    top = [moved.unit for moved in top_moved_units(h, step, top_k)]
    highlight = np.isin(units, top)
    span = float(max(np.abs(change).max(initial=0.0), 0.05)) * 1.25
    # Two rows sharing one x axis, laid out in one go: make_subplots and one add_* call per
    # trace or note (each re-validating the figure) cost several times the figure itself.
    titles = [
        row_title(f"{symbol} after this token (grey dash: before it)", 1.0),
        row_title(f"change {symbol}_t − {symbol}_(t−1)", 0.43),
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
                name=f"{symbol}_(t−1)",
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


def movement_figure(
    h: np.ndarray,
    tokens: tuple[str, ...],
    step: int,
    theme: Theme = LIGHT,
    symbol: str = "h",
) -> go.Figure:
    """How far h moved at every token, the chosen step in black."""
    distance = movement(h)
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
                "title": {"text": f"|{symbol}_t − {symbol}_(t−1)|"},
                "rangemode": "tozero",
                **FIXED_MARGIN,
            },
            "xaxis": {"range": [0.5, len(steps) + 0.5], **token_ticks(tokens)},
            "paper_bgcolor": PAPER,
            "bargap": 0.15,
        },
    )


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


def next_char_rows(trace: SequenceTrace) -> list[dict[str, object]]:
    """One row per character: what the model expected next, for a table (plain text, no HTML)."""
    if trace.next_chars is None:
        return []
    rows: list[dict[str, object]] = []
    for step, (token, predictions) in enumerate(
        zip(trace.tokens, trace.next_chars, strict=True), start=1
    ):
        actual = trace.tokens[step] if step < len(trace.tokens) else ""
        row: dict[str, object] = {"step": step, "after": token, "actually next": actual}
        for rank, (char, prob) in enumerate(predictions, start=1):
            row[f"guess {rank}"] = f"{char}  {prob:.0%}"
        rows.append(row)
    return rows
