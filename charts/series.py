"""Figures of the time-series page: the series with its held-out part, forecasts against the
truth, a forecast fed back on itself, a receptive field on the time axis beside the season,
how far back each reader looks, one forecast's attribution, a hidden state over time with Play,
and the held-out error as the distant past is removed. Arrays and plain values in, figures out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from charts.layout import FIXED_MARGIN, themed_fonts, trace
from charts.playback import frame_ms, play_buttons, slider_steps
from charts.theme import CLEAR, DIVERGING, LIGHT, PAPER, Styles, Theme

TRUTH = "the real values"


def _layout(height: int, theme: Theme, **more: object) -> dict:
    return {
        "height": height,
        "margin": {"l": 60, "r": 10, "t": 30, "b": 40},
        "paper_bgcolor": PAPER,
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "hovermode": "x unified",
        **more,
    }


def _ticks(labels: Sequence[str], positions: Sequence[int], count: int = 8) -> dict:
    """An index axis labelled by the series' own dates (a few, evenly spaced)."""
    positions = list(positions)
    if not positions:
        return {}
    chosen = positions[:: max(1, len(positions) // count)]
    return {"tickmode": "array", "tickvals": chosen, "ticktext": [labels[i] for i in chosen]}


@themed_fonts
def series_figure(
    values: np.ndarray,
    labels: Sequence[str],
    train_size: int,
    filled: np.ndarray,
    unit: str,
    theme: Theme = LIGHT,
) -> go.Figure:
    """The whole series, the held-out part shaded; values filled in where the source had none
    marked."""
    index = np.arange(len(values))
    data = [
        trace(
            "scatter",
            x=index,
            y=values,
            mode="lines",
            name="trained on (first 80%)",
            line={"color": theme.accent, "width": 1.5},
            customdata=list(labels),
            hovertemplate="%{customdata}: %{y:.4g}<extra></extra>",
        ),
        trace(
            "scatter",
            x=index[train_size:],
            y=values[train_size:],
            mode="lines",
            name="held out (last 20%)",
            line={"color": theme.warm, "width": 1.5},
            hoverinfo="skip",
        ),
    ]
    gaps = np.flatnonzero(filled)
    if len(gaps):
        data.append(
            trace(
                "scatter",
                x=gaps,
                y=values[gaps],
                mode="markers",
                name=f"filled in ({len(gaps)})",
                marker={"color": theme.muted, "size": 4},
                hoverinfo="skip",
            )
        )
    return go.Figure(
        data,
        _layout(
            300,
            theme,
            shapes=[
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "paper",
                    "x0": train_size - 0.5,
                    "x1": len(values) - 0.5,
                    "y0": 0,
                    "y1": 1,
                    "fillcolor": theme.warm,
                    "opacity": 0.12,
                    "line": {"width": 0},
                    "layer": "below",
                }
            ],
            xaxis={**_ticks(labels, index), **FIXED_MARGIN},
            yaxis={"title": {"text": unit}, **FIXED_MARGIN},
        ),
    )


@themed_fonts
def forecasts_figure(
    positions: np.ndarray,
    labels: Sequence[str],
    truth: np.ndarray,
    forecasts: Mapping[str, np.ndarray],
    styles: Styles,
    unit: str,
    theme: Theme = LIGHT,
    past: tuple[np.ndarray, np.ndarray] | None = None,
) -> go.Figure:
    """Forecasts (method -> values at `positions`) against the truth; `past` (positions,
    values) draws the values a forecast started from."""
    data = []
    if past is not None:
        data.append(
            trace(
                "scatter",
                x=past[0],
                y=past[1],
                mode="lines",
                name="the past it read",
                line={"color": theme.muted, "width": 1.5},
            )
        )
    if len(truth):
        data.append(
            trace(
                "scatter",
                x=positions[: len(truth)],
                y=truth,
                mode="lines",
                name=TRUTH,
                line={"color": theme.ink, "width": 2.5},
            )
        )
    for method, values in forecasts.items():
        style = styles[method]
        data.append(
            trace(
                "scatter",
                x=positions,
                y=values,
                mode="lines",
                name=style.label,
                line={"color": style.colour, "width": 1.5},
            )
        )
    shown = np.concatenate([positions, past[0]]) if past is not None else positions
    return go.Figure(
        data,
        _layout(
            340,
            theme,
            xaxis={**_ticks(labels, [int(i) for i in shown]), **FIXED_MARGIN},
            yaxis={"title": {"text": unit}, "range": _value_range(truth, past), **FIXED_MARGIN},
        ),
    )


def _value_range(
    truth: np.ndarray, past: tuple[np.ndarray, np.ndarray] | None
) -> list[float] | None:
    """The y range of the real values with a margin of half their span each side, so that one
    forecast running away (a fed-back reader drifting off) leaves the chart instead of
    flattening everyone else's; None (plotly's own) with no real values to go by."""
    real = np.concatenate([truth, past[1]]) if past is not None else np.asarray(truth)
    real = real[np.isfinite(real)]
    if not len(real):
        return None
    low, high = float(real.min()), float(real.max())
    margin = max(high - low, abs(high) * 1e-3, 1e-9) / 2
    return [low - margin, high + margin]


@themed_fonts
def receptive_field_figure(
    window: np.ndarray,
    fields: Mapping[str, int],
    season: int,
    theme: Theme = LIGHT,
) -> go.Figure:
    """The past window a forecast reads, by lag (0: the last value, at the right), with a bar
    per receptive field (label -> steps seen) and a line at one season back."""
    width = len(window)
    lags = np.arange(width)[::-1]  # the window's positions, oldest first, as lags
    data = [
        trace(
            "scatter",
            x=-lags,
            y=window,
            mode="lines+markers",
            name="the past window",
            line={"color": theme.muted, "width": 1.5},
            marker={"size": 3},
            yaxis="y",
        )
    ]
    colours = (theme.accent, theme.warm, theme.first, theme.second)
    for (label, steps), colour in zip(fields.items(), colours, strict=False):
        data.append(
            trace(
                "bar",
                x=[min(steps, width)],
                base=[-(min(steps, width) - 1) - 0.5],
                y=[label],
                orientation="h",
                name=f"{label}: {steps} steps",
                marker={"color": colour},
                yaxis="y2",
                hovertemplate=f"{label} sees lags 0..{steps - 1}<extra></extra>",
            )
        )
    shapes = []
    if 1 < season < width:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": -season,
                "x1": -season,
                "y0": 0,
                "y1": 1,
                "line": {"color": theme.ink, "dash": "dash", "width": 2},
            }
        )
    annotations = (
        [
            {
                "x": -season,
                "y": 1.0,
                "xref": "x",
                "yref": "paper",
                "text": f"one season back ({season} steps)",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"color": theme.ink},
            }
        ]
        if shapes
        else []
    )
    return go.Figure(
        data,
        _layout(
            340,
            theme,
            hovermode="closest",
            shapes=shapes,
            annotations=annotations,
            barmode="overlay",
            xaxis={
                "title": {"text": "steps back from the forecast (0: the last value)"},
                "range": [-width - 0.5, 0.5],
                "anchor": "y2",
                **FIXED_MARGIN,
            },
            yaxis={"domain": [0.42, 1.0], "title": {"text": "value"}, **FIXED_MARGIN},
            yaxis2={"domain": [0.0, 0.34], "anchor": "x", "automargin": True},
            margin={"l": 60, "r": 10, "t": 60, "b": 40},
            legend={"orientation": "h", "y": 1.12, "yanchor": "bottom", "x": 0},
        ),
    )


@themed_fonts
def reach_figure(
    profiles: Mapping[str, np.ndarray],
    reaches: Mapping[str, int],
    styles: Styles,
    theme: Theme = LIGHT,
) -> go.Figure:
    """Each reader's share of |gradient| by lag (lag 0 left out), with its 90% reach marked."""
    data = []
    for method, profile in profiles.items():
        style = styles[method]
        data.append(
            trace(
                "scatter",
                x=np.arange(1, len(profile)),
                y=profile[1:],
                mode="lines",
                name=f"{style.label} (90% by lag {reaches[method]})",
                line={"color": style.colour, "width": 2},
            )
        )
    return go.Figure(
        data,
        _layout(
            320,
            theme,
            hovermode="x",
            xaxis={"title": {"text": "steps back (lag)"}, **FIXED_MARGIN},
            yaxis={"title": {"text": "share of the gradient"}, "rangemode": "tozero"},
        ),
    )


@themed_fonts
def attribution_figure(
    window: np.ndarray,
    attributions: Mapping[str, np.ndarray],
    styles: Styles,
    theme: Theme = LIGHT,
) -> go.Figure:
    """Integrated gradients by lag for one forecast (method -> (W,) by lag, in the series'
    units), one bar row per reader, under the window they read."""
    width = len(window)
    lags = np.arange(width)
    data = [
        trace(
            "scatter",
            x=-lags[::-1],
            y=window,
            mode="lines",
            name="the past window",
            line={"color": theme.muted, "width": 1.5},
            yaxis="y",
        )
    ]
    for method, values in attributions.items():
        style = styles[method]
        data.append(
            trace(
                "bar",
                x=-lags,
                y=values,
                name=style.label,
                marker={"color": style.colour},
                yaxis="y2",
            )
        )
    return go.Figure(
        data,
        _layout(
            380,
            theme,
            hovermode="x",
            barmode="group",
            xaxis={
                "title": {"text": "steps back from the forecast (0: the last value)"},
                "anchor": "y2",
                **FIXED_MARGIN,
            },
            yaxis={"domain": [0.62, 1.0], "title": {"text": "value"}, **FIXED_MARGIN},
            yaxis2={
                "domain": [0.0, 0.55],
                "anchor": "x",
                "title": {"text": "share of the change"},
                "zeroline": True,
                "zerolinecolor": theme.rule,
                **FIXED_MARGIN,
            },
        ),
    )


@themed_fonts
def hidden_state_figure(
    states: np.ndarray, labels: Sequence[str], title: str, theme: Theme = LIGHT
) -> go.Figure:
    """A recurrent reader's hidden state after every step (W, H) as a heatmap, units up, time
    across; Play moves a cursor along the steps."""
    steps, units = states.shape
    limit = float(max(np.abs(states).max(initial=0.0), 1e-6))
    cursor = {"color": theme.cursor, "width": 2}
    top = units - 0.5

    def line_at(step: int) -> dict:
        return trace(
            "scatter",
            x=[step, step],
            y=[-0.5, top],
            mode="lines",
            line=cursor,
            hoverinfo="skip",
            showlegend=False,
        )

    figure = go.Figure(
        [
            trace(
                "heatmap",
                z=states.T,
                x=np.arange(steps),
                y=np.arange(units),
                zmin=-limit,
                zmax=limit,
                colorscale=DIVERGING,
                colorbar={"title": {"text": "h"}},
                customdata=np.array([list(labels)] * units),
                hovertemplate="unit %{y}, after %{customdata}: %{z:.2f}<extra></extra>",
            ),
            line_at(steps - 1),
        ],
        _layout(
            380,
            theme,
            hovermode="closest",
            title={"text": title, "font": {"size": 14}},
            margin={"l": 60, "r": 10, "t": 40, "b": 170},
            xaxis={**_ticks(labels, range(steps)), **FIXED_MARGIN},
            yaxis={"title": {"text": "unit"}, **FIXED_MARGIN},
            # As on the LSTM page: the slider spans the width, its current value on its left,
            # and Play and Pause sit under it (side by side, the value's label ran into them).
            updatemenus=[play_buttons(frame_ms(steps), y=-0.6)],
            sliders=[
                {
                    "active": steps - 1,
                    "steps": slider_steps([str(label) for label in labels]),
                    "x": 0.0,
                    "len": 1.0,
                    "y": -0.2,
                    "yanchor": "top",
                    "font": {"color": CLEAR},  # per-step labels would overlap
                    "tickcolor": theme.rule,
                    "currentvalue": {
                        "prefix": "after ",
                        "font": {"size": 13, "color": theme.ink},
                        "xanchor": "left",
                    },
                    "pad": {"t": 0, "b": 0},
                }
            ],
        ),
    )
    figure.frames = [
        go.Frame(name=str(step + 1), data=[line_at(step)], traces=[1]) for step in range(steps)
    ]
    return figure


@themed_fonts
def distant_past_figure(
    beyonds: Sequence[int],
    maes: Mapping[str, Sequence[float]],
    naive: float,
    styles: Styles,
    theme: Theme = LIGHT,
) -> go.Figure:
    """Held-out MAE of each reader (and the AR) with the past beyond N steps removed, against
    N; a line at the naive forecast's MAE."""
    data = [
        trace(
            "scatter",
            x=list(beyonds),
            y=list(values),
            mode="lines+markers",
            name=styles[method].label,
            line={"color": styles[method].colour, "width": 2},
        )
        for method, values in maes.items()
    ]
    return go.Figure(
        data,
        _layout(
            320,
            theme,
            hovermode="x",
            shapes=[
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": naive,
                    "y1": naive,
                    "line": {"color": theme.muted, "dash": "dot"},
                }
            ],
            annotations=[
                {
                    "xref": "paper",
                    "x": 1,
                    "y": naive,
                    "text": "naive forecast",
                    "showarrow": False,
                    "xanchor": "right",
                    "yanchor": "bottom",
                    "font": {"color": theme.muted},
                }
            ],
            xaxis={"title": {"text": "steps of the past kept (N)"}, **FIXED_MARGIN},
            yaxis={"title": {"text": "held-out error (MAE)"}, "rangemode": "tozero"},
        ),
    )


@themed_fonts
def training_figure(
    epochs: Mapping[str, Sequence[int]],
    maes: Mapping[str, Sequence[float]],
    naive: float,
    styles: Styles,
    theme: Theme = LIGHT,
) -> go.Figure:
    """Each reader's held-out MAE after every epoch of a live run, beside the naive one's."""
    data = [
        trace(
            "scatter",
            x=list(epochs[method]),
            y=list(values),
            mode="lines+markers",
            name=styles[method].label,
            line={"color": styles[method].colour, "width": 2},
        )
        for method, values in maes.items()
    ]
    figure = distant_past_figure([], {}, naive, styles, theme)
    figure.add_traces(data)
    figure.update_layout(
        xaxis={"title": {"text": "epoch"}}, yaxis={"title": {"text": "held-out error (MAE)"}}
    )
    return figure
