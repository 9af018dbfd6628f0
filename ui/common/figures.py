"""Every plotly figure of the app, drawn once by a small component of our own.

Streamlit 1.67's st.plotly_chart draws each new chart twice in the browser: once before it
knows the chart's width and again when the width arrives, and its theme effect hands
plotly.js a fresh copy of the figure on mount, which plotly takes as a new figure
(docs/bench-history.md). This component measures its container first and calls
`Plotly.react` once per new figure; an unchanged figure is not drawn again. plotly.js itself
is one file in the app's static folder (serving/static_files.py), fetched once per tab.

Figures carry no template of their own (serving/process.py): the light and the dark one from
charts/theme.py go with each figure, so the colours still come from one place, and the
browser picks the one of the page's theme, again at once when the viewer switches it, and
then asks for one rerun (a switch alone does not rerun the page), which builds the figures'
own theme-coloured marks (charts/theme.py's Theme) for the new theme.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from charts.theme import THEMES, figure_template
from serving.static_files import PLOTLY_URL, bundled_trace_types
from ui.common.theme import current_theme

_SCRIPT = (Path(__file__).parent / "figure.js").read_text().replace("PLOTLY_URL", PLOTLY_URL)
_FIGURE = st.components.v2.component("inside_figure", js=_SCRIPT, isolate_styles=False)

Points = list[dict[str, Any]]  # clicked points: {"x", "y", "point_index"}


@functools.cache
def _templates_json(font_scale: float) -> str:
    """Both themes' templates, by theme name, at this font scale (presentation mode: larger)."""
    templates = {
        name: figure_template(replace(theme, font_scale=font_scale))
        for name, theme in THEMES.items()
    }
    return json.dumps(templates, separators=(",", ":"))


def show_figure(
    figure: go.Figure,
    *,
    key: str,
    alt: str,
    place: DeltaGenerator | ModuleType | None = None,
    clickable: bool = False,
) -> Points:
    """Draw `figure` (described by `alt` for screen readers) in `place` (by default where the
    caller is drawing: the page, or the container it is in) in the page's theme. With
    `clickable`, returns the points clicked in the browser in this run (a click reruns the
    page); otherwise, and without a click, [].

    Raises ValueError for a trace type the served plotly.js does not have (the browser would
    draw nothing, silently)."""
    plain = figure.to_dict()  # what pio.to_json serialises; read once for the check too
    _check_trace_types(plain)
    spec = pio.to_json(plain, validate=False)
    templates = _templates_json(current_theme().font_scale)
    data = {
        "figure": spec,
        "templates": templates,
        # What the browser compares to tell a new figure from the one it drew (it keeps this,
        # not the spec: the heatmap's is about 600 kB).
        "digest": hashlib.blake2b(f"{spec}{templates}".encode(), digest_size=16).hexdigest(),
        "alt": alt,
        "select": clickable,
    }
    callbacks = {"on_theme_change": _nothing_to_do}  # figure.js reruns on a theme switch
    if clickable:
        callbacks["on_select_change"] = _nothing_to_do
    if isinstance(place, DeltaGenerator):
        with place:
            result = _FIGURE(key=key, data=data, **callbacks)
    else:  # the main area (None, or the streamlit module itself)
        result = _FIGURE(key=key, data=data, **callbacks)
    points = result.get("select") if clickable else None
    return list(points) if points else []


def _check_trace_types(plain: dict[str, Any]) -> None:
    """`plain` is a figure as a dict (its traces and its animation frames' traces). Reading the
    dict, not the figure's trace objects, costs microseconds rather than a millisecond or two on
    a figure of 200 frames, on every run that draws it."""
    frames = plain.get("frames", [])
    traces = [
        *plain.get("data", []),
        *(trace for frame in frames for trace in frame.get("data", [])),
    ]
    missing = {trace["type"] for trace in traces} - bundled_trace_types()
    if missing:
        raise ValueError(f"the served plotly.js cannot draw {sorted(missing)} traces")


def _nothing_to_do() -> None:
    """A trigger's callback: the run it starts reads the clicked points, or the new theme."""
