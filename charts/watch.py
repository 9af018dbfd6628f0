"""The animated units x tokens heatmap: a picture of one state, Play, and the per-token curve.

The curve is the running sentiment, the next-character confidence, or a classifier's
probability of its final verdict after every token; a classifier that gives no verdict per
token gets the heatmap alone.

Playback runs in the browser without redrawing: each frame only moves a cursor box, a veil over
the tokens not read yet, arrows at the units that changed most and the point on the curve (a
few numbers per frame). The heatmap is a picture in the layout because plotly.js drops heatmap
traces from a subplot during frames drawn without a redraw, and redrawing everything each frame
is several times slower on long texts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from charts.layout import FIXED_MARGIN, themed_fonts
from charts.playback import frame_ms, play_buttons, slider_steps
from charts.theme import CLEAR, DIVERGING, LIGHT, PAPER, Theme, diverging_pixels
from charts.tokens import display_token, token_ticks
from imaging.encode import png_data_uri


def colour_limit(values: np.ndarray, bounded: bool) -> float:
    """Half-width of the colour range, symmetric so that white is exactly 0.

    Bounded states (tanh in [-1, 1], sigmoid gates in [0, 1]) share [-1, 1]: that keeps white = 0
    = "closed" and deep red = 1 = "wide open" for the gates.
    """
    if bounded:
        return 1.0
    return float(max(np.abs(values).max(initial=0.0), 1e-6))


@dataclass(frozen=True)
class WatchData:
    """What the heatmap draws of one text: one state of one layer, computed by the caller."""

    values: np.ndarray  # (T, H): the state after every token
    moved: np.ndarray  # (T, k): the units that changed most at every token, most first
    tokens: tuple[str, ...]
    known: tuple[bool, ...]  # False where a token is out of the model's vocabulary
    sentiment: np.ndarray | None  # (T,): the running sentiment under the heatmap, or ...
    next_chars: tuple[tuple[tuple[str, float], ...], ...] | None  # ... the top guesses after each
    verdict: np.ndarray | None = None  # ... or (T,) the final verdict's probability after each
    verdict_name: str = ""  # that verdict's class (plain text)


@dataclass(frozen=True)
class _Lower:
    """The per-token curve under the heatmap: running sentiment, or next-character confidence."""

    y: np.ndarray
    title: str
    limits: tuple[float, float]
    ticks: dict
    labels: list[str]
    hover: str
    value_format: str
    meta: str | None = None  # shown by `hover` as %{meta}: text a template must not parse


def _lower_panel(data: WatchData) -> _Lower | None:
    if data.sentiment is not None:
        return _Lower(
            y=np.asarray(data.sentiment, dtype=np.float32),
            title="sentiment",
            limits=(-1.15, 1.15),
            ticks={"tickvals": [-1, 0, 1], "ticktext": ["−1 neg", "0", "+1 pos"]},
            labels=[],
            hover="after %{customdata}: sentiment %{y:+.2f}<extra></extra>",
            value_format="{:+.2f}",
        )
    if data.verdict is not None:
        name = display_token(data.verdict_name)
        return _Lower(
            y=np.asarray(data.verdict, dtype=np.float32),
            title=f"p({name})",
            limits=(0.0, 1.18),
            ticks={"tickvals": [0, 0.5, 1], "ticktext": ["0%", "50%", "100%"]},
            labels=[],
            hover="after %{customdata}: p(%{meta}) %{y:.0%}<extra></extra>",
            value_format="{:.0%}",
            meta=name,
        )
    if data.next_chars is None:
        return None  # a classifier with no verdict per token: the heatmap alone
    best = [predictions[0] for predictions in data.next_chars]
    return _Lower(
        y=np.array([prob for _, prob in best], dtype=np.float32),
        title="top guess",
        limits=(0.0, 1.18),
        ticks={"tickvals": [0, 0.5, 1], "ticktext": ["0%", "50%", "100%"]},
        labels=[display_token(char) for char, _ in best],
        hover="after %{customdata}: expects %{text} (%{y:.0%})<extra></extra>",
        value_format="{:.0%}",
    )


@dataclass(frozen=True)
class WatchView:
    """How the heatmap labels and scales the state it shows."""

    label: str  # e.g. "h · hidden state"
    bounded: bool
    unit_noun: str = "hidden unit"

    @property
    def symbol(self) -> str:
        return self.label.split(" · ")[0]


@themed_fonts
def watch_figure(
    data: WatchData, view: WatchView, theme: Theme = LIGHT, playable: bool = True
) -> go.Figure:
    """Units x tokens heatmap of one state over the per-token curve, with Play and a slider;
    not `playable`: the same picture after the last token, without frames or controls (the
    frames are most of the figure's building time and bytes).

    Built in one constructor call from plain parts: make_subplots and one update call per
    trace or axis (each re-validating the figure) cost several times what the figure needs.
    """
    values, moved = data.values, data.moved
    lower = _lower_panel(data)
    limit = colour_limit(values, view.bounded)
    still = [_colour_bar(limit, view), _token_hover(data, values, moved, view)]
    if lower is not None:
        still.append(_lower_curve(data, lower, theme))
    moving = [
        {**scatter, **style, "showlegend": False, **_ROW_AXES[row]}
        for scatter, (style, row) in zip(
            _moving_traces(len(data.tokens), values, lower, moved),
            _moving_styles(theme)[: None if lower is not None else 3],  # the heatmap's alone
            strict=True,
        )
    ]
    indices = list(range(len(still), len(still) + len(moving)))
    frames = [
        {"name": str(t), "data": _moving_traces(t, values, lower, moved), "traces": indices}
        for t in range(1, len(data.tokens) + 1)
        if playable
    ]
    layout = _layout(data, values, limit, lower, view, theme)
    if not playable:  # the plot keeps its size; the space for the slider and buttons goes
        del layout["updatemenus"], layout["sliders"]
        layout["height"] -= STILL_MARGIN_SAVED
        layout["margin"] = {**layout["margin"], "b": layout["margin"]["b"] - STILL_MARGIN_SAVED}
    return go.Figure(data=still + moving, layout=layout, frames=frames or None)


STILL_MARGIN_SAVED = 115  # px under the plot that the slider and the buttons take

# The two rows of the figure: the heatmap on x/y, the curve on x2/y2 (x matches x2).
_ROW_AXES = {1: {"xaxis": "x", "yaxis": "y"}, 2: {"xaxis": "x2", "yaxis": "y2"}}


def _colour_bar(limit: float, view: WatchView) -> dict:
    """An invisible point whose only job is the heatmap picture's colour bar."""
    return {
        "type": "scatter",
        "x": [1],
        "y": [0],
        "mode": "markers",
        "marker": {
            "color": [0.0],
            "colorscale": DIVERGING,
            "cmin": -limit,
            "cmid": 0.0,
            "cmax": limit,
            "opacity": 0,
            "showscale": True,
            "colorbar": {
                "title": {"text": view.symbol, "side": "top"},
                "len": 0.66,
                "y": 1.0,
                "yanchor": "top",
                "thickness": 14,
            },
        },
        "hoverinfo": "skip",
        "name": view.label,
        **_ROW_AXES[1],
    }


def _token_hover(data: WatchData, values: np.ndarray, moved: np.ndarray, view: WatchView) -> dict:
    """One invisible point per column gives the hover text of that token."""
    n_tokens, n_units = values.shape
    names = [display_token(token) for token in data.tokens]
    spread = [
        f"token {t + 1}: {names[t]}"
        f"<br>{view.symbol} from {values[t].min():+.2f} to {values[t].max():+.2f}"
        f"<br>changed most: {view.unit_noun}s {', '.join(str(u) for u in moved[t])}"
        for t in range(n_tokens)
    ]
    return {
        "type": "scatter",
        "x": np.arange(1, n_tokens + 1),
        "y": np.full(n_tokens, (n_units - 1) / 2),
        "mode": "markers",
        "marker": {"opacity": 0, "size": 1},
        "text": spread,
        "hovertemplate": "%{text}<extra></extra>",  # %{x} would show the tick text
        "name": "tokens",
        **_ROW_AXES[1],
    }


def _lower_curve(data: WatchData, lower: _Lower, theme: Theme) -> dict:
    """The running sentiment, the next-character confidence or the verdict, under the heatmap."""
    n_tokens = len(data.tokens)
    is_sentiment = data.sentiment is not None
    meta = {} if lower.meta is None else {"meta": lower.meta}
    return {
        "type": "scatter",
        "x": np.arange(1, n_tokens + 1),
        "y": lower.y,
        "mode": "lines+markers+text" if lower.labels and n_tokens <= 80 else "lines+markers",
        "text": lower.labels or None,
        "textposition": "top center",
        "textfont": {"size": 11},
        "line": {"color": theme.curve, "width": 1.5},
        "marker": {
            "size": 7,
            "color": lower.y,
            "colorscale": DIVERGING if is_sentiment else theme.confidence,
            "cmin": -1.0 if is_sentiment else -0.3,
            "cmax": 1.0,
            "line": {"width": 0.5, "color": theme.muted},
        },
        "customdata": [display_token(token) for token in data.tokens],
        "hovertemplate": lower.hover,
        "name": lower.title,
        **meta,
        **_ROW_AXES[2],
    }


def _moving_styles(theme: Theme) -> tuple[tuple[dict, int], ...]:
    """Style and subplot row of each moving trace, in the order `_moving_traces` returns them."""
    veil = {
        "mode": "lines",
        "fill": "toself",
        "fillcolor": theme.veil,
        "line": {"width": 0},
        "hoverinfo": "skip",
    }
    return (
        (veil, 1),
        ({"mode": "lines", "line": {"color": theme.cursor, "width": 2}, "hoverinfo": "skip"}, 1),
        (
            {
                "mode": "markers",
                "marker": {"symbol": "triangle-right", "size": 9, "color": theme.cursor},
                "cliponaxis": False,
                "hoverinfo": "skip",
            },
            1,
        ),
        (veil, 2),
        (
            {
                "mode": "markers+text",
                "marker": {"size": 13, "color": CLEAR, "line": {"width": 2.5}},
                "textposition": "middle right",
                "textfont": {"size": 13, "color": theme.ink},
                "cliponaxis": False,
                "hoverinfo": "skip",
            },
            2,
        ),
    )


def _moving_traces(
    t: int, values: np.ndarray, lower: _Lower | None, moved: np.ndarray
) -> list[dict]:
    """The traces that move during playback at a 1-based step t (plain dicts: speed).

    Veil over the unread tokens, the cursor box, arrows at the most-changed units, and, with a
    curve, the veil over its unread part and its current point.
    """
    n_tokens, n_units = values.shape
    top_y, bottom_y = -0.5, n_units - 0.5
    veil_x = [t + 0.5, n_tokens + 0.5, n_tokens + 0.5, t + 0.5, t + 0.5]
    box_x = [t - 0.5, t + 0.5, t + 0.5, t - 0.5, t - 0.5]
    units = [int(u) for u in moved[t - 1]]
    heatmap = [
        {"type": "scatter", "x": veil_x, "y": [top_y, top_y, bottom_y, bottom_y, top_y]},
        {"type": "scatter", "x": box_x, "y": [top_y, top_y, bottom_y, bottom_y, top_y]},
        {
            "type": "scatter",
            "x": [t - 0.5] * len(units),
            "y": units,
            "text": [f"unit {u}" for u in units],
        },
    ]
    if lower is None:
        return heatmap
    low, high = lower.limits
    value = round(float(lower.y[t - 1]), 4)
    return [
        *heatmap,
        {"type": "scatter", "x": veil_x, "y": [low, low, high, high, low]},
        {"type": "scatter", "x": [t], "y": [value], "text": [lower.value_format.format(value)]},
    ]


def _token_slider(data: WatchData, theme: Theme) -> dict:
    """A plotly slider with one step per token; its current-value text names the token."""
    n_tokens = len(data.tokens)
    names = [display_token(token) for token in data.tokens]
    return {
        "active": n_tokens - 1,
        # The slider spans the width, the Play and Pause buttons sit under it: side by side they
        # overlapped on a phone's narrow chart.
        "x": 0.0,
        "len": 1.0,
        "y": -0.16,
        "yanchor": "top",
        "pad": {"t": 0, "b": 0},
        "font": {"color": CLEAR},  # per-step labels would overlap; the current one shows
        "tickcolor": theme.rule,
        "currentvalue": {
            "prefix": "token ",
            "font": {"size": 14, "color": theme.ink},
            "xanchor": "left",
        },
        "transition": {"duration": 0},
        "steps": slider_steps([f"{t} of {n_tokens}: {name}" for t, name in enumerate(names, 1)]),
    }


def _layout(
    data: WatchData,
    values: np.ndarray,
    limit: float,
    lower: _Lower | None,
    view: WatchView,
    theme: Theme,
) -> dict:
    """Two rows sharing the token axis (heatmap 70%, curve 30%), the heatmap as a picture;
    without a curve, the heatmap fills both."""
    n_tokens, n_units = values.shape
    ticks = token_ticks(data.tokens, data.known)
    token_axis = {"range": [0.5, n_tokens + 0.5], "showgrid": False, "zeroline": False, **ticks}
    layout = {
        "height": 500,
        "margin": {"l": 70, "r": 20, "t": 20, "b": 185},
        "paper_bgcolor": PAPER,
        "plot_bgcolor": PAPER,
        "hovermode": "x",
        "showlegend": False,
        "updatemenus": [play_buttons(frame_ms(n_tokens), y=-0.36)],
        "sliders": [_token_slider(data, theme)],
        "xaxis": {**token_axis, "anchor": "y", "matches": "x2", "showticklabels": True}
        if lower is not None
        else {**token_axis, "anchor": "y"},
        "xaxis2": {**token_axis, "anchor": "y2"},
        "yaxis": {
            "domain": [0.37, 1.0] if lower is not None else [0.0, 1.0],
            "title": {"text": view.unit_noun},
            "range": [-0.5, n_units - 0.5],
            "showgrid": False,
            "zeroline": False,
            **FIXED_MARGIN,
        },
        "yaxis2": _curve_axis(lower, theme) if lower is not None else None,
        # The values as one small picture behind the top plot, a pixel per (token, unit); the
        # page asks the browser to enlarge it with crisp pixels (`image-rendering`).
        "images": [
            {
                "source": png_data_uri(diverging_pixels(values, limit)),
                "xref": "x",
                "yref": "y",
                "x": 0.5,
                "y": n_units - 0.5,
                "sizex": n_tokens,
                "sizey": n_units,
                "sizing": "stretch",
                "xanchor": "left",
                "yanchor": "top",
                "layer": "below",
            }
        ],
    }
    if lower is None:  # the heatmap alone
        del layout["xaxis2"], layout["yaxis2"]
    return layout


def _curve_axis(lower: _Lower, theme: Theme) -> dict:
    """The curve's value axis, under the heatmap."""
    return {
        "domain": [0.0, 0.27],
        "title": {"text": lower.title},
        "range": list(lower.limits),
        "showgrid": False,
        "zeroline": True,
        "zerolinecolor": theme.rule,
        **lower.ticks,
        **FIXED_MARGIN,
    }
