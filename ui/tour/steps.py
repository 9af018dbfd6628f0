"""The guided tour: nine steps through the app's key ideas, each a question before its answer.

Every step reads the visitor's own photo or sentence (or the defaults), asks one question, and
only then reveals the answer, computed from what the real models did (models/lessons.py), with
the numbers behind it and a link to the full view on its page, opened in the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from charts.cnn import shape_ladder_figure
from charts.compare import gradient_figure, negation_gap_figure, running_scores_figure
from charts.digits import rows_accuracy_figure
from charts.explain import PICTURE_SIDE, draw_box, mark_point
from imaging.encode import jpeg_bytes, png_bytes
from imaging.maps import overlay_image, upscale_nearest
from models import lessons
from models.cnn.explain import class_activation_map_of
from models.cnn.imagenet import class_names
from models.cnn.registry import CNN_MODELS, DEFAULT_CNN
from models.cnn.trace import CnnTrace
from models.compare.claims import Evidence, check_claim, model_roles
from models.compare.negation_gap import PAIRS_PER_GAP
from models.digits.data import digit_set
from models.digits.registry import DIGIT_READERS, GRID_READER
from models.sequence.registry import DEFAULT_SEQUENCE, SENTIMENT_READERS
from models.sequence.trace import EmptyTextError, SequenceTrace
from ui.cache.cnn import cnn_model, cnn_trace, samples
from ui.cache.compare import (
    CORPUS_WORDS,
    corpus_gradients,
    model_styles,
    negation_table,
    reader_accuracy,
    summaries,
)
from ui.cache.digits import digit_key, digit_styles, digit_traces, rows_accuracy
from ui.cache.sequence import example_sentences, sequence_trace
from ui.common.glossary import explain
from ui.common.pages import CNN, COMPARE, DIGITS, LSTM
from ui.common.pictures import show_stage_pictures
from ui.common.state import (
    LINK_NOTE,
    Param,
    choice,
    current_sample,
    loaded_photo,
    read_sample,
    read_text,
    shared_photo,
    shared_text,
    text_box,
)
from ui.common.text import escape_markdown
from ui.common.theme import current_theme

TOUR_DIGIT = 2  # the held-out digit the digits step starts with (a 0)
NOT_GAP = 6  # words between a "not" and its word in step 5's question
LONG_TEXT = 1000  # words of the text in step 7's question
MAX_RADIO_CHOICES = 12  # more (the words of a long sentence) go in a drop-down
UNIT_STAGE = 4  # step 3 asks about one unit of this stage (in order), as the CNN page does


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


# 1 · Maps shrink while channels grow.
def shrinking_lesson() -> Lesson:
    trace = photo_trace()
    first, last = trace.stages[0], trace.stages[-1]
    side = trace.shown.shape[0]
    return Lesson(
        question=f"The photo goes in at {side}×{side} pixels. After the network's last stage, "
        "how large is each feature map compared with the photo?",
        choices=lessons.SIZE_WORDS,
        answer=lessons.size_word(last.shape[1], side),
        why=f"The first stage, **{first.name}**, makes {first.shape[0]} maps of "
        f"{first.shape[1]}×{first.shape[2]}; the last, **{last.name}**, makes {last.shape[0]} "
        f"maps of only {last.shape[1]}×{last.shape[2]}. Each stride-2 step halves the side, "
        "while the number of channels (different detectors) grows.",
    )


def shrinking_view(lesson: Lesson) -> None:
    trace = photo_trace()
    show_stage_pictures(trace, "mean", "tour_stages", 110)
    names, shapes = [s.name for s in trace.stages], [s.shape for s in trace.stages]
    st.plotly_chart(
        shape_ladder_figure(names, shapes, current_theme()),
        width="stretch",
        key="tour_ladder",
        alt="Channels per stage as bars and map side as a line: the bars rise while the line "
        f"falls from {shapes[0][1]} to {shapes[-1][1]} pixels",
    )


# 2 · Where the CNN looked.
def evidence_lesson() -> Lesson:
    trace = photo_trace()
    best = trace.top(1)[0][0]
    label = class_names()[best]
    evidence = class_activation_map_of(trace, cnn_model(trace.model), best)
    x, y = evidence.peak_input()
    return Lesson(
        question=f"The network's top guess is **{label}**. In which part of the photo did it "
        "find the most evidence for it?",
        choices=lessons.REGIONS,
        answer=lessons.region_of(x, y, trace.shown.shape[0]),
        why=f"Its class activation map for *{label}* peaks at ({x:.0f}, {y:.0f}) of the "
        f"{trace.shown.shape[0]}-pixel input. The map's average is exactly the class's score "
        f"(logit {evidence.logit:.2f}), so it shows where that score came from.",
    )


def evidence_view(lesson: Lesson) -> None:
    trace = photo_trace()
    best = trace.top(1)[0][0]
    evidence = class_activation_map_of(trace, cnn_model(trace.model), best)
    blended = overlay_image(trace.shown, evidence.on_input(trace.shown.shape[0]), 0.6)
    st.image(
        jpeg_bytes(mark_point(blended, evidence.peak_input())),
        width=PICTURE_SIDE,
        alt=f"The photo with the class activation map for {class_names()[best]} over it; a "
        f"white cross marks the strongest evidence, in the {lesson.answer} of the photo",
    )


# 3 · How much of the photo one unit sees.
def field_lesson() -> Lesson:
    trace = photo_trace()
    stage = trace.stages[UNIT_STAGE]
    field = CNN_MODELS[trace.model].receptive_fields()[stage.name]
    side = trace.shown.shape[0]
    return Lesson(
        question=f"Stage **{stage.name}** has maps of {field.map_size}×{field.map_size} units "
        f"over a {side}-pixel photo. How much of the photo's width can one of its units see?",
        choices=lessons.FIELD_CHOICES,
        answer=lessons.field_share(field.size, field.map_size, side),
        why=f"One unit of {stage.name} sees {field.size}×{field.size} pixels: its receptive "
        f"field, worked out from the kernels and strides before it. Its map has "
        f"{field.map_size} units a side, one every {field.jump} pixels, so neighbouring units "
        "see overlapping windows.",
    )


def field_view(lesson: Lesson) -> None:
    trace = photo_trace()
    stage = trace.stages[UNIT_STAGE]
    field = CNN_MODELS[trace.model].receptive_fields()[stage.name]
    middle = field.map_size // 2
    box = field.box(middle, middle, trace.shown.shape[0])
    st.image(
        jpeg_bytes(draw_box(trace.shown, box)),
        width=PICTURE_SIDE,
        alt=f"The photo with a red box of {field.size} pixels a side: what the middle unit of "
        f"{stage.name} can see",
    )


# 4 · The LSTM turns at a word.
def turn_lesson() -> Lesson:
    trace = text_trace()
    if trace is None:
        raise EmptyTextError()
    turn = lessons.biggest_turn(trace.sentiment)
    numbered = tuple(f"{t + 1}: {token}" for t, token in enumerate(trace.tokens))
    before = 0.0 if turn == 0 else float(trace.sentiment[turn - 1])
    return Lesson(
        question="The LSTM reads your sentence one word at a time and keeps a running "
        "sentiment score. After which word does that score change the most?",
        choices=numbered,
        answer=numbered[turn],
        why=f"After *{escape_markdown(trace.tokens[turn])}* the score moves from {before:+.2f} "
        f"to {float(trace.sentiment[turn]):+.2f}. Words such as *not* and *but* often turn it: "
        "the LSTM has learned what they do to the words around them.",
    )


def turn_view(lesson: Lesson) -> None:
    trace = text_trace()
    if trace is None:
        return
    scores = {DEFAULT_SEQUENCE: trace.sentiment}
    st.plotly_chart(
        running_scores_figure(trace.tokens, scores, model_styles(), current_theme()),
        width="stretch",
        key="tour_turn",
        alt=f"The LSTM's running sentiment over your sentence; the biggest change comes after "
        f"word {lesson.answer}",
    )


# 5 · How long a "not" is heard.
def not_lesson() -> Lesson:
    effects = negation_table()
    styles = model_styles()
    loudest = lessons.loudest_at(effects, NOT_GAP)
    conv = model_roles().conv_reader
    at_gap = ", ".join(f"{styles[n].label} {effects[n][NOT_GAP]:+.2f}" for n in SENTIMENT_READERS)
    return Lesson(
        question=f"*the movie was not* … {NOT_GAP} neutral words … *good*. When the sentence "
        "ends, which of the four readers still hears the *not* most strongly?",
        choices=tuple(styles[name].label for name in SENTIMENT_READERS),
        answer=styles[loudest].label,
        why=f"How much the *not* still moves the final score with {NOT_GAP} words in between "
        f"({PAIRS_PER_GAP} sentence pairs): {at_gap}. The {styles[conv].label} only sees its "
        "last few words; the recurrent readers carry the *not* in their state, some longer "
        "than others.",
    )


def not_view(lesson: Lesson) -> None:
    conv = model_roles().conv_reader
    window = summaries()[conv].receptive_field or 0
    st.plotly_chart(
        negation_gap_figure(negation_table(), model_styles(), {conv: window}, current_theme()),
        width="stretch",
        key="tour_not",
        alt="How much a 'not' still moves each reader's verdict against the number of words "
        f"between it and its word; at {NOT_GAP} words the {lesson.answer} is highest",
    )


# 6 · Vanishing gradients over 100 words.
def vanishing_lesson() -> Lesson:
    roles, styles = model_roles(), model_styles()
    medians = {name: corpus_gradients()[name][1] for name in roles.recurrent}
    faded = lessons.most_faded(medians)
    far = CORPUS_WORDS - 1
    kept = ", ".join(
        f"{styles[n].label} {medians[n][far] / medians[n][0] * 100:.2g}%" for n in medians
    )
    return Lesson(
        question=f"Training adjusts a reader through its gradient: how much each word moves "
        f"the final score. Over {CORPUS_WORDS} words of real text, whose gradient shrinks "
        "most, so that the first words barely count?",
        choices=tuple(styles[name].label for name in roles.recurrent),
        answer=styles[faded].label,
        why=f"What is left of the median gradient {far} words back, as a share of its size at "
        f"the last word: {kept}. That shrinking is the vanishing gradient; gates let the "
        "signal through.",
    )


def vanishing_view(lesson: Lesson) -> None:
    roles = model_roles()
    medians = {name: corpus_gradients()[name][1] for name in roles.recurrent}
    st.plotly_chart(
        gradient_figure(medians, model_styles()),
        width="stretch",
        key="tour_gradients",
        alt=f"Median gradient against words back, on a log scale: the {lesson.answer}'s line "
        "falls furthest",
    )


# 7 · One step after another, or all at once.
def steps_lesson() -> Lesson:
    roles, styles, found = model_roles(), model_styles(), summaries()
    lstm, conv = DEFAULT_SEQUENCE, roles.conv_reader
    ours = (
        lessons.steps_in_a_row(found[lstm].sequential_steps, LONG_TEXT),
        lessons.steps_in_a_row(found[conv].sequential_steps, LONG_TEXT),
    )
    options = {ours, ours[::-1], (LONG_TEXT, LONG_TEXT), (1, 1)}

    def say(pair: tuple[int, int]) -> str:
        return f"{styles[lstm].label} {pair[0]:,} · {styles[conv].label} {pair[1]:,}"

    return Lesson(
        question=f"A text of {LONG_TEXT:,} words: how many steps must each reader take one "
        "after another (each step waiting for the one before)?",
        choices=tuple(say(pair) for pair in sorted(options)),
        answer=say(ours),
        why=f"The {styles[lstm].label} needs its state after word t before it can read word "
        f"t + 1: {ours[0]:,} steps in a row. The {styles[conv].label} computes every position "
        f"of a layer at once: {ours[1]:,} layer steps, whatever the length. That is why the "
        "CNN's time hardly depends on the length on many cores, and the RNN's does.",
    )


def steps_view(lesson: Lesson) -> None:
    st.dataframe(
        [
            {
                "model": s.title,
                f"steps in a row for {LONG_TEXT:,} words": lessons.steps_in_a_row(
                    s.sequential_steps, LONG_TEXT
                ),
            }
            for name, s in summaries().items()
            if name in SENTIMENT_READERS
        ],
        hide_index=True,
        key="tour_steps",
    )


# 8 · One picture, two readers: which row reader is sure first.
def heldout_number() -> int:
    return int(st.session_state.get("tour_digit", TOUR_DIGIT))


def digit_of_the_step() -> tuple[np.ndarray, int]:
    data = digit_set()
    index = int(data.test[heldout_number() - 1])
    return data.images[index] / 255.0, int(data.labels[index])


def first_sure_lesson() -> Lesson:
    digit, label = digit_of_the_step()
    traces = digit_traces(digit_key(digit), digit)
    styles = digit_styles()
    sure = {n: traces[n].first_sure_row() for n, s in DIGIT_READERS.items() if s.recurrent}
    earliest = min(sure.values())
    first = [n for n, row in sure.items() if row == earliest]
    tie = "they are sure at the same row"
    return Lesson(
        question=f"This handwritten {label} is read one row at a time, top to bottom, by an "
        "LSTM, a GRU and a plain RNN. Which of them is sure of its answer first?",
        choices=(*(styles[n].label for n in sure), tie),
        answer=styles[first[0]].label if len(first) == 1 else tie,
        why="From these rows on, each one's guess no longer changes: "
        + ", ".join(
            f"{styles[n].label} row {row} (says {traces[n].digit})" for n, row in sure.items()
        )
        + f". The CNN sees all 28 rows at once and says {traces[GRID_READER].digit}.",
    )


def show_tour_digit() -> None:
    digit, _ = digit_of_the_step()
    st.number_input(
        "Another held-out digit (1–1,000)",
        1,
        1000,
        TOUR_DIGIT,
        key="tour_digit",
        help=explain("held-out"),
    )
    st.image(
        png_bytes(np.repeat(upscale_nearest((digit * 255).astype(np.uint8), 140)[..., None], 3, 2)),
        width=140,
        alt="The handwritten digit of this step, white on black",
    )


def first_sure_view(lesson: Lesson) -> None:
    st.plotly_chart(
        rows_accuracy_figure(rows_accuracy(), digit_styles()),
        width="stretch",
        key="tour_rows",
        alt="Over 1,000 held-out digits: each reader's accuracy against the rows read so far",
    )
    st.caption("Over 1,000 held-out digits, each reader's accuracy as the rows come in.")


# 9 · An article's claim, checked.
def claim_evidence() -> Evidence:
    return Evidence(
        summaries=summaries(),
        accuracy=reader_accuracy(),
        negation=negation_table(),
        gradients={name: q[1] for name, q in corpus_gradients().items()},
    )


def claim_lesson() -> Lesson:
    claim = check_claim("fifty-pages", claim_evidence())
    return Lesson(
        question=f"An article says: “{claim.claim}” Do these models support it?",
        choices=("supported", "not supported", "depends"),
        answer=claim.verdict,
        why=claim.evidence,
    )


def claim_view(lesson: Lesson) -> None:
    st.markdown(
        "The comparison page checks eight such claims the same way, each by a rule applied to "
        "numbers measured on this server."
    )


STEPS: tuple[Step, ...] = (
    Step(
        "Maps shrink, channels grow",
        "A convolutional network slides small filters over the whole photo at once. Each stage "
        "turns the previous stage's maps into new ones: one map per filter, called a channel.",
        shrinking_lesson,
        show_photo,
        shrinking_view,
        cnn_link(),
    ),
    Step(
        "Where the network looked",
        "The last stage holds one score per place in the photo for every class. Averaged over "
        "the places, they give the class's score; looked at place by place, they show where "
        "the evidence is.",
        evidence_lesson,
        show_photo,
        evidence_view,
        cnn_link(section="class"),
    ),
    Step(
        "How much of the photo one unit sees",
        "Each number in a feature map (a unit) is computed from a patch of the photo: its "
        "receptive field. Every stage stacks more filters on top, so deeper units see more.",
        field_lesson,
        show_photo,
        field_view,
        cnn_link(section="unit"),
    ),
    Step(
        "The LSTM turns at a word",
        "A recurrent network reads one word at a time, and after each word it updates its "
        "hidden state: the only thing it carries to the next word. Its verdict after every "
        "word is a running score from −1 (negative) to +1 (positive).",
        turn_lesson,
        show_sentence,
        turn_view,
        text_link(LSTM.script, "Watch it read on the LSTM page"),
    ),
    Step(
        "How long a “not” is heard",
        "Four readers were trained the same way on the same sentences: an LSTM, a GRU, a "
        "plain RNN and a 1D CNN that sees a fixed window of words. Only the part that carries "
        "information along the sentence differs.",
        not_lesson,
        lambda: None,
        not_view,
        text_link(COMPARE.script, "See all four on the comparison page"),
    ),
    Step(
        "Vanishing gradients",
        "A network learns by nudging its weights along the gradient: how much each input "
        "moves the output. In a plain RNN that signal passes through the same weights at every "
        "word, and it can fade on the way back.",
        vanishing_lesson,
        lambda: None,
        vanishing_view,
        text_link(COMPARE.script, "See the gradients on the comparison page"),
    ),
    Step(
        "One step after another, or all at once",
        "Parallel hardware can do many multiply-adds at the same time, but only if they do not "
        "wait for each other.",
        steps_lesson,
        lambda: None,
        steps_view,
        text_link(COMPARE.script, "Measure the times on the comparison page"),
    ),
    Step(
        "One picture, two readers",
        "A small CNN sees the whole 28×28 digit at once. Three recurrent networks read the same "
        "digit like a sentence: one row of 28 pixels per step, carrying a state down the rows, "
        "with a guess after every row.",
        first_sure_lesson,
        show_tour_digit,
        first_sure_view,
        lambda: (DIGITS.script, "Draw your own on the digits page", {}),
    ),
    Step(
        "An article's claim, checked",
        "Articles comparing CNNs and RNNs make sweeping claims. Here a claim gets a verdict "
        "from numbers the models produce, not from opinion.",
        claim_lesson,
        lambda: None,
        claim_view,
        text_link(COMPARE.script, "Every claim on the comparison page"),
    ),
)


STEP_NUMBERS = tuple(str(number) for number in range(1, len(STEPS) + 1))


def tour_address() -> list[Param]:
    """What the tour's address names: the step, the sentence and the sample photo (an upload
    cannot travel in a link), each left out when it is the default."""
    return [
        choice("step", "the step", "tour_step", STEP_NUMBERS, STEP_NUMBERS[0]),
        Param("text", "the text", read_text, shared_text, example_sentences()[0]),
        Param("sample", "the sample photo", read_sample, current_sample, samples()[0].path.stem),
    ]


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
                st.rerun()
            st.caption("Make your guess first: the answer comes from the models, not from us.")
            return
    if guess == lesson.answer:
        st.success(f"✓ Right. {lesson.why}")
    else:
        st.warning(f"Not quite: it is **{escape_markdown(lesson.answer)}**. {lesson.why}")
    step.after(lesson)
    page, label, address = step.link()
    st.page_link(page, label=label, query_params=address, icon="➡️")
