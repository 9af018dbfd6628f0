"""Figures of the CNN-vs-RNN page: readers side by side, memory reach, growth curves, costs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from charts.layout import log_axis, themed_fonts, trace
from charts.theme import LIGHT, PAPER, Styles, Theme
from charts.tokens import display_token, token_ticks


def _base(fig: go.Figure, height: int, **layout: object) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 80, "b": 50},
        paper_bgcolor=PAPER,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        **layout,
    )
    return fig


@themed_fonts
def running_scores_figure(
    tokens: Sequence[str], scores: dict[str, np.ndarray], styles: Styles, theme: Theme = LIGHT
) -> go.Figure:
    """Every reader's running sentiment over the same tokens."""
    steps = np.arange(1, len(tokens) + 1)
    labels = [display_token(token) for token in tokens]
    fig = go.Figure()
    for key, values in scores.items():
        style = styles[key]
        fig.add_trace(
            trace(
                "scatter",
                x=steps,
                y=values,
                mode="lines+markers",
                name=style.label,
                line={"color": style.colour, "width": 2},
                customdata=labels,
                hovertemplate=f"{style.label} after %{{customdata}}: %{{y:+.2f}}<extra></extra>",
            )
        )
    fig.add_hline(y=0, line={"color": theme.rule, "width": 1})
    return _base(
        fig,
        330,
        xaxis={"range": [0.5, len(tokens) + 0.5], **token_ticks(tuple(tokens))},
        yaxis={"range": [-1.05, 1.05], "title": {"text": "sentiment so far"}},
        hovermode="x unified",
    )


@themed_fonts
def negation_gap_figure(
    effects: dict[str, dict[int, float]],
    styles: Styles,
    windows: dict[str, int],
    theme: Theme = LIGHT,
) -> go.Figure:
    """How much "not" still moves the final score, against the words between it and its word."""
    fig = go.Figure()
    for key, by_gap in effects.items():
        style = styles[key]
        gaps = list(by_gap)
        fig.add_trace(
            trace(
                "scatter",
                x=gaps,
                y=list(by_gap.values()),
                mode="lines+markers",
                name=style.label,
                line={"color": style.colour, "width": 2},
                hovertemplate=f"{style.label}: gap %{{x}} words, effect %{{y:+.3f}}<extra></extra>",
            )
        )
    for key, window in windows.items():
        style = styles[key]
        # "not" leaves the window once gap + 2 (the adjective and the full stop) > window - 1.
        fig.add_vline(
            x=window - 2.5,
            line={"color": style.colour, "dash": "dot", "width": 1},
            annotation_text=f"{style.label}: 'not' out of sight",
            annotation_position="top right",
        )
    fig.add_hline(y=0, line={"color": theme.rule, "width": 1})
    return _base(
        fig,
        340,
        xaxis={"title": {"text": "words between 'not' and the word it negates"}},
        yaxis={"title": {"text": "effect of 'not' on the verdict"}},
    )


def receptive_field_figure(
    stages: dict[str, list[tuple[str, int]]], styles: Styles, input_sides: dict[str, int]
) -> go.Figure:
    """Receptive field in pixels of every stage of each CNN, with the input side marked."""
    fig = go.Figure()
    for key, rows in stages.items():
        style = styles[key]
        fig.add_trace(
            trace(
                "scatter",
                x=list(range(1, len(rows) + 1)),
                y=[size for _, size in rows],
                mode="lines+markers",
                name=style.label,
                line={"color": style.colour, "width": 2},
                customdata=[stage for stage, _ in rows],
                hovertemplate="%{customdata}: %{y} px<extra>" + style.label + "</extra>",
            )
        )
        # A line trace, not add_hline: shapes on a log axis take log10 of the value.
        fig.add_trace(
            trace(
                "scatter",
                x=[1, len(rows)],
                y=[input_sides[key]] * 2,
                mode="lines",
                line={"color": style.colour, "dash": "dot", "width": 1},
                name=f"{style.label} input: {input_sides[key]} px",
                hoverinfo="skip",
            )
        )
    return _base(
        fig,
        330,
        xaxis={"title": {"text": "stage (in order)"}, "dtick": 1},
        yaxis=log_axis(
            [size for rows in stages.values() for _, size in rows] + list(input_sides.values()),
            "pixels one unit sees (side)",
        ),
    )


def gradient_figure(
    curves: dict[str, np.ndarray],
    styles: Styles,
    floor: float = 1e-7,
    bands: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> go.Figure:
    """Size of the final score's gradient for each earlier word, by distance, on a log scale,
    with an optional shaded band (for example the 10th to 90th percentile) per model.

    Exact zeros cannot sit on a log axis: they are drawn at `floor` as open markers.
    """
    fig = go.Figure()
    for key, (low, high) in (bands or {}).items():
        style = styles[key]
        distance = np.arange(len(low))
        visible = high > 0
        fig.add_trace(
            trace(
                "scatter",
                x=np.concatenate([distance[visible], distance[visible][::-1]]),
                y=np.concatenate([np.maximum(low[visible], floor), high[visible][::-1]]),
                fill="toself",
                fillcolor=style.colour,
                opacity=0.15,
                line={"width": 0},
                hoverinfo="skip",
                name=f"{style.label}: 10–90% of texts",
                showlegend=False,
            )
        )
    for key, values in curves.items():
        style = styles[key]
        distance = np.arange(len(values))
        shown = np.where(values > 0, values, np.nan)
        fig.add_trace(
            trace(
                "scatter",
                x=distance,
                y=shown,
                mode="lines+markers",
                name=style.label,
                line={"color": style.colour, "width": 2},
                hovertemplate=f"{style.label}: %{{x}} words back, %{{y:.2e}}<extra></extra>",
            )
        )
        zero = distance[values == 0]
        if len(zero):
            fig.add_trace(
                trace(
                    "scatter",
                    x=zero,
                    y=np.full(len(zero), floor),
                    mode="markers",
                    marker={"symbol": "x-thin-open", "size": 9, "color": style.colour},
                    name=f"{style.label}: exactly 0",
                    hovertemplate=f"{style.label}: %{{x}} words back, exactly 0<extra></extra>",
                )
            )
    return _base(
        fig,
        340,
        xaxis={"title": {"text": "words back from the last word"}},
        yaxis={
            "title": {"text": "|∂ final score / ∂ word|"},
            "type": "log",
            "exponentformat": "power",
        },
    )


def growth_figure(
    series: dict[str, tuple[list[int], list[float]]],
    styles: Styles,
    exponents: dict[str, float],
    x_title: str,
) -> go.Figure:
    """Forward time against input size on log-log axes, each line with its fitted exponent."""
    fig = go.Figure()
    for key, (sizes, seconds) in series.items():
        style = styles[key]
        fig.add_trace(
            trace(
                "scatter",
                x=sizes,
                y=[s * 1000 for s in seconds],
                mode="lines+markers",
                name=f"{style.label} (time ∝ size^{exponents[key]:.2f})",
                line={"color": style.colour, "width": 2},
                hovertemplate=f"{style.label}: %{{x}} → %{{y:.2f}} ms<extra></extra>",
            )
        )
    return _base(
        fig,
        360,
        xaxis=log_axis([size for sizes, _ in series.values() for size in sizes], x_title),
        yaxis=log_axis(
            [s * 1000 for _, seconds in series.values() for s in seconds],
            "milliseconds per forward pass",
        ),
    )


@themed_fonts
def bars_figure(
    labels: list[str],
    values: list[float],
    texts: list[str],
    y_title: str,
    colours: list[str],
    theme: Theme = LIGHT,
) -> go.Figure:
    """One bar per model, each with a text label."""
    fig = go.Figure(
        trace(
            "bar",
            x=labels,
            y=values,
            text=texts,
            textposition="outside",
            textfont={"color": theme.ink},
            marker={"color": colours},
        )
    )
    top = max(values, default=1.0) * 1.25
    return _base(fig, 320, yaxis={"title": {"text": y_title}, "range": [0, top]})
