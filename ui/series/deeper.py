"""The time-series page's optional sections, each built only when the visitor opens it: which
past values moved one forecast (integrated gradients), a recurrent reader's hidden state over
time, and the distant past removed."""

from __future__ import annotations

import numpy as np
import streamlit as st

from charts.series import attribution_figure, distant_past_figure, hidden_state_figure
from charts.theme import Theme
from models.series.analysis import held_out_windows
from models.series.registry import SERIES_READERS
from ui.cache.series import (
    attributions,
    distant_past,
    distant_steps,
    method_styles,
    one_step,
    states,
)
from ui.common.figures import show_figure
from ui.common.glossary import glossary_help
from ui.common.state import keep, kept_value
from ui.series.choice import POINT_KEPT, SECTION_KEY, SECTION_NAMES, Shown

SECTIONS = dict(
    zip(
        SECTION_NAMES,
        (
            "Which past values moved one forecast",
            "A recurrent reader's memory over time",
            "Remove the distant past",
        ),
        strict=True,
    )
)


def show_deeper(shown: Shown, theme: Theme) -> None:
    st.subheader("Look deeper")
    chosen = st.segmented_control(
        "Open a section (each is computed only when you open it)",
        list(SECTIONS),
        format_func=SECTIONS.get,
        key=SECTION_KEY,
    )
    if chosen == "attribution":
        show_attribution(shown, theme)
    elif chosen == "states":
        show_states(shown, theme)
    elif chosen == "distant":
        show_distant(shown, theme)


def choose_point(shown: Shown) -> int:
    """The held-out value looked at (0-based), kept for the address (1-based there)."""
    size = len(shown.fc.values) - shown.fc.prepared.train_size
    kept_value("series_point", POINT_KEPT, 1, range(1, size + 1), "the held-out point")
    point = st.slider(
        "Held-out value looked at",
        1,
        size,
        key="series_point",
        on_change=keep("series_point", POINT_KEPT),
        help=f"1 is the first of the {size:,} held-out values.",
    )
    target = shown.fc.prepared.train_size + point - 1
    st.caption(f"Value {point}: {shown.labels[target]}, {shown.fc.values[target]:.4g}.")
    return point - 1


def show_attribution(shown: Shown, theme: Theme) -> None:
    point = choose_point(shown)
    fc = shown.fc
    found = attributions(shown.key, fc, point)
    styles = method_styles()
    readers = st.multiselect(
        "Readers drawn",
        list(fc.readers),
        # One reader of each kind, as the registry tells them apart: a convolution, a recurrence.
        default=[
            next(n for n in fc.readers if SERIES_READERS[n].recurrent is kind)
            for kind in (False, True)
        ],
        format_func=lambda n: styles[n].label,
        key="series_attr_readers",
    )
    window = held_out_windows(fc)[point]
    show_figure(
        attribution_figure(window, {n: found[n] for n in readers}, styles, theme),
        key="series_attribution",
        alt="For one held-out forecast, how much each past value moved it, by steps back, "
        "for each chosen reader, under the window it read",
    )
    forecast = one_step(shown.key, fc)
    moved = "; ".join(
        f"{styles[n].label} {found[n].sum():+.4g} (its forecast {forecast.forecasts[n][point]:.4g})"
        for n in fc.readers
    )
    field = fc.readers["cnn"].receptive_field
    beyond = float(np.abs(found["cnn"][field:]).sum())
    st.caption(
        "Integrated gradients: the forecast from a flat past (every value equal to the last one) "
        "is walked to the real past, and each value's share of the change is summed along the "
        f"way. The shares add up to the change: {moved}. The CNN's shares beyond its receptive "
        f"field ({field} steps) add up to {beyond:.2g}: it cannot see them.",
        help=glossary_help("gradient"),
    )


def show_states(shown: Shown, theme: Theme) -> None:
    point = choose_point(shown)
    fc = shown.fc
    recurrent = [n for n in fc.readers if SERIES_READERS[n].recurrent]
    reader = st.radio(
        "Reader",
        recurrent,
        format_func=lambda n: SERIES_READERS[n].title,
        horizontal=True,
        key="series_state_reader",
    )
    found = states(shown.key, fc, reader, point)
    start = fc.prepared.train_size + point - fc.prepared.window
    labels = shown.labels[start : start + fc.prepared.window]
    show_figure(
        hidden_state_figure(found, labels, f"{SERIES_READERS[reader].short}'s hidden state", theme),
        key="series_states",
        alt=f"The {SERIES_READERS[reader].short}'s {found.shape[1]} hidden units after each of "
        f"the {found.shape[0]} steps of the window: red positive, blue negative",
    )
    st.caption(
        "Each column is the reader's whole memory after reading one more value; press Play to "
        "walk along it. The forecast is read from the last column alone.",
        help=glossary_help("hidden state (h)"),
    )


def show_distant(shown: Shown, theme: Theme) -> None:
    fc = shown.fc
    how = st.radio(
        "Remove the past beyond N steps by",
        ("flatten", "shuffle"),
        format_func={
            "flatten": "flattening it (every older value set to the last one)",
            "shuffle": "shuffling it (the same older values, in a random order)",
        }.get,
        horizontal=True,
        key="series_distant_how",
    )
    found = distant_past(shown.key, fc, how)
    steps = distant_steps(fc.prepared.window)
    naive = one_step(shown.key, fc).mae()["naive"]
    styles = method_styles()
    show_figure(
        distant_past_figure(steps, found, naive, styles, theme),
        key="series_distant",
        alt="Held-out error of each reader and the linear AR against how many past steps are kept",
    )
    whole = {m: values[-1] for m, values in found.items()}
    short = {m: values[0] for m, values in found.items()}
    st.caption(
        f"With only the last {steps[0]} step(s) kept instead of all {steps[-1]}: "
        + "; ".join(f"{styles[m].label} {whole[m]:.4g} → {short[m]:.4g}" for m in found)
        + ". A reader whose error does not move never used that past.",
        help=glossary_help("MAE (mean absolute error)"),
    )
