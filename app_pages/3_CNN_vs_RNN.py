"""CNN vs RNN: the articles' claims measured on the app's real models, on this server."""

import streamlit as st

from ui.cache.sequence import example_sentences
from ui.common.pages import COMPARE
from ui.common.state import (
    Param,
    read_address,
    read_text,
    shared_text,
    show_address_notices,
    switch,
    text_box,
    write_address,
)
from ui.common.theme import current_theme
from ui.compare.views import (
    BESIDE_KEY,
    show_claims,
    show_costs,
    show_profile,
    show_reach,
    show_readers,
    show_side_by_side,
)

COMPARE_PRIMER = (
    "- **Memory.** A recurrent reader keeps a **hidden state** and updates it at every word; "
    "in principle every earlier word can still matter. A convolutional reader sees a fixed "
    "window of words and nothing before it.\n"
    "- **Gradient.** How much the final verdict would move if one word's input were nudged. "
    "Training follows gradients, so a word whose gradient has faded to almost nothing can "
    "hardly be learned from: the **vanishing gradient** of plain RNNs, which gates (LSTM, "
    "GRU) are meant to cure.\n"
    "- **Parallel vs sequential.** A convolution computes every position at once; a recurrent "
    "reader needs its state after word t before it can read word t + 1. Section 3 times both "
    "as the input grows; the **growth exponent** is how fast time grows with size (1: twice "
    "the size, twice the time).\n"
    "- **Cost.** **Multiply-adds** count the arithmetic per image or per word; activations, "
    "the memory a pass leaves behind."
)


def main() -> None:
    COMPARE.begin()
    st.markdown(
        "Articles that compare convolutional and recurrent networks make claims about memory, "
        "speed, parallelism and vanishing gradients. This page checks them on real models: the "
        "two ImageNet CNNs of the first page, and **four sentiment readers trained the same "
        "way** — an LSTM, a GRU, a plain (vanilla) RNN and a causal 1D CNN that sees a fixed "
        "window of words. Every number below is computed by those models on this server."
    )
    with st.expander("What is compared here, in plain words"):
        st.markdown(COMPARE_PRIMER)
    address = [
        Param("text", "the text", read_text, shared_text, example_sentences()[0]),
        switch("beside", "the photo beside the sentence", BESIDE_KEY),
    ]
    read_address(COMPARE.address_id, address)
    show_address_notices()
    text = text_box("A sentence for all four readers (press Enter)", key="cmp_text")
    write_address(COMPARE.address_id, address)
    theme = current_theme()
    tokens = show_readers(text, theme)
    corpus = show_reach(tokens, theme)
    show_profile()
    show_costs()
    show_claims(corpus)
    show_side_by_side(text, theme)


main()
