"""The LSTM page's heatmap alone, drawn by the page's own code: the floor `bench/page_weight.py`
measures the whole page against. Run by that bench as a Streamlit script (ROOT on PYTHONPATH)."""

from pathlib import Path

import streamlit as st

from models.sequence.registry import DEFAULT_SEQUENCE
from serving.process import configure_process
from serving.static_files import ensure_static_files
from ui.cache.sequence import example_sentences, sequence_spec, sequence_trace
from ui.common.theme import current_theme
from ui.text.views import show_watch


def main() -> None:
    configure_process()  # as app.py: no default plotly template, one torch thread
    ensure_static_files(Path(__file__).parent / "static")  # this script's own /app/static/
    text = st.text_input("Your text (press Enter to read it)", value=example_sentences()[0])
    spec = sequence_spec(DEFAULT_SEQUENCE)
    show_watch(sequence_trace(spec.name, text), spec, current_theme())


main()
