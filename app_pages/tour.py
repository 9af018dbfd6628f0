"""Guided tour: eleven steps through the app's key ideas; at each, guess first, then see. In a
class it opens with a short check, and a check after the last step shows what was learned."""

import streamlit as st

from ui.common.classroom import answered_before, asks_first, class_caption, joined_class
from ui.common.pages import TOUR
from ui.common.state import read_address, show_address_notices, write_address
from ui.tour.check import CHECK_STEPS, show_check, submitted
from ui.tour.tour import (
    STEP_NUMBERS,
    STEPS,
    go,
    offer_check,
    position,
    show_step,
    tour_address,
)


def main() -> None:
    TOUR.begin()
    intro = st.empty()  # its words depend on the class joined below
    address = tour_address()
    read_address(TOUR.address_id, address)
    show_address_notices()
    joined = joined_class()
    how = (
        "At each step, make a guess before you look: the answer is computed by the real "
        "models, so a different photo or sentence can change it."
        if asks_first()
        else "At each step, the real models answer straight away: a different photo or "
        "sentence can change what they show."
    )
    intro.markdown(
        "Eleven short steps through what this app shows, on **your** photo and sentence (or "
        f"ours, until you choose your own). {how}"
    )
    class_caption()
    first_visit = submitted("before") is None and not answered_before("before")
    opening = CHECK_STEPS[0] if joined and first_visit else STEP_NUMBERS[0]
    st.session_state.setdefault("tour_step", opening)
    step = st.session_state["tour_step"]
    write_address(TOUR.address_id, address)
    number = position(step)
    if step in CHECK_STEPS:
        show_check(step, go, len(STEPS))
    else:
        if number == 1:
            offer_check()
        show_step(number)

    # the check before is step 0, the check after step len(STEPS) + 1
    if step == CHECK_STEPS[0] and joined is not None and first_visit:
        return  # in a class the check comes first: its Submit is the only way on
    back, _, forward = st.columns([1, 3, 1])
    back.button(
        "← Previous", disabled=number <= 1, on_click=go, args=(number - 1,), key="tour_back"
    )
    forward.button(
        "Next →",
        disabled=number > len(STEPS),
        on_click=go,
        args=(number + 1,),
        key="tour_next",
    )


main()
