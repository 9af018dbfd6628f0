"""The LSTM page's parts: its model chooser, its address, and everything about one text.

The chooser offers the app's own sequence models, then the operator's recurrent models (their
titles from their configs, shown as plain text); every view asks the chosen model's spec what
differs between them (models/sequence/registry.py, models/custom/sequence_spec.py).
"""

from __future__ import annotations

import streamlit as st

from models.sequence.registry import DEFAULT_SEQUENCE, SEQUENCE_MODELS, SequenceSpec
from models.sequence.trace import EmptyTextError
from ui.cache.sequence import (
    example_sentences,
    sequence_model,
    sequence_spec,
    sequence_specs,
    sequence_trace,
)
from ui.common.model_choice import model_radio
from ui.common.sections import open_expander, show_one_section
from ui.common.state import Param, choice, read_text, shared_text
from ui.common.text import escape_markdown
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
NO_SECTION = "none"  # Look deeper starts with none: each section is drawn only when chosen


def choose_model() -> SequenceSpec:
    """The model radio in the sidebar, what the chosen model is and how much it reads."""
    chosen = model_radio("lstm_model", sequence_specs(), DEFAULT_SEQUENCE, SEQUENCE_MODELS)
    spec = sequence_spec(chosen)
    st.sidebar.markdown(spec.describe(sequence_model(spec.name)))
    st.sidebar.caption(f"Reads at most {spec.max_tokens} {spec.tokens.noun}s of your text.")
    return spec


def lstm_address() -> list[Param]:
    """What the LSTM page's address names: model, text, the heatmap's state and layer, the
    token looked at, and the section."""

    return [
        choice("model", "the model", "lstm_model", list(sequence_specs()), DEFAULT_SEQUENCE),
        Param("text", "the text", read_text, shared_text, example_sentences()[0]),
        *watch_address(lambda: st.session_state.get("lstm_model", DEFAULT_SEQUENCE)),
        choice("section", "the section", "lstm_deeper", (NO_SECTION, *SECTIONS), NO_SECTION),
    ]


def show_text(spec: SequenceSpec, text: str, primer: str) -> None:
    """Everything about one text, `primer` under the heatmap, kept in local names.

    A page's module-level names live as long as its functions, which refer back to them: a
    cycle that only a full garbage collection frees, and this server runs those rarely.
    """
    if spec.problem is not None:  # an operator's model whose states cannot be shown
        st.info(escape_markdown(spec.problem), icon=":material/block:")
        return
    try:
        trace = sequence_trace(spec.name, text)
    except EmptyTextError as error:
        st.info(str(error))
        st.stop()

    theme = current_theme()
    layer = show_watch(trace, spec, theme)
    with st.expander("How an LSTM decides what to remember"):
        st.markdown(primer)
    show_verdict(trace, spec)
    show_tokens(trace, spec)
    show_step(trace, spec, layer, theme)
    if spec.guesses_next_char:
        table = open_expander("Every next-character guess as a table", key="lstm_guess_open")
        if table is not None:
            table.dataframe(next_char_rows(trace), hide_index=True, key="lstm_guess_table")

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
    applies = {name: section for name, section in deeper.items() if name in spec.sections}
    show_one_section(
        applies, key="lstm_deeper", note=spec.sections_note, none=(NO_SECTION, "Nothing more")
    )
    show_downloads(trace, spec)
