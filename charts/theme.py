"""Every colour the figures use, for a light and a dark page: the one place a theme is switched.

Figures have a transparent paper, so the page's own background shows through, and the
template of the page's theme (figure_template, light and dark) colours axes, tick labels and
legends. What a figure
draws itself (a cursor, a veil, a highlighted bar, a zero line) takes its colour from a `Theme`:
a dark mark that reads on white vanishes on Streamlit's dark background, and a white veil
turns into a bright slab there. Colours that read on both (mid-tone series colours, the
diverging scale of the heatmaps) are plain constants here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
from plotly.colors import sample_colorscale

PAPER = "rgba(0,0,0,0)"  # transparent: the page's background shows through
CLEAR = "rgba(0,0,0,0)"  # an invisible fill or label
DIVERGING = "RdBu_r"  # blue negative, white zero, red positive
UNKNOWN_TOKEN = "#9a9a9a"  # grey labels of words the model never learned: mid-tone, reads on both
# Marks drawn into pictures (photos, maps), whatever the page's theme.
CROSS, CROSS_RIM = (255, 255, 255), (0, 0, 0)  # a white cross with a dark rim reads on any photo
FIELD_BOX = (255, 45, 85)
# Every model's colour on every figure, by its registry name (models/*/registry.py): mid-tones
# that read on light and dark. A digit reader has the colour of the sentiment reader of its kind.
MODEL_COLOURS = {
    "squeezenet1_1": "#2ca02c",
    "efficientnet_lite0": "#9467bd",
    "lstm": "#d62728",
    "gru": "#ff7f0e",
    "rnn": "#7f7f7f",
    "cnn1d": "#1f77b4",
    "char": "#8c564b",
    "cnn": "#1f77b4",  # the digits' CNN (and the time series' CNN)
}
# The time-series page's forecasts that are not models, by their names in models/series.
BASELINE_COLOURS = {"naive": "#bcbd22", "seasonal": "#e377c2", "linear_ar": "#8c564b"}


@dataclass(frozen=True)
class Theme:
    """The colours of the marks a figure draws itself, for one page background."""

    name: str  # "light" or "dark", as Streamlit names the theme
    ink: str  # marks that must stand out most on the page: the current step, the path
    cursor: str  # the box and arrows over the heatmap, whose cells are mostly pale
    muted: str  # secondary lines and marker rims
    rule: str  # zero lines and slider ticks
    veil: str  # covers the tokens not read yet during playback
    faint: str  # bars that are not highlighted
    quiet: str  # a row of bars of which one is highlighted: how far each token moved h
    curve: str  # the line under the heatmap that joins its coloured points
    accent: str  # the main series: probabilities, the memory that is kept
    warm: str  # a second series beside `accent`
    channels: str  # channel counts in the shape ladder
    height: str  # map sides in the shape ladder
    first: str  # the first of two texts compared
    second: str  # the second
    confidence: str  # plotly colour scale of a 0..1 confidence, darkest at 1 for `light`
    font_scale: float = 1.0  # every text of a figure, times this (presentation mode: larger)


LIGHT = Theme(
    name="light",
    ink="#111111",
    cursor="#111111",
    muted="#666666",
    rule="#bbbbbb",
    veil="rgba(255,255,255,0.82)",
    faint="#b8b8b8",
    quiet="#9db4cf",
    curve="#9a9a9a",
    accent="#4c78a8",
    warm="#c98b2b",
    channels="#9ecae9",
    height="#e45756",
    first="#d62728",
    second="#1f77b4",
    confidence="Greys",
)
DARK = Theme(
    name="dark",
    ink="#f2f2f2",
    cursor="#ffc83d",  # amber: a light mark would vanish on the pale cells
    muted="#a6a6a6",
    rule="#5c5c5c",
    veil="rgba(14,17,23,0.82)",  # Streamlit's dark background, #0e1117
    faint="#5f6670",
    quiet="#4f6a8a",
    curve="#8a8a8a",
    accent="#6fa0d8",
    warm="#e0a546",
    channels="#5d9fd0",
    height="#ff7a73",
    first="#ff6b6b",
    second="#64b5f6",
    confidence="Greys_r",  # light at 1, so a confident guess reads on dark
)
THEMES = {theme.name: theme for theme in (LIGHT, DARK)}

# What the page itself writes with, for the figures' own text and lines (Streamlit's default
# light and dark themes): (text, secondary text, grid lines, hover label background).
PAGE_INK = {
    "light": ("#31333f", "#5c5f6e", "#e6e9ef", "#ffffff"),
    "dark": ("#fafafa", "#c3c7d1", "#31333f", "#0e1117"),
}
FONT_FAMILY = '"Source Sans", "Source Sans Pro", sans-serif'  # the page's own
TEMPLATE_FONT = 12  # px, at font_scale 1
# Streamlit's categorical colours, for a figure that names no colours of its own.
COLORWAY = [
    "#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d",
    "#7defa1", "#ff8700", "#ffd16a", "#6d3fc0", "#d5dae5",
]  # fmt: skip
SEQUENTIAL = ["#e4f5ff", "#a6dcff", "#60b4ff", "#1c83e1", "#0054a3", "#004280"]


@dataclass(frozen=True)
class Series:
    """How one model is drawn on every figure of a page: its name and its colour."""

    label: str
    colour: str


Styles = Mapping[str, Series]  # model name -> how it is drawn


def model_colour(name: str) -> str:
    """The colour a model (by its registry name) is drawn in on every figure."""
    return MODEL_COLOURS[name]


def series_styles(labels: Mapping[str, str]) -> dict[str, Series]:
    """How each model, by its registry name, is drawn: the label given, in its own colour."""
    return {name: Series(label, model_colour(name)) for name, label in labels.items()}


def theme_named(name: str | None) -> Theme:
    """The theme Streamlit reports ("light" or "dark"); light when it reports none."""
    return THEMES.get(name or "", LIGHT)


PRESENTING_SCALE = 1.5  # chart text for a projector at the back of a room: 11 px labels -> 16+


def presenting(theme: Theme, scale: float = PRESENTING_SCALE) -> Theme:
    """The same colours, with every text of a figure `scale` times larger."""
    return replace(theme, font_scale=scale)


def _diverging_table(size: int = 257) -> np.ndarray:
    """(size, 3) uint8 RGB of DIVERGING from −1 to +1; the middle entry is exactly 0."""
    colours = sample_colorscale(DIVERGING, np.linspace(0.0, 1.0, size).tolist())
    rgb = [[round(float(c)) for c in colour[4:-1].split(",")] for colour in colours]
    return np.array(rgb, dtype=np.uint8)


_DIVERGING_TABLE = _diverging_table()
# The same colours as "#rrggbb": plotly checks each colour string of a figure, and this short
# form is checked about twice as fast as "rgb(r, g, b)".
_HEX_COLOURS = ["#{:02x}{:02x}{:02x}".format(*rgb) for rgb in _DIVERGING_TABLE.tolist()]


def _diverging_index(values: np.ndarray, limit: float) -> np.ndarray:
    """Each value's row of the diverging table on a [−limit, limit] scale (clipped at the ends)."""
    scaled = np.clip(np.asarray(values, dtype=np.float64) / limit, -1.0, 1.0)
    return np.rint((scaled + 1.0) * (len(_DIVERGING_TABLE) // 2)).astype(np.intp)


def diverging_colours(values: np.ndarray, limit: float = 1.0) -> list[str]:
    """The DIVERGING colour of each value on a [-limit, limit] scale, as "#rrggbb".

    Computed here because plotly.js, given numbers and a colour scale for bars, logs a warning
    per bar ("Invalid color specifier") while drawing them.
    """
    return [_HEX_COLOURS[i] for i in _diverging_index(values, limit).ravel()]


def diverging_rgb(values: np.ndarray, limit: float) -> np.ndarray:
    """(..., 3) uint8: every value's DIVERGING colour on a [-limit, limit] scale, same layout."""
    return _DIVERGING_TABLE[_diverging_index(values, limit)]


def diverging_pixels(values: np.ndarray, limit: float) -> np.ndarray:
    """(H, T, 3) uint8 picture of (T, H) values on DIVERGING over [−limit, limit].

    Row 0 of the picture is the last unit, so unit 0 ends up at the bottom of the plot.
    """
    return _DIVERGING_TABLE[_diverging_index(values, limit).T[::-1]]


def figure_template(theme: Theme) -> dict:
    """The plotly template every figure is drawn with on a `theme` page: the page's font and
    ink, light grid lines, a transparent background. Tick labels are never hidden: by default
    plotly.js measures each one to hide those that cross the chart's edge, and on a long page
    each measurement lays the whole page out again (about a second of the browser's time per
    new sentence on the LSTM page, Chrome's profiler); ours fit."""
    text, secondary, grid, hover = PAGE_INK[theme.name]
    size = round(TEMPLATE_FONT * theme.font_scale)
    axis = {
        "gridcolor": grid,
        "zerolinecolor": grid,
        "linecolor": grid,
        "tickcolor": grid,
        "tickfont": {"color": secondary, "size": size},
        "title": {"font": {"color": secondary, "size": size + 2}},
        "ticklabeloverflow": "allow",
        "automargin": True,
    }
    scale = [[i / (len(SEQUENTIAL) - 1), colour] for i, colour in enumerate(SEQUENTIAL)]
    return {
        "layout": {
            "font": {"family": FONT_FAMILY, "size": size, "color": secondary},
            "colorway": COLORWAY,
            "colorscale": {"sequential": scale},
            "paper_bgcolor": PAPER,
            "plot_bgcolor": PAPER,
            "title": {"font": {"color": text, "size": size + 4}, "x": 0, "xanchor": "left"},
            "legend": {"font": {"color": text, "size": size}, "bgcolor": CLEAR},
            "xaxis": {**axis, "showgrid": False, "zeroline": False},
            "yaxis": axis,
            "margin": {"l": 0, "r": 0, "pad": 8},
            "hoverlabel": {
                "bgcolor": hover,
                "bordercolor": grid,
                "font": {"color": text, "family": FONT_FAMILY, "size": size},
            },
            "coloraxis": {"colorbar": {"tickfont": {"color": secondary, "size": size}}},
        },
        "data": {
            "heatmap": [{"colorscale": scale}],
            "scatter": [{"marker": {"line": {"width": 0}}}],
        },
    }
