"""CNN vs RNN: the articles' claims measured on the app's real models, on this server."""

import streamlit as st

from ui.compare_views import (
    show_claims,
    show_costs,
    show_profile,
    show_reach,
    show_readers,
    show_side_by_side,
)
from ui.sequence_cache import example_sentences
from ui.state import (
    Param,
    read_address,
    read_text,
    shared_text,
    show_address_notices,
    text_box,
    write_address,
)
from ui.theme import current_theme


def main() -> None:
    st.set_page_config(page_title="CNN vs RNN, measured", page_icon="⚖️", layout="wide")
    st.title("CNN vs RNN, measured")
    st.markdown(
        "Articles that compare convolutional and recurrent networks make claims about memory, "
        "speed, parallelism and vanishing gradients. This page checks them on real models: the "
        "two ImageNet CNNs of the first page, and **four sentiment readers trained the same "
        "way** — an LSTM, a GRU, a plain (vanilla) RNN and a causal 1D CNN that sees a fixed "
        "window of words. Every number below is computed by those models on this server."
    )
    address = [Param("text", "the text", read_text, shared_text, example_sentences()[0])]
    read_address("compare", address)
    show_address_notices()
    text = text_box("A sentence for all four readers (press Enter)", key="cmp_text")
    write_address("compare", address)
    theme = current_theme()
    tokens = show_readers(text, theme)
    corpus = show_reach(tokens, theme)
    show_profile()
    show_costs()
    show_claims(corpus)
    show_side_by_side(text, theme)


main()
