"""The time-series page's views of one series and its forecasters: the series with its held-out
part, a question before the held-out table, each reader's one-step forecasts, a forecast fed
back on itself, the CNN's receptive field beside the season, and how far back each reader looks.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.series import forecasts_figure, reach_figure, receptive_field_figure, series_figure
from charts.theme import Theme
from models.series.analysis import held_out_windows
from models.series.forecast import OneStep
from models.series.readers import receptive_field
from models.series.registry import SERIES_READERS
from ui.cache.series import (
    BASELINE_LABELS,
    fed_back,
    max_horizon,
    method_styles,
    one_step,
    reach_by_lag,
)
from ui.common.figures import show_figure
from ui.common.glossary import glossary_help
from ui.common.state import keep, kept_value
from ui.series.choice import HORIZON_KEPT, Shown

REVEALED_KEY = "series_revealed"  # the series keys whose table this visitor has revealed
ALL_FOUR, RECURRENT, CNN_ONLY, SOME, NONE = (
    "All four readers",
    "Only the three recurrent readers (LSTM, GRU, plain RNN)",
    "Only the CNN",
    "Some of them, not all",
    "None: copying the last value is hard to beat",
)
CHOICES = (ALL_FOUR, RECURRENT, CNN_ONLY, SOME, NONE)
UNDILATED = (1, 1, 1, 1, 1)  # the what-if: the same five layers without dilation


def show_series(shown: Shown, theme: Theme) -> None:
    fc = shown.fc
    train = fc.prepared.train_size
    show_figure(
        series_figure(fc.values, shown.labels, train, shown.filled, shown.unit, theme),
        key="series_whole",
        alt=f"The whole series, {len(fc.values):,} values; the last {len(fc.values) - train:,} "
        "(shaded) are held out",
    )
    st.caption(
        f"The first {train:,} values (80%) trained the readers; the last "
        f"{len(fc.values) - train:,} (shaded) are held out: no reader ever saw them. Every "
        f"forecast reads a window of the {fc.prepared.window} values before it. Season: "
        f"{fc.season} steps.",
        help=glossary_help("time series", "held-out", "season"),
    )


def winners(found: OneStep, readers: tuple[str, ...]) -> str:
    """The choice that answers "which readers beat copying the last value?"."""
    ratio = found.relative_to_naive()
    beat = {r for r in readers if ratio[r] < 1}
    if beat == set(readers):
        return ALL_FOUR
    if not beat:
        return NONE
    if beat == {r for r in readers if SERIES_READERS[r].recurrent}:
        return RECURRENT
    return CNN_ONLY if beat == {"cnn"} else SOME


def ask_and_reveal(shown: Shown) -> bool:
    """The question, and once answered and revealed, the held-out table and what it says."""
    st.subheader("Which reader beats “copy the last value”?")
    st.markdown(
        "The simplest forecast of all, the **naive** one, says the next value will be the same "
        "as the last. Each reader forecast every held-out value one step ahead, from the true "
        "values before it.",
        help=glossary_help("naive forecast", "forecast one step ahead"),
    )
    guess = st.radio(
        "Which of the four readers will make smaller errors than the naive forecast on the "
        "held-out part?",
        CHOICES,
        index=None,
        key=f"series_guess_{shown.key}",
    )
    revealed: set = st.session_state.setdefault(REVEALED_KEY, set())
    if shown.key not in revealed:
        if st.button(
            "Reveal the held-out errors",
            type="primary",
            disabled=guess is None,
            key=f"series_reveal_{shown.key}",
        ):
            revealed.add(shown.key)
            st.rerun()
        st.caption("Make your guess first: the answer comes from the readers, not from us.")
        return False
    found = one_step(shown.key, shown.fc)
    answer = winners(found, tuple(shown.fc.readers))
    if guess == answer:
        st.success(f"✓ Right: {answer.lower()}.")
    elif guess is not None:
        st.warning(f"Not quite: {answer.lower()}.")
    show_table(found, tuple(shown.fc.readers))
    for line in lessons(found, tuple(shown.fc.readers)):
        st.markdown(f"- {line}")
    return True


def table_rows(found: OneStep, readers: tuple[str, ...]) -> pd.DataFrame:
    mae, ratio = found.mae(), found.relative_to_naive()
    labels = {n: SERIES_READERS[n].title for n in readers} | {
        n: BASELINE_LABELS[n] for n in found.forecasts if n not in readers
    }
    return pd.DataFrame(
        {
            "forecaster": [labels[n] for n in found.forecasts],
            "kind": ["reader" if n in readers else "baseline" for n in found.forecasts],
            "MAE": [mae[n] for n in found.forecasts],
            "÷ naive MAE": [ratio[n] for n in found.forecasts],
        }
    )


def show_table(found: OneStep, readers: tuple[str, ...]) -> None:
    st.dataframe(
        table_rows(found, readers),
        hide_index=True,
        key="series_table",
        column_config={
            "MAE": st.column_config.NumberColumn(
                format="%.4g", help=glossary_help("MAE (mean absolute error)")
            ),
            "÷ naive MAE": st.column_config.NumberColumn(
                format="%.3f",
                help="Below 1 beats copying the last value; 0.7 means 30% smaller errors.",
            ),
        },
    )
    st.caption(
        f"One-step forecasts of all {len(found.truth):,} held-out values.",
        help=glossary_help(
            "naive forecast", "seasonal naive", "linear autoregression (AR)", "held-out"
        ),
    )


def lessons(found: OneStep, readers: tuple[str, ...]) -> list[str]:
    """Where each reader wins and loses, in plain words, from the measured errors."""
    mae, ratio = found.mae(), found.relative_to_naive()
    short = {n: SERIES_READERS[n].short for n in readers}
    lines = []
    best = min(found.forecasts, key=mae.get)
    best_name = short.get(best) or BASELINE_LABELS[best]
    lines.append(f"The smallest error: the {best_name}, {1 - ratio[best]:.0%} below the naive one.")
    losers = [n for n in readers if ratio[n] >= 1]
    for n in losers:
        lines.append(f"The {short[n]} loses to copying the last value (×{ratio[n]:.2f}).")
    behind_ar = [n for n in readers if mae[n] > mae["linear_ar"] and n not in losers]
    for n in behind_ar:
        lines.append(
            f"The {short[n]} beats the naive forecast but loses to the linear autoregression, "
            f"a plain weighted sum of the last values ({mae[n]:.4g} against "
            f"{mae['linear_ar']:.4g}): a network is not always worth its weights."
        )
    if ratio["seasonal"] > 1:
        lines.append(
            f"Copying the value one season ago is worse than copying the last one "
            f"(×{ratio['seasonal']:.2f}): over a season the series moves more than in one step."
        )
    if not behind_ar and not losers:
        lines.append("Every reader beats the linear autoregression here.")
    return lines


def show_one_step(shown: Shown, theme: Theme) -> None:
    """Each chosen forecaster's one-step forecasts against the truth over the held-out part."""
    found = one_step(shown.key, shown.fc)
    styles = method_styles()
    chosen = st.multiselect(
        "Forecasts drawn",
        list(found.forecasts),
        default=[*shown.fc.readers, "naive"],
        format_func=lambda n: styles[n].label,
        key="series_drawn",
        help=glossary_help("forecast one step ahead"),
    )
    show_figure(
        forecasts_figure(
            found.targets,
            shown.labels,
            found.truth,
            {n: found.forecasts[n] for n in chosen},
            styles,
            shown.unit,
            theme,
        ),
        key="series_one_step",
        alt="The held-out values and each chosen forecaster's one-step forecasts of them",
    )


def show_multi_step(shown: Shown, theme: Theme) -> None:
    """A forecast fed back on itself from the start of the held-out part, over a horizon."""
    fc = shown.fc
    st.subheader("Many steps ahead, each forecast fed back")
    st.markdown(
        "Now each reader gets only the past up to the start of the held-out part, and must "
        "forecast further: its own forecast becomes the last value of its next window, and so "
        "on. Its errors feed on themselves.",
        help=glossary_help("fed back (multi-step)"),
    )
    longest = max_horizon(fc)
    default = min(longest, max(2 * fc.season, 12))
    kept_value("series_horizon", HORIZON_KEPT, default, range(1, longest + 1), "the horizon")
    horizon = st.slider(
        "Horizon (steps ahead)",
        1,
        longest,
        key="series_horizon",
        on_change=keep("series_horizon", HORIZON_KEPT),
        help="Computed once for the longest horizon: moving this only redraws.",
    )
    origin = fc.prepared.train_size
    forecasts = fed_back(shown.key, fc)  # at the longest horizon: sliced, never run again
    methods = [*fc.readers, "naive", "seasonal", "linear_ar"]
    positions = list(range(origin, origin + horizon))
    past_start = max(0, origin - 3 * max(horizon, fc.season))
    show_figure(
        forecasts_figure(
            positions,
            shown.labels,
            fc.values[origin : origin + horizon],
            {m: forecasts[m][:horizon] for m in methods},
            method_styles(),
            shown.unit,
            theme,
            past=(list(range(past_start, origin)), fc.values[past_start:origin]),
        ),
        key="series_multi_step",
        alt=f"Forecasts {horizon} steps ahead, each fed back as past, against the real values",
    )
    truth = fc.values[origin : origin + horizon]
    errors = {m: float(abs(forecasts[m][:horizon] - truth).mean()) for m in methods}
    styles = method_styles()
    best = min(errors, key=errors.get)
    st.caption(
        f"Mean error over these {horizon} steps: "
        + "; ".join(f"{styles[m].label} {errors[m]:.4g}" for m in methods)
        + f". Best here: {styles[best].label}."
    )


def show_receptive_field(shown: Shown, theme: Theme) -> None:
    """The CNN's receptive field on the time axis beside the season, and the what-if without
    dilation."""
    fc = shown.fc
    cnn = fc.readers["cnn"]
    seen = cnn.receptive_field
    plain_field = receptive_field(cnn.config.kernel, UNDILATED[: len(cnn.config.dilations)])
    st.subheader("How far back can the CNN see?")
    st.markdown(
        f"The CNN reads the past through {len(cnn.config.dilations)} causal convolutions of "
        f"kernel {cnn.config.kernel}, with dilations "
        f"{', '.join(map(str, cnn.config.dilations))}: its forecast can read the last "
        f"**{seen} steps** and nothing older. The same layers without dilation would see only "
        f"**{plain_field}**.",
        help=glossary_help("receptive field in time", "dilation", "season"),
    )
    window = held_out_windows(fc)[0]
    show_figure(
        receptive_field_figure(
            window,
            {"CNN with dilation": seen, "without dilation": plain_field},
            fc.season,
            theme,
        ),
        key="series_field",
        alt=f"The {len(window)}-step window before the first held-out value, with the CNN's "
        f"{seen}-step receptive field, the {plain_field} steps an undilated CNN would see, and "
        f"a line one season ({fc.season} steps) back",
    )
    if fc.season > 1:
        sees = "sees" if seen > fc.season else "does not see"
        would = "would" if plain_field > fc.season else "would not"
        st.markdown(
            f"One season is {fc.season} steps: the CNN {sees} the value one season back; "
            f"without dilation it {would}. The recurrent readers have no such limit, only a "
            "memory that fades: see how far back they look below."
        )


def show_reach(shown: Shown, theme: Theme) -> None:
    """How far back each reader looks: its share of |gradient| by lag and its 90% reach."""
    fc = shown.fc
    found = reach_by_lag(shown.key, fc)
    styles = method_styles()
    st.subheader("How far back does each reader look?")
    st.markdown(
        "For every held-out forecast: how much would it change if one past value were nudged "
        "(its **gradient**)? Averaged over all of them, by how many steps back that value is. "
        "The last value itself is left out: every reader starts from it.",
        help=glossary_help("gradient"),
    )
    show_figure(
        reach_figure(found.profiles, found.reaches, styles, theme),
        key="series_reach",
        alt="Each reader's share of the gradient by steps back; the CNN's stops at its "
        "receptive field, a recurrent reader's fades",
    )
    st.caption(
        "90% of the gradient lies within: "
        + "; ".join(f"{styles[n].label} {found.reaches[n]} steps" for n in fc.readers)
        + f" (the CNN cannot read past {fc.readers['cnn'].receptive_field - 1} steps back)."
    )
