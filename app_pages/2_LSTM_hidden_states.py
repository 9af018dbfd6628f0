"""LSTM page: type a sentence and watch a trained LSTM's memory change token by token."""

import streamlit as st

from models.sequence.registry import DEFAULT_SEQUENCE, SEQUENCE_MODELS, SequenceSpec, spec_of
from models.sequence.trace import EmptyTextError
from ui.cache.sequence import example_sentences, sequence_model, sequence_trace
from ui.common.sections import show_one_section
from ui.common.state import (
    Param,
    choice,
    read_address,
    read_text,
    set_shared_text,
    shared_text,
    show_address_notices,
    text_box,
    write_address,
)
from ui.common.theme import current_theme
from ui.text.look_deeper import show_attribution, show_downloads, show_pair, show_path, show_units
from ui.text.views import (
    next_char_rows,
    show_step,
    show_tokens,
    show_verdict,
    show_watch,
    watch_address,
)

SECTIONS = ("words", "units", "path", "pair")  # the "Look deeper" sections, in order
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


def lstm_address() -> list[Param]:
    """What the LSTM page's address names: model, text, the heatmap's state and layer, the
    token looked at, and the section."""

    return [
        choice("model", "the model", "lstm_model", list(SEQUENCE_MODELS), DEFAULT_SEQUENCE),
        Param("text", "the text", read_text, shared_text, example_sentences()[0]),
        *watch_address(lambda: st.session_state.get("lstm_model", DEFAULT_SEQUENCE)),
        choice("section", "the section", "lstm_deeper", SECTIONS, SECTIONS[0]),
    ]


def show_text(spec: SequenceSpec, text: str) -> None:
    """Everything about one text, kept in local names.

    A page's module-level names live as long as its functions, which refer back to them: a
    cycle that only a full garbage collection frees, and this server runs those rarely.
    """
    try:
        trace = sequence_trace(spec.name, text)
    except EmptyTextError as error:
        st.info(str(error))
        st.stop()

    theme = current_theme()
    layer = show_watch(trace, spec, theme)
    with st.expander("How an LSTM decides what to remember"):
        st.markdown(LSTM_PRIMER)
    show_verdict(trace)
    show_tokens(trace, spec)
    show_step(trace, spec, layer, theme)
    if trace.next_chars is not None:
        with st.expander("Every next-character guess as a table"):
            st.dataframe(next_char_rows(trace), hide_index=True, key="lstm_guess_table")

    # One section at a time: every section draws figures, and a new text redraws what is shown.
    deeper = dict(
        zip(
            SECTIONS,
            (
                ("Which words mattered", lambda: show_attribution(trace, spec)),
                ("Units that mean something", lambda: show_units(trace, spec)),
                ("The path through state space", lambda: show_path(trace, spec)),
                ("Two texts side by side", lambda: show_pair(trace, spec)),
            ),
            strict=True,
        )
    )
    if not spec.attribution:  # no single score to attribute or to compare
        del deeper["words"], deeper["pair"]
    show_one_section(deeper, key="lstm_deeper")
    show_downloads(trace)


def main() -> None:
    st.set_page_config(page_title="LSTM hidden states", page_icon="🔁", layout="wide")
    st.title("LSTM hidden states")
    st.markdown(
        "A recurrent network reads text the way you do: **one token after another**. After "
        "each token it updates a list of numbers, its hidden state, and that list is the only "
        "thing it takes along to the next token. Type a sentence, press Enter, then press "
        "**▶ Play** to watch a trained LSTM's memory change as it reads."
    )
    address = lstm_address()
    read_address("LSTM_hidden_states", address)
    show_address_notices()
    st.session_state.setdefault("lstm_model", DEFAULT_SEQUENCE)
    model_name = st.sidebar.radio(
        "Model",
        list(SEQUENCE_MODELS),
        format_func=lambda name: SEQUENCE_MODELS[name].title,
        key="lstm_model",
        persist_state="session",
    )
    spec = spec_of(model_name)
    st.sidebar.markdown(spec.describe(sequence_model(model_name)))
    st.sidebar.caption(f"Reads at most {spec.max_tokens} {spec.tokens.noun}s of your text.")
    text = choose_text()
    write_address("LSTM_hidden_states", address)
    show_text(spec, text)
    write_address("LSTM_hidden_states", address)


main()
