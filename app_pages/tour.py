"""Guided tour: eleven steps through the app's key ideas; at each, guess first, then see."""

import streamlit as st

from ui.common.classroom import class_caption, joined_class
from ui.common.focus import request_focus
from ui.common.pages import TOUR
from ui.common.state import read_address, show_address_notices, write_address
from ui.tour.tour import STEP_NUMBERS, STEPS, show_step, tour_address


def main() -> None:
    TOUR.begin()
    st.markdown(
        "Eleven short steps through what this app shows, on **your** photo and sentence (or "
        "ours, until you choose your own). At each step, make a guess before you look: the "
        "answer is computed by the real models, so a different photo or sentence can change it."
    )
    address = tour_address()
    read_address(TOUR.address_id, address)
    show_address_notices()
    joined_class()
    class_caption()
    st.session_state.setdefault("tour_step", STEP_NUMBERS[0])
    number = int(st.session_state["tour_step"])
    write_address(TOUR.address_id, address)
    show_step(number)

    def go(to: int) -> None:
        st.session_state["tour_step"] = str(to)
        request_focus(f".st-key-tour_guess_{to} input")  # the next question, for a keyboard

    back, _, forward = st.columns([1, 3, 1])
    back.button(
        "← Previous", disabled=number == 1, on_click=go, args=(number - 1,), key="tour_back"
    )
    forward.button(
        "Next →", disabled=number == len(STEPS), on_click=go, args=(number + 1,), key="tour_next"
    )


main()
