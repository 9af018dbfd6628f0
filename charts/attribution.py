"""Which words mattered: attributions as bars, and two running scores side by side."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts.layout import row_domains, row_title, themed_fonts, trace
from charts.theme import LIGHT, PAPER, Theme, diverging_colours
from charts.tokens import display_token, token_ticks


def attribution_figure(tokens: Sequence[str], methods: dict[str, np.ndarray]) -> go.Figure:
    """One row of bars per method: each token's share of the final score."""
    steps = np.arange(1, len(tokens) + 1)
    names = [display_token(token) for token in tokens]
    domains = row_domains(len(methods), 0.18)
    bars, layout = [], {}
    for row, (values, domain) in enumerate(zip(methods.values(), domains, strict=True), start=1):
        limit = float(max(np.abs(values).max(initial=0.0), 1e-6))
        suffix = "" if row == 1 else str(row)
        bars.append(
            trace(
                "bar",
                x=steps,
                y=values,
                marker={"color": diverging_colours(values, limit)},
                customdata=names,
                hovertemplate="%{customdata}: %{y:+.3f}<extra></extra>",
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
            )
        )
        layout[f"yaxis{suffix}"] = {"domain": domain}
        layout[f"xaxis{suffix}"] = {
            "range": [0.5, len(tokens) + 0.5],
            "anchor": f"y{suffix}",
            **token_ticks(tuple(tokens)),
            **({"matches": "x"} if row > 1 else {}),
        }
    return go.Figure(
        bars,
        {
            **layout,
            "annotations": [
                row_title(title, domain[1]) for title, domain in zip(methods, domains, strict=True)
            ],
            "height": 200 + 130 * len(methods),
            "margin": {"l": 50, "r": 10, "t": 30, "b": 60},
            "paper_bgcolor": PAPER,
            "showlegend": False,
            "bargap": 0.15,
        },
    )


@themed_fonts
def pair_figure(
    first: tuple[Sequence[str], np.ndarray],
    second: tuple[Sequence[str], np.ndarray],
    distance: np.ndarray,
    theme: Theme = LIGHT,
) -> go.Figure:
    """Both texts' running scores, and how far apart their hidden states are at each step."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.6, 0.4],
        vertical_spacing=0.12,
        subplot_titles=("running sentiment", "|h(first) − h(second)| at the same step"),
    )
    for (tokens, scores), name, colour, place in (
        (first, "first", theme.first, "top center"),
        (second, "second", theme.second, "bottom center"),
    ):
        steps = np.arange(1, len(tokens) + 1)
        fig.add_trace(
            trace(
                "scatter",
                x=steps,
                y=scores,
                mode="lines+markers+text" if len(tokens) <= 25 else "lines+markers",
                text=[display_token(token) for token in tokens],
                textposition=place,  # one text's words above its line, the other's below
                name=f"{name} text",
                line={"color": colour},
                hovertemplate="%{text}: %{y:+.2f}<extra>" + name + "</extra>",
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        trace(
            "bar",
            x=np.arange(1, len(distance) + 1),
            y=distance,
            marker={"color": theme.muted},
            name="distance",
            hovertemplate="step %{x}: %{y:.2f}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(range=[-1.15, 1.15], row=1, col=1)
    fig.update_xaxes(title={"text": "step (token number)"}, row=2, col=1)
    fig.update_layout(
        height=460,
        margin={"l": 50, "r": 10, "t": 40, "b": 50},
        paper_bgcolor=PAPER,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "x": 0},
    )
    return fig
