"""Presentation mode: kept in the address on every page, and every chart's text larger."""

from __future__ import annotations

import plotly.graph_objects as go

from bench.harness.apptest import open_page
from charts.layout import scaled_fonts
from tests.helpers.apptest import chart
from ui.common.pages import COMPARE, LSTM


def label_sizes(spec: dict) -> list[float]:
    """The font sizes a chart's tick labels and legend are drawn at (None: left to the page)."""
    layout = spec["layout"]
    axes = [value for name, value in layout.items() if name[1:5] == "axis"]
    sizes = [axis.get("tickfont", {}).get("size") for axis in axes]
    return [*sizes, layout.get("legend", {}).get("font", {}).get("size")]


def test_presentation_mode_survives_a_page_switch_and_enlarges_chart_text() -> None:
    at = open_page(LSTM, {"present": "on"})
    assert at.toggle(key="present_toggle").value is True
    assert at.query_params["present"] == "on"
    sizes = label_sizes(chart(at, "lstm_watch"))
    assert sizes and all(size is not None and size >= 16 for size in sizes), sizes
    assert chart(at, "lstm_watch")["layout"]["font"]["size"] >= 16
    # Another page, opened from the sidebar (its address starts empty): still presenting.
    at.query_params.clear()
    at.switch_page(COMPARE.script).run()
    assert not at.exception
    assert at.toggle(key="present_toggle").value is True
    assert "present" in at.query_params
    # Switched off: out of the address, and the charts back to the page's own sizes.
    at.toggle(key="present_toggle").set_value(False).run()
    assert "present" not in at.query_params
    at.switch_page(LSTM.script).run()
    assert all((size or 12) < 16 for size in label_sizes(chart(at, "lstm_watch")))


def test_fixed_margins_grow_with_the_text_they_hold() -> None:
    figure = go.Figure(layout={"margin": {"l": 60, "r": 10, "t": 40, "b": 120}})
    scaled = scaled_fonts(figure, 1.5).layout.margin
    assert (scaled.l, scaled.r, scaled.t, scaled.b) == (90, 15, 60, 180)
    assert scaled_fonts(figure, 1.0).layout.margin.l == 60
