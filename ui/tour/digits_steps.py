"""The tour's digits step: which row reader is sure of a held-out digit first."""

from __future__ import annotations

import numpy as np
import streamlit as st

from charts.digits import rows_accuracy_figure
from imaging.grey import grey_png
from models.digits.data import digit_set
from models.digits.registry import DIGIT_READERS, GRID_READER
from ui.cache.digits import digit_key, digit_styles, digit_traces, rows_accuracy
from ui.common.figures import show_figure
from ui.common.glossary import explain
from ui.common.pages import DIGITS
from ui.tour.lesson import Lesson, Step

TOUR_DIGIT = 2  # the held-out digit the digits step starts with (a 0)


# 8 · One picture, two readers: which row reader is sure first.
def heldout_number() -> int:
    return int(st.session_state.get("tour_digit", TOUR_DIGIT))


def digit_of_the_step() -> tuple[np.ndarray, int]:
    data = digit_set()
    index = int(data.test[heldout_number() - 1])
    return data.images[index] / 255.0, int(data.labels[index])


def first_sure_lesson() -> Lesson:
    digit, label = digit_of_the_step()
    traces = digit_traces(digit_key(digit), digit)
    styles = digit_styles()
    sure = {n: traces[n].first_sure_row() for n, s in DIGIT_READERS.items() if s.recurrent}
    earliest = min(sure.values())
    first = [n for n, row in sure.items() if row == earliest]
    tie = "they are sure at the same row"
    return Lesson(
        question=f"This handwritten {label} is read one row at a time, top to bottom, by an "
        "LSTM, a GRU and a plain RNN. Which of them is sure of its answer first?",
        choices=(*(styles[n].label for n in sure), tie),
        answer=styles[first[0]].label if len(first) == 1 else tie,
        why="From these rows on, each one's guess no longer changes: "
        + ", ".join(
            f"{styles[n].label} row {row} (says {traces[n].digit})" for n, row in sure.items()
        )
        + f". The CNN sees all 28 rows at once and says {traces[GRID_READER].digit}.",
    )


def show_tour_digit() -> None:
    digit, _ = digit_of_the_step()
    st.number_input(
        "Another held-out digit (1–1,000)",
        1,
        1000,
        TOUR_DIGIT,
        key="tour_digit",
        help=explain("held-out"),
    )
    st.image(
        grey_png(digit, 140),
        width=140,
        alt="The handwritten digit of this step, white on black",
    )


def first_sure_view(lesson: Lesson) -> None:
    show_figure(
        rows_accuracy_figure(rows_accuracy(), digit_styles()),
        key="tour_rows",
        alt="Over 1,000 held-out digits: each reader's accuracy against the rows read so far",
    )
    st.caption("Over 1,000 held-out digits, each reader's accuracy as the rows come in.")


FIRST_SURE = Step(
    "One picture, two readers",
    "A small CNN sees the whole 28×28 digit at once. Three recurrent networks read the same "
    "digit like a sentence: one row of 28 pixels per step, carrying a state down the rows, "
    "with a guess after every row.",
    first_sure_lesson,
    show_tour_digit,
    first_sure_view,
    lambda: (DIGITS.script, "Draw your own on the digits page", {}),
)
