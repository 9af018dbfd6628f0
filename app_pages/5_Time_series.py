"""Time-series page: four readers (a dilated CNN, an LSTM, a GRU, a plain RNN) forecast the next
value of a real series, against honest baselines; or of a visitor's own series, trained live."""

import streamlit as st

from ui.common.pages import SERIES
from ui.common.state import read_address, show_address_notices, write_address
from ui.common.theme import current_theme
from ui.series.choice import OWN, choose_series, series_address, shipped_shown, source_note
from ui.series.deeper import show_deeper
from ui.series.own import read_own, show_read, train_own
from ui.series.views import (
    ask_and_reveal,
    show_multi_step,
    show_one_step,
    show_reach,
    show_receptive_field,
    show_series,
)


def main() -> None:
    SERIES.begin()
    st.markdown(
        "**The key idea.** To forecast the next value of a series, a network reads the values "
        "before it. A **CNN** reads a fixed stretch of the past all at once, through filters "
        "that skip further back layer by layer; an **LSTM**, a **GRU** and a plain **RNN** read "
        "it one value at a time and carry a memory forward. All four were trained the same way "
        "on the first 80% of each series and are scored on the last 20%, against forecasts "
        "that need no network at all, starting with *copy the last value*."
    )
    address = series_address()
    read_address(SERIES.address_id, address)
    show_address_notices()
    theme = current_theme()
    name = choose_series()
    write_address(SERIES.address_id, address)
    if name == OWN:
        found = read_own()
        if found is None:
            return
        season = show_read(found)
        shown = train_own(found, season)
        if shown is None:
            write_address(SERIES.address_id, address)
            return
    else:
        st.caption(source_note(name))
        shown = shipped_shown(name)
    show_series(shown, theme)
    if ask_and_reveal(shown):
        show_one_step(shown, theme)
    show_multi_step(shown, theme)
    show_receptive_field(shown, theme)
    show_reach(shown, theme)
    show_deeper(shown, theme)
    write_address(SERIES.address_id, address)


main()
