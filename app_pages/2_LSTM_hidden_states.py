"""LSTM page: type a sentence and watch a trained LSTM's memory change token by token."""

import streamlit as st

from ui.cache.sequence import example_sentences
from ui.common.pages import LSTM
from ui.common.state import (
    read_address,
    set_shared_text,
    show_address_notices,
    text_box,
    write_address,
)
from ui.text.page import choose_model, lstm_address, show_text

LSTM_PRIMER = (
    "Each unit of a layer (the sidebar says how many this model has) holds two numbers "
    "that travel from token to token:\n"
    "- **c, the cell memory**: the long-term store. At every token part of it is wiped "
    "and part of it is rewritten; what is left is handed on as it is.\n"
    "- **h, the hidden state**: what the unit shows to the outside, a squashed view of c. "
    "The output layer (sentiment, or next character) only ever sees h.\n\n"
    "Three gates, each a number from 0 (closed) to 1 (open) per unit, are recomputed at "
    "every token from the token itself and the previous h:\n"
    "- **f, forget**: how much of the old memory each unit keeps (1 keeps all of it);\n"
    "- **i, input**: how much of the new proposal **g** (between −1 and +1) gets written;\n"
    "- **o, output**: how much of the memory is let out into h.\n\n"
    "In symbols: c_t = f_t·c_(t−1) + i_t·g_t and h_t = o_t·tanh(c_t). The memory is "
    "*added to*, not re-multiplied by a weight matrix at every step, which is why an LSTM "
    "can hold on to something (a *not*, a *but*) for many tokens.\n\n"
    "**Why the order matters.** h_t cannot be computed before h_(t−1) exists, so the "
    "tokens are processed strictly one after another. A convolutional network has no such "
    "chain: it filters every part of a photo at the same time."
)


def choose_text() -> str:
    """The text box and the examples beside it; the text to read (shared with other pages)."""

    def use_example() -> None:
        if choice := st.session_state.get("lstm_example"):
            set_shared_text(choice)

    left, right = st.columns([3, 2])
    with left:
        text = text_box("Your text (press Enter to read it)", key="lstm_text")
    right.selectbox(
        "…or pick an example",
        example_sentences(),
        index=None,
        placeholder="negation, contrast, a long one, headlines…",
        key="lstm_example",
        on_change=use_example,
    )
    return text


def main() -> None:
    LSTM.begin()
    st.markdown(
        "A recurrent network reads text the way you do: **one token after another**. After "
        "each token it updates a list of numbers, its hidden state, and that list is the only "
        "thing it takes along to the next token. Type a sentence, press Enter, then turn on "
        "**▶ Play it token by token** to watch a trained LSTM's memory change as it reads."
    )
    address = lstm_address()
    read_address(LSTM.address_id, address)
    show_address_notices()
    spec = choose_model()
    text = choose_text()
    try:
        show_text(spec, text, LSTM_PRIMER)
    finally:  # once, also when show_text stops the run (an empty text): each write costs the
        write_address(LSTM.address_id, address)  # browser a history update


main()
