"""Digits page: one handwritten digit read by a CNN, all at once, and by three RNNs, row by row."""

import streamlit as st

from ui.common.pages import DIGITS
from ui.common.sections import show_one_section
from ui.common.state import read_address, show_address_notices, write_address
from ui.common.theme import current_theme
from ui.digits.training_views import show_training
from ui.digits.views import (
    DEEPER_KEY,
    NO_SECTION,
    choose_digit,
    digits_address,
    show_experiments,
    show_readings,
    show_recipe,
    show_row_gradients,
    show_rows_until_known,
)


def main() -> None:
    DIGITS.begin()
    st.markdown(
        "The same handwritten digit goes to a small **CNN**, which sees the whole 28×28 grid at "
        "once, and to an **LSTM**, a **GRU** and a plain **RNN**, which read it one row at a "
        "time, top to bottom, like a sentence of 28 words of 28 pixels. All four were trained "
        "the same way on the same 4,000 digits. Draw one, and watch both ways of reading."
    )
    address = digits_address()
    read_address(DIGITS.address_id, address)
    show_address_notices()
    theme = current_theme()
    left, right = st.columns([1, 2])
    with left:
        chosen = choose_digit()
    write_address(DIGITS.address_id, address)
    traces = None
    if chosen is not None:
        prepared, label = chosen
        with right:
            show_recipe(prepared)
        traces = show_readings(prepared, label, theme)
    show_rows_until_known(theme)
    # The readings and the rows until a reader knows are the page; the rest is built when the
    # visitor (or the address) picks it: a new drawing's gradients cost the server four
    # backward passes, and the training section follows the server's queue every two seconds
    # while anything trains.
    digit = chosen[0] if chosen else None
    show_one_section(
        {
            "experiments": ("Move or scramble the digits", show_experiments),
            "gradients": (
                "Each row's pull on the verdict",
                lambda: show_row_gradients(digit, traces),
            ),
            "training": ("Watch them learn", show_training),
        },
        key=DEEPER_KEY,
        none=(NO_SECTION, "Nothing more"),
    )
    write_address(DIGITS.address_id, address)


main()
