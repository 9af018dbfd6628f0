"""The tour's comparison steps: how long a "not" is heard, vanishing gradients, one step after
another or all at once, an article's claim checked."""

from __future__ import annotations

import streamlit as st

from charts.compare import gradient_figure, negation_gap_figure
from models import lessons
from models.compare.claims import Evidence, check_claim, model_roles
from models.compare.negation_gap import PAIRS_PER_GAP
from models.sequence.registry import DEFAULT_SEQUENCE, SENTIMENT_READERS, SEQUENCE_MODELS
from ui.cache.compare import (
    CORPUS_WORDS,
    corpus_gradients,
    model_styles,
    negation_table,
    reader_accuracy,
    summaries,
)
from ui.common.figures import show_figure
from ui.common.pages import COMPARE
from ui.common.theme import current_theme
from ui.tour.lesson import Lesson, Step, text_link

NOT_GAP = 6  # words between a "not" and its word in step 5's question
LONG_TEXT = 1000  # words of the text in step 7's question


def gradient_kept() -> dict[str, float]:
    """What is left of each recurrent reader's median gradient CORPUS_WORDS - 1 words back, as
    a share of its size at the last word (step 6's measure)."""
    far = CORPUS_WORDS - 1
    medians = {name: corpus_gradients()[name][1] for name in model_roles().recurrent}
    return {name: float(curve[far] / curve[0]) for name, curve in medians.items()}


def two_memories() -> str:
    """Why steps 5 and 6 can name different readers and both be right, from their numbers."""
    styles, effects, kept = model_styles(), negation_table(), gradient_kept()
    loudest = lessons.loudest_at(effects, NOT_GAP)
    medians = {name: corpus_gradients()[name][1] for name in kept}
    keeper = lessons.best_kept(medians)
    heard, keeps = styles[loudest].label, styles[keeper].label
    gated = SEQUENCE_MODELS[loudest].gate_blocks > 1
    holds = f"the {heard}'s gates learned to hold" if gated else f"the {heard} learned to hold"
    if loudest == keeper:
        return (
            f"The {heard} leads on both measures here: it hears a *not* longest and keeps "
            f"the most of its gradient over {CORPUS_WORDS} words ({kept[keeper] * 100:.2g}%)."
        )
    return (
        f"The {heard} hears a *not* longest ({effects[loudest][NOT_GAP]:+.2f} after "
        f"{NOT_GAP} words), the {keeps} keeps its gradient best ({kept[keeper] * 100:.2g}% "
        f"left {CORPUS_WORDS - 1} words back, the {heard} {kept.get(loudest, 0.0) * 100:.2g}%)"
        ": both are true, because they measure different things. The *not* asks what a "
        f"trained reader does with one word that matters: {holds} that one signal in its "
        "state. The gradient asks how much any word, on average "
        f"over real text, can still move the score: the {keeps} lets more of every word "
        "through. Keeping the word that matters is not the same as keeping every word."
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
        f"than others. {two_memories()}",
    )


def not_view(lesson: Lesson) -> None:
    conv = model_roles().conv_reader
    window = summaries()[conv].receptive_field or 0
    show_figure(
        negation_gap_figure(negation_table(), model_styles(), {conv: window}, current_theme()),
        key="tour_not",
        alt="How much a 'not' still moves each reader's verdict against the number of words "
        f"between it and its word; at {NOT_GAP} words the {lesson.answer} is highest",
    )


NOT_HEARD = Step(
    "How long a “not” is heard",
    "Four readers were trained the same way on the same sentences: an LSTM, a GRU, a "
    "plain RNN and a 1D CNN that sees a fixed window of words. Only the part that carries "
    "information along the sentence differs.",
    not_lesson,
    lambda: None,
    not_view,
    text_link(COMPARE.script, "See all four on the comparison page"),
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
        f"signal through. {two_memories()}",
    )


def vanishing_view(lesson: Lesson) -> None:
    roles = model_roles()
    medians = {name: corpus_gradients()[name][1] for name in roles.recurrent}
    show_figure(
        gradient_figure(medians, model_styles()),
        key="tour_gradients",
        alt=f"Median gradient against words back, on a log scale: the {lesson.answer}'s line "
        "falls furthest",
    )


VANISHING = Step(
    "Vanishing gradients",
    "A network learns by nudging its weights along the gradient: how much each input "
    "moves the output. In a plain RNN that signal passes through the same weights at every "
    "word, and it can fade on the way back.",
    vanishing_lesson,
    lambda: None,
    vanishing_view,
    text_link(COMPARE.script, "See the gradients on the comparison page"),
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


ONE_AT_A_TIME = Step(
    "One step after another, or all at once",
    "Parallel hardware can do many multiply-adds at the same time, but only if they do not "
    "wait for each other.",
    steps_lesson,
    lambda: None,
    steps_view,
    text_link(COMPARE.script, "Measure the times on the comparison page"),
)


# 10 · An article's claim, checked.
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


CLAIM = Step(
    "An article's claim, checked",
    "Articles comparing CNNs and RNNs make sweeping claims. Here a claim gets a verdict "
    "from numbers the models produce, not from opinion.",
    claim_lesson,
    lambda: None,
    claim_view,
    text_link(COMPARE.script, "Every claim on the comparison page"),
)
