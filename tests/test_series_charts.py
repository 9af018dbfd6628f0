"""The time-series charts: a forecast that runs away leaves the chart, not the real values."""

from __future__ import annotations

import numpy as np

from charts.series import forecasts_figure
from charts.theme import series_styles

STYLES = series_styles({"rnn": "vanilla RNN", "lstm": "LSTM"})


def test_a_runaway_forecast_does_not_flatten_the_real_values() -> None:
    positions = np.arange(100, 110)
    truth = np.linspace(350.0, 352.0, 10)
    past = (np.arange(90, 100), np.linspace(348.0, 350.0, 10))
    forecasts = {"lstm": truth + 0.1, "rnn": np.linspace(350.0, 420.0, 10)}  # drifting off
    figure = forecasts_figure(positions, [str(i) for i in range(110)], truth, forecasts,
                              STYLES, "ppm", past=past)  # fmt: skip
    low, high = figure.layout.yaxis.range
    assert low == 346.0 and high == 354.0  # 348..352, and half the span (2) each side
    assert max(forecasts["rnn"]) > high  # the runaway is drawn, and leaves the chart


def test_with_no_real_values_plotly_chooses_the_range() -> None:
    positions = np.arange(5)
    figure = forecasts_figure(positions, [str(i) for i in range(5)], np.array([]),
                              {"lstm": np.ones(5)}, STYLES, "units")  # fmt: skip
    assert figure.layout.yaxis.range is None
