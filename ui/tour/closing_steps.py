"""The tour's closing step: why a CNN for images and an RNN for sequences, answered from what
the earlier steps measured on the visitor's photo and sentence (their cached analyses, reused)."""

from __future__ import annotations

import streamlit as st

from models import lessons
from models.cnn.imagenet import class_names
from models.cnn.registry import CNN_MODELS
from models.compare.claims import model_roles
from models.sequence.registry import DEFAULT_SEQUENCE
from models.sequence.trace import EmptyTextError, SequenceTrace
from ui.cache.compare import CORPUS_WORDS, model_styles, negation_table, summaries
from ui.common.pages import COMPARE
from ui.common.text import escape_markdown
from ui.tour.compare_steps import NOT_GAP, gradient_kept, two_memories
from ui.tour.lesson import (
    Lesson,
    Step,
    photo_trace,
    show_photo,
    show_sentence,
    text_link,
    text_trace,
)

CLOSING_QUESTION = "Why is a CNN the usual choice for images, and an RNN for sequences?"


def sentence_trace() -> SequenceTrace:
    trace = text_trace()
    if trace is None:
        raise EmptyTextError()
    return trace


def measures() -> lessons.SessionMeasures:
    """The numbers of steps 1, 3, 5, 6 and 7, for this session's photo and the models."""
    trace, found = photo_trace(), summaries()
    conv = model_roles().conv_reader
    last = trace.stages[-1]
    field = CNN_MODELS[trace.model].receptive_fields()[last.name]
    return lessons.SessionMeasures(
        photo_side=trace.shown.shape[0],
        map_sides=tuple(stage.shape[1] for stage in trace.stages),
        channels=tuple(stage.shape[0] for stage in trace.stages),
        last_field=field.size,
        not_heard={name: effects[NOT_GAP] for name, effects in negation_table().items()},
        conv_reader=conv,
        gradient_kept=gradient_kept(),
        rnn_steps=lessons.steps_in_a_row(found[DEFAULT_SEQUENCE].sequential_steps, CORPUS_WORDS),
        conv_steps=lessons.steps_in_a_row(found[conv].sequential_steps, CORPUS_WORDS),
    )


def images_paragraph(measured: lessons.SessionMeasures) -> str:
    trace = photo_trace()
    first, last = trace.stages[0], trace.stages[-1]
    side, field = measured.photo_side, measured.last_field
    label = escape_markdown(class_names()[trace.top(1)[0][0]])
    layers = summaries()[trace.model].sequential_steps
    return (
        f"**Images.** Your photo went in at {side}×{side} pixels, and the network called it "
        f"*{label}*. Through its {len(trace.stages)} stages the maps shrank from "
        f"{first.shape[1]}×{first.shape[2]} to {last.shape[1]}×{last.shape[2]} while the "
        f"channels grew from {first.shape[0]:,} to {last.shape[0]:,} (step 1): many detectors, "
        f"each for a wider patch. One unit of its last stage, {last.name}, sees {field}×{field} "
        f"pixels, {min(field, side) / side:.0%} of the photo's width (step 3), built from small "
        f"filters shared by every position. Every position of a layer is computed at once: "
        f"{layers} steps in a row for the whole photo. Neighbouring pixels belong together, "
        "and a pattern means the same wherever it is: that is what a CNN is built for."
    )


def sequences_paragraph(measured: lessons.SessionMeasures) -> str:
    styles, words = model_styles(), len(sentence_trace().tokens)
    lstm, conv = DEFAULT_SEQUENCE, measured.conv_reader
    heard = ", ".join(f"{styles[n].label} {v:+.2f}" for n, v in measured.not_heard.items())
    kept = ", ".join(f"{styles[n].label} {v * 100:.2g}%" for n, v in measured.gradient_kept.items())
    window = summaries()[conv].receptive_field
    steps = lessons.steps_in_a_row(summaries()[lstm].sequential_steps, words)
    return (
        f"**Sequences.** Your sentence's {words} words take the {styles[lstm].label} {steps} "
        f"steps in a row, one per word, against {measured.conv_steps} layer steps for the "
        f"{styles[conv].label}, whatever the length (step 7). The order costs time, and buys a "
        f"memory: a *not* {NOT_GAP} words back still moves the verdict by {heard} (step 5; "
        f"the {styles[conv].label} reads a window of {window} words). Over {CORPUS_WORDS} "
        f"words of text, what is left of the gradient at the first word: {kept} (step 6). "
        f"{two_memories()}"
    )


def closing_lesson() -> Lesson:
    measured = measures()
    answer = lessons.why_cnn_and_rnn(measured)
    verdicts = (
        "So: the CNN does not keep the photo's full detail (its last maps are "
        f"{measured.map_sides[-1]} pixels a side), no recurrent reader remembers everything "
        f"(the best keeps {max(measured.gradient_kept.values()) * 100:.2g}% of its gradient), "
        f"and the {model_styles()[DEFAULT_SEQUENCE].label} needs {measured.rnn_steps} steps "
        f"in a row for {CORPUS_WORDS} words, the {model_styles()[measured.conv_reader].label} "
        f"{measured.conv_steps}."
    )
    return Lesson(
        question=CLOSING_QUESTION,
        choices=lessons.CLOSING_CHOICES,
        answer=answer,
        why="\n\n".join((images_paragraph(measured), sequences_paragraph(measured), verdicts)),
    )


def closing_before() -> None:
    show_photo()
    show_sentence()


def closing_view(lesson: Lesson) -> None:
    measured, trace, found = measures(), photo_trace(), summaries()
    words = len(sentence_trace().tokens)
    lstm = DEFAULT_SEQUENCE
    st.dataframe(
        [
            {"measured": "stages of the photo's CNN", "value": len(trace.stages), "step": 1},
            {"measured": "map side, first stage", "value": measured.map_sides[0], "step": 1},
            {"measured": "map side, last stage", "value": measured.map_sides[-1], "step": 1},
            {"measured": "channels, first stage", "value": measured.channels[0], "step": 1},
            {"measured": "channels, last stage", "value": measured.channels[-1], "step": 1},
            {"measured": "pixels a last-stage unit sees", "value": measured.last_field, "step": 3},
            {
                "measured": "words of your sentence, read one after another",
                "value": lessons.steps_in_a_row(found[lstm].sequential_steps, words),
                "step": 7,
            },
            {
                "measured": "layer steps of the photo's CNN, all positions at once",
                "value": found[trace.model].sequential_steps,
                "step": 7,
            },
        ],
        hide_index=True,
        key="tour_closing",
    )


CLOSING = Step(
    "Why CNNs for images, RNNs for sequences",
    "Every step so far measured something on your photo, your sentence or the trained "
    "readers. Put together, they answer the question this app is about.",
    closing_lesson,
    closing_before,
    closing_view,
    text_link(COMPARE.script, "Put them side by side on the comparison page"),
)
