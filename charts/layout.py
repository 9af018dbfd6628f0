"""Pieces for figures built by hand in one constructor call.

make_subplots, and one update call per trace or axis (each re-validating the figure), cost
several times what the figures themselves need; these helpers keep the hand-made layout short.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from typing import ParamSpec

import plotly.graph_objects as go

from charts.theme import Theme

P = ParamSpec("P")

# For number axes whose labels and title fit the margins set by hand (not for token axes: a long
# word would be cut off). The figures' template (charts/theme.py, after Streamlit's chart theme)
# turns plotly's automargin on for every axis;
# plotly.js then measures every tick label, and lays the whole figure out a second time when
# the margins move. With it off on these axes, each chart drawn alone in chromium with the
# theme's axis settings took 79 instead of 205 ms (heatmap), 29 instead of 84 ms (step) and 33
# instead of 89 ms (memory); on the LSTM page the first chart showed 0.2-0.3 s sooner.
FIXED_MARGIN = {"automargin": False}


def trace(kind: str, **properties: object) -> dict:
    """A trace as a plain dict, e.g. trace("bar", x=..., y=...), for go.Figure's data.

    go.Figure validates every property of its traces once; a go.Bar or go.Scatter object is
    validated when it is made and again when the figure copies it (twice the time: 3.3 against
    1.8 ms for one bar trace of 128 coloured bars).
    """
    return {"type": kind, **properties}


def log_axis(values: Sequence[float], title: str) -> dict:
    """A log axis whose ticks read as plain numbers (0.1, 1, 10, 100, 1k), never as plotly's
    bare mantissas ("2, 5, 100, 2, 5") that a learner would take for values. With less than two
    decades of data, the 2s and 5s between the powers of ten are ticked too."""
    positive = [v for v in values if v > 0]
    low = math.floor(math.log10(min(positive, default=1.0)))
    high = math.ceil(math.log10(max(positive, default=10.0)))
    steps = (1,) if high - low > 2 else (1, 2, 5)
    ticks = [m * 10.0**k for k in range(low, high + 1) for m in steps]
    return {
        "type": "log",
        "title": {"text": title},
        "tickvals": ticks,
        "ticktext": [plain_number(t) for t in ticks],
        "minor": {"showgrid": False},
    }


def plain_number(value: float) -> str:
    """1000 -> "1k", 20000 -> "20k", 0.5 -> "0.5", 3 -> "3"."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def row_title(text: str, top: float) -> dict:
    """A title just above a row whose top edge is at `top` (paper coordinates)."""
    return {
        "text": text,
        "x": 0.5,
        "y": top,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 16},
    }


def row_domains(count: int, gap: float) -> list[list[float]]:
    """[bottom, top] of `count` equal rows from the top down, `gap` apart."""
    height = (1.0 - gap * (count - 1)) / count
    edges = [
        (1.0 - (row + 1) * height - row * gap, 1.0 - row * height - row * gap)
        for row in range(count)
    ]
    return [[max(0.0, round(low, 9)), min(1.0, round(high, 9))] for low, high in edges]


BASE_FONT = 12  # px: the figures' template draws their text at this size (TEMPLATE_FONT)
_FONT_KEYS = {"font", "tickfont", "textfont", "outsidetextfont", "insidetextfont", "titlefont"}
_AXIS = re.compile(r"^[xy]axis\d*$")


def _scale_sizes(node: object, scale: float, in_font: bool = False) -> None:
    """Every explicit font size under `node` (a figure as plain dicts), times `scale`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if in_font and key == "size" and isinstance(value, int | float):
                node[key] = round(value * scale)
            else:
                _scale_sizes(value, scale, key in _FONT_KEYS)
    elif isinstance(node, list | tuple):
        for item in node:
            _scale_sizes(item, scale, in_font)


def scaled_fonts(figure: go.Figure, scale: float) -> go.Figure:
    """The figure with all its text `scale` times larger: its explicit sizes, and the sizes it
    left to the page's theme (tick labels, axis titles, legend), which are set here."""
    if scale == 1.0:
        return figure
    spec = figure.to_dict()
    _scale_sizes(spec, scale)
    layout = spec.setdefault("layout", {})
    # Fixed margins hold tick labels and axis titles: they grow with the text, or a larger
    # title runs into the labels beside it.
    margin = layout.get("margin") or {}
    for side in ("l", "r", "t", "b"):
        if isinstance(margin.get(side), int | float):
            margin[side] = round(margin[side] * scale)
    size = round(BASE_FONT * scale)
    layout.setdefault("font", {}).setdefault("size", size)
    layout.setdefault("legend", {}).setdefault("font", {}).setdefault("size", size)
    for name in [key for key in layout if _AXIS.match(key)] or ["xaxis", "yaxis"]:
        axis = layout.setdefault(name, {})
        axis.setdefault("tickfont", {}).setdefault("size", size)
        title = axis.setdefault("title", {})
        if isinstance(title, dict):
            title.setdefault("font", {}).setdefault("size", size)
    return go.Figure(spec)


def themed_fonts(build: Callable[P, go.Figure]) -> Callable[P, go.Figure]:
    """A figure builder whose figure's text is scaled by the `theme` it is given
    (`Theme.font_scale`: larger in presentation mode)."""

    @functools.wraps(build)
    def built(*args: P.args, **kwargs: P.kwargs) -> go.Figure:
        figure = build(*args, **kwargs)
        theme = kwargs.get("theme") or next((a for a in args if isinstance(a, Theme)), None)
        return scaled_fonts(figure, theme.font_scale) if isinstance(theme, Theme) else figure

    return built
