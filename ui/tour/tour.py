"""The guided tour: eleven steps through the app's key ideas, each a question before its answer.

Every step reads the visitor's own photo or sentence (or the defaults), asks one question, and
only then reveals the answer, computed from what the real models did (models/lessons.py), with
the numbers behind it and a link to the full view on its page, opened in the same state. Half
of a randomising class sees each answer straight away instead, without being asked (the
class compares the two halves). Before step 1 and after step 11 stand the checks (check.py),
named "before" and "after" in the address.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from models.sequence.trace import EmptyTextError
from ui.cache.cnn import samples
from ui.cache.sequence import example_sentences
from ui.common.classroom import answer_name, asks_first, question_name, record_answer
from ui.common.focus import request_focus
from ui.common.state import (
    Param,
    choice,
    current_sample,
    read_sample,
    read_text,
    shared_photo,
    shared_text,
)
from ui.common.text import escape_markdown
from ui.tour.check import CHECK_STEPS, submitted
from ui.tour.closing_steps import CLOSING
from ui.tour.cnn_steps import EVIDENCE, FIELD, SHRINKING
from ui.tour.compare_steps import CLAIM, NOT_HEARD, ONE_AT_A_TIME, VANISHING
from ui.tour.digits_steps import FIRST_SURE
from ui.tour.lesson import Lesson, Step, show_sentence
from ui.tour.series_steps import SERIES_STEP
from ui.tour.text_steps import TURN

MAX_RADIO_CHOICES = 12  # more (the words of a long sentence) go in a drop-down

STEPS: tuple[Step, ...] = (
    SHRINKING,
    EVIDENCE,
    FIELD,
    TURN,
    NOT_HEARD,
    VANISHING,
    ONE_AT_A_TIME,
    FIRST_SURE,
    SERIES_STEP,
    CLAIM,
    CLOSING,
)
STEP_NUMBERS = tuple(str(number) for number in range(1, len(STEPS) + 1))


def tour_address() -> list[Param]:
    """What the tour's address names: the step, the sentence and the sample photo (an upload
    cannot travel in a link), each left out when it is the default."""
    return [
        choice("step", "the step", "tour_step", (*STEP_NUMBERS, *CHECK_STEPS), STEP_NUMBERS[0]),
        Param("text", "the text", read_text, shared_text, example_sentences()[0]),
        Param("sample", "the sample photo", read_sample, current_sample, samples()[0].path.stem),
    ]


def position(step: str) -> int:
    """Where a step stands: the check before is 0, steps 1 to 11, the check after 12."""
    if step in CHECK_STEPS:
        return 0 if step == CHECK_STEPS[0] else len(STEPS) + 1
    return int(step)


def go(to: int) -> None:
    """To the step at position `to`, its first question focused for a keyboard."""
    if to <= 0 or to > len(STEPS):
        phase = CHECK_STEPS[0] if to <= 0 else CHECK_STEPS[1]
        st.session_state["tour_step"] = phase
        request_focus(f".st-key-check_{phase}_maps input")
        return
    st.session_state["tour_step"] = str(to)
    request_focus(f".st-key-tour_guess_{to} input")


def offer_check() -> None:
    """On the first step, the check before the tour, for whoever has not taken it."""
    if submitted(CHECK_STEPS[0]) is None:
        st.button(
            "Check yourself first: six short questions",
            icon=":material/checklist:",
            on_click=go,
            args=(0,),
            key="tour_check_first",
            help="The same six ideas come back after step 11, on other examples: you see "
            "then how much the tour taught you.",
        )


def signature() -> tuple[str, str]:
    """What a step's answer depends on: a new photo or sentence asks the question again."""
    return shared_photo().source_key, shared_text()


def show_step(number: int) -> None:
    """Step `number` (1-based): its text, its question, and once answered, what the models did."""
    step = STEPS[number - 1]
    st.progress(number / len(STEPS), text=f"Step {number} of {len(STEPS)}")
    st.header(step.title)
    st.markdown(step.text)
    try:
        lesson = step.lesson()
    except EmptyTextError:
        st.info("This step reads your sentence, and it has no words: type one.")
        show_sentence()
        return
    left, right = st.columns([2, 3])
    with left:
        step.before()
    if not asks_first():
        with right:
            show_answer_first(lesson)
    elif not guessed_and_revealed(number, step, lesson, right):
        return
    step.after(lesson)
    page, label, address = step.link()
    st.page_link(page, label=label, query_params=address, icon="➡️")


def guessed_and_revealed(number: int, step: Step, lesson: Lesson, right: DeltaGenerator) -> bool:
    """The step's question in the `right` column, and once the visitor guessed and revealed
    (recorded in a class), whether the guess was right: True once revealed."""
    revealed_key = f"tour_revealed_{number}"
    with right:
        key = f"tour_guess_{number}"
        if len(lesson.choices) <= MAX_RADIO_CHOICES:
            horizontal = len(lesson.choices) > 4  # words or regions: a few lines, not a column
            guess = st.radio(  # a radio's options are markdown, a drop-down's plain text
                lesson.question,
                lesson.choices,
                index=None,
                key=key,
                horizontal=horizontal,
                format_func=escape_markdown,
            )
        else:
            guess = st.selectbox(lesson.question, lesson.choices, index=None, key=key)
        revealed = st.session_state.get(revealed_key) == signature()
        if not revealed:
            if st.button(
                "Reveal the answer",
                type="primary",
                disabled=guess is None,
                key=f"tour_reveal_{number}",
            ):
                st.session_state[revealed_key] = signature()
                request_focus(".st-key-tour_next button")  # a keyboard carries on from Next
                # in a class, the prediction is kept as it stood when the answer was revealed
                position = lesson.choices.index(guess)
                record_answer(
                    question_name(step.title),
                    "tour",
                    answer_name(guess, position),
                    guess == lesson.answer,
                    question_text=lesson.question,
                    choice_text=guess,
                )
                st.rerun()
            st.caption("Make your guess first: the answer comes from the models, not from us.")
            return False
    if guess == lesson.answer:
        st.success(f"✓ Right. {lesson.why}")
    else:
        st.warning(f"Not quite: it is **{escape_markdown(lesson.answer)}**. {lesson.why}")
    return True


def show_answer_first(lesson: Lesson) -> None:
    """The step's answer straight away, nothing asked: what this half of a randomising class
    sees (nothing is recorded for it)."""
    st.caption("What this step shows, answered by the models (nothing to guess here):")
    st.markdown(lesson.question)
    st.info(f"**{escape_markdown(lesson.answer)}**. {lesson.why}")
