"""The tour's time-series step: can a CNN read a time series? Answered by the shipped readers on
the weekly co2 series: the CNN's receptive field against a year, and its held-out error beside
the LSTM's."""

from __future__ import annotations

import streamlit as st

from charts.series import receptive_field_figure
from models.lessons import SEASON_CHOICES, season_in_reach
from models.series.analysis import held_out_windows
from models.series.readers import receptive_field
from ui.cache.series import one_step, shipped
from ui.common.figures import show_figure
from ui.common.glossary import glossary_help
from ui.common.pages import SERIES
from ui.common.theme import current_theme
from ui.tour.lesson import Lesson, Step

SERIES_NAME = "co2"


# 9 · Can a CNN read a time series?
def series_lesson() -> Lesson:
    fc = shipped(SERIES_NAME)
    cnn = fc.readers["cnn"]
    field = cnn.receptive_field
    undilated = receptive_field(cnn.config.kernel, (1,) * len(cnn.config.dilations))
    mae = one_step(SERIES_NAME, fc).mae()
    sum_of = "+".join(map(str, cnn.config.dilations))
    return Lesson(
        question=f"A CNN forecasts next week's CO₂ from the past {fc.prepared.window} weeks, "
        f"through {len(cnn.config.dilations)} causal convolutions of kernel "
        f"{cnn.config.kernel} whose dilations double ({', '.join(map(str, cnn.config.dilations))})."
        f" Can its forecast see the value from a year ({fc.season} weeks) before?",
        choices=SEASON_CHOICES,
        answer=season_in_reach(field, fc.season, fc.prepared.window),
        why=f"Its receptive field is 1 + ({cnn.config.kernel} − 1) × ({sum_of}) = **{field} "
        f"weeks**, {'at least' if field >= fc.season else 'less than'} the {fc.season}-week "
        f"year. The same five layers without dilation would see only {undilated} weeks: not "
        f"even a season. On the held-out weeks its one-step error is {mae['cnn']:.3f} ppm, "
        f"the LSTM's {mae['lstm']:.3f}, copying the last value {mae['naive']:.3f}: a CNN can "
        "read a time series, if it is built to look far enough back.",
    )


def series_view(lesson: Lesson) -> None:
    fc = shipped(SERIES_NAME)
    cnn = fc.readers["cnn"]
    undilated = receptive_field(cnn.config.kernel, (1,) * len(cnn.config.dilations))
    window = held_out_windows(fc)[0]
    show_figure(
        receptive_field_figure(
            window,
            {"CNN with dilation": cnn.receptive_field, "without dilation": undilated},
            fc.season,
            current_theme(),
        ),
        key="tour_series_field",
        alt=f"The {len(window)} weeks before a forecast, with the {cnn.receptive_field} weeks "
        f"the CNN reads, the {undilated} an undilated one would, and a line a year back",
    )
    st.caption(
        "Weekly CO₂ at Mauna Loa: the past window of the first held-out week.",
        help=glossary_help("receptive field in time", "dilation"),
    )


SERIES_STEP = Step(
    "Can a CNN read a time series?",
    "Recurrent networks are the textbook choice for a series: they read it one value at a "
    "time and carry a memory. A CNN reads a fixed stretch of the past at once. Weekly CO₂ "
    "rises every year with a yearly wave on top; to forecast it well, a year back matters.",
    series_lesson,
    lambda: None,
    series_view,
    lambda: (SERIES.script, "Open co2 on the time-series page", {"series": SERIES_NAME}),
)
