"""What every tour step is made of: a question with its computed answer (Lesson), the step
(Step), and what steps share: the visitor's photo and sentence, links to the pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from imaging.encode import jpeg_bytes
from models.cnn.registry import DEFAULT_CNN
from models.cnn.trace import CnnTrace
from models.sequence.registry import DEFAULT_SEQUENCE
from models.sequence.trace import EmptyTextError, SequenceTrace
from ui.cache.cnn import cnn_trace
from ui.cache.sequence import sequence_trace
from ui.common.pages import CNN
from ui.common.state import (
    LINK_NOTE,
    current_sample,
    loaded_photo,
    shared_photo,
    shared_text,
    text_box,
)


@dataclass(frozen=True)
class Lesson:
    """One step's question and its answer, computed from the models."""

    question: str
    choices: tuple[str, ...]  # plain text, as typed: a word of the visitor's sentence stays one
    answer: str  # one of the choices
    why: str  # the numbers behind the answer, in a sentence or two (markdown)


@dataclass(frozen=True)
class Step:
    title: str
    text: str  # a few sentences before the question
    lesson: Callable[[], Lesson]
    before: Callable[[], None]  # what is shown while the question is open
    after: Callable[[Lesson], None]  # the live view that shows the answer
    link: Callable[[], tuple[str, str, dict[str, str]]]  # page, label, address


def photo_trace() -> CnnTrace:
    chosen = shared_photo()
    return cnn_trace(DEFAULT_CNN, chosen.source_key, loaded_photo(chosen).image)


def text_trace() -> SequenceTrace | None:
    try:
        return sequence_trace(DEFAULT_SEQUENCE, shared_text())
    except EmptyTextError:
        return None


def show_photo() -> None:
    trace = photo_trace()
    st.image(
        jpeg_bytes(trace.shown),
        width=300,
        alt=f"Your photo as the network sees it, {trace.shown.shape[0]} pixels square",
    )
    if not shared_photo().travels_in_links:
        st.caption(LINK_NOTE)
    st.page_link(CNN.script, label="Pick or upload another photo", icon=":material/photo_camera:")


def show_sentence() -> None:
    """The visitor's sentence, in a box where another can be typed (the other pages share it)."""
    text_box("Your sentence (press Enter to read it)", key="tour_text")


def cnn_link(**address: str) -> Callable[[], tuple[str, str, dict[str, str]]]:
    def link() -> tuple[str, str, dict[str, str]]:
        stem = current_sample()
        sample = {"sample": stem} if stem else {}
        return CNN.script, "Open this on the CNN page", {"model": DEFAULT_CNN, **sample, **address}

    return link


def text_link(page: str, label: str, **address: str) -> Callable[[], tuple[str, str, dict]]:
    return lambda: (page, label, {"text": shared_text(), **address})
