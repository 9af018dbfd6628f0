"""The sentence's path through the hidden-state space, over the corpus's cloud of states."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from charts.layout import themed_fonts, trace
from charts.playback import frame_ms, play_buttons
from charts.theme import DIVERGING, LIGHT, PAPER, Theme
from charts.tokens import display_token


@themed_fonts
def state_path_figure(
    cloud: np.ndarray,
    cloud_colour: np.ndarray,
    colour_title: str,
    path: np.ndarray,
    tokens: Sequence[str],
    explained: tuple[float, float],
    theme: Theme = LIGHT,
) -> go.Figure:
    """Corpus states as a faint cloud, and the sentence's states as a path, with Play.

    cloud (N, 2) and cloud_colour (N,); path (T, 2), one point per token.
    """
    names = [display_token(token) for token in tokens]
    limit = float(max(np.abs(cloud_colour).max(initial=0.0), 1e-6))
    fig = go.Figure()
    fig.add_trace(
        trace(
            "scatter",
            x=cloud[:, 0],
            y=cloud[:, 1],
            mode="markers",
            marker={
                "size": 4,
                "opacity": 0.25,
                "color": cloud_colour,
                "colorscale": DIVERGING,
                "cmin": -limit,
                "cmax": limit,
                "colorbar": {"title": {"text": colour_title}, "thickness": 10},
            },
            hoverinfo="skip",
            name="corpus",
        )
    )

    def walked(t: int) -> dict:
        return {
            "type": "scatter",
            "x": path[:t, 0].tolist(),
            "y": path[:t, 1].tolist(),
            "text": names[:t],
        }

    fig.add_trace(
        walked(len(tokens))
        | {
            "mode": "lines+markers+text",
            "textposition": "top center",
            "line": {"color": theme.ink, "width": 2},
            "marker": {"size": 8, "color": theme.ink},
            "hovertemplate": "%{text}<extra></extra>",
            "name": "your sentence",
        }
    )
    fig.frames = [
        {"name": str(t), "data": [walked(t)], "traces": [1]} for t in range(1, len(tokens) + 1)
    ]
    fig.update_layout(
        height=480,
        margin={"l": 50, "r": 10, "t": 20, "b": 100},
        paper_bgcolor=PAPER,
        showlegend=False,
        xaxis={"title": {"text": f"component 1 ({explained[0]:.0%} of the variance)"}},
        yaxis={"title": {"text": f"component 2 ({explained[1]:.0%})"}},
        updatemenus=[play_buttons(frame_ms(len(tokens)), y=-0.16)],
    )
    return fig
