"""The check before and after the tour, computed once per server from the caches the tour uses.

Each phase asks the six ideas of models/checks.py on its own examples (`examples`): another
CNN, stage, sample photo, gap, distance and text length before than after. The numbers come
from the shared caches (the sample photos' traces, the "not" table, the corpus gradients, the
models' summaries), so the check runs no model for a visitor beyond what the tour already
caches; the questions themselves are kept for the whole server.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from imaging.encode import jpeg_bytes
from models import checks
from models.cnn.imagenet import class_names
from models.cnn.registry import CNN_MODELS, DEFAULT_CNN
from models.compare.claims import model_roles
from models.sequence.registry import DEFAULT_SEQUENCE
from ui.cache.cnn import class_activation, cnn_trace, decoded_photo, samples
from ui.cache.compare import (
    CORPUS_PARAGRAPHS,
    CORPUS_WORDS,
    corpus_gradients,
    model_styles,
    negation_table,
    summaries,
)


@dataclass(frozen=True)
class Examples:
    """What one phase asks each idea about."""

    cnn: str  # the CNN whose last maps, and one of whose units, are asked about
    field_stage: int  # 0-based: the stage whose unit is asked about
    photo: str  # a sample photo's file: where the default CNN finds its evidence
    not_gap: int  # words between the "not" and its word (one of the table's gaps)
    distance: int  # words back, for the gradient (below CORPUS_WORDS)
    reader: str  # the recurrent reader counted against the conv reader's steps
    words: int  # the text's length, for the steps in a row


def examples(phase: str) -> Examples:
    """The phase's examples, the models taken by their roles in the registries. Each differs
    from the tour's own steps too (they ask about the visitor's photo with the default CNN's
    fifth stage, a gap of 6, 99 words back, the default reader on 1,000 words)."""
    roles = model_roles()
    other_cnn = next(name for name in CNN_MODELS if name != roles.photo_cnn)
    gated = next(n for n in roles.recurrent if n not in (DEFAULT_SEQUENCE, roles.plain_rnn))
    if phase == "before":
        return Examples(roles.photo_cnn, 6, "china.jpg", 2, 30, gated, 50)
    return Examples(other_cnn, 9, "brick.jpg", 4, 70, roles.plain_rnn, 400)


@dataclass(frozen=True)
class CheckSet:
    """One phase's six questions, in IDEAS order, and the pictures some of them show."""

    phase: str
    checks: tuple[checks.Check, ...]
    pictures: dict[str, tuple[bytes, str]]  # idea -> (JPEG, its alt text)


@st.cache_resource(show_spinner="Preparing the check's questions from the models…")
def check_set(phase: str) -> CheckSet:
    """The phase's questions for the whole server (computed on the first visitor's run)."""
    chosen = examples(phase)
    labels = {name: style.label for name, style in model_styles().items()}
    roles, found = model_roles(), summaries()

    spec = CNN_MODELS[chosen.cnn]
    fields = list(spec.receptive_fields().items())
    stage, field = fields[chosen.field_stage]

    sample = next(s for s in samples() if s.path.name == chosen.photo)
    photo = decoded_photo(f"sample:{sample.path.name}", sample.path.read_bytes())
    trace = cnn_trace(DEFAULT_CNN, f"sample:{sample.path.name}", photo.image)
    best = trace.top(1)[0][0]
    peak = class_activation(trace, best).peak_input()

    conv = roles.conv_reader
    effects = {name: negation_table()[name] for name in (*roles.recurrent, conv)}
    medians = {name: corpus_gradients()[name][1] for name in roles.recurrent}
    asked = (
        checks.maps_check(spec.title, spec.input_size, [(n, f.map_size) for n, f in fields]),
        checks.field_check(
            spec.title,
            spec.input_size,
            stage,
            chosen.field_stage + 1,
            len(fields),
            field.size,
            field.map_size,
        ),
        checks.evidence_check(
            class_names()[best], peak, trace.shown.shape[0], CNN_MODELS[DEFAULT_CNN].title
        ),
        checks.not_check(chosen.not_gap, effects, labels, conv, found[conv].receptive_field or 0),
        checks.gradient_check(chosen.distance, CORPUS_WORDS, CORPUS_PARAGRAPHS, medians, labels),
        checks.steps_check(
            chosen.words,
            labels[chosen.reader],
            found[chosen.reader].sequential_steps,
            labels[conv],
            found[conv].sequential_steps,
        ),
    )
    picture = (jpeg_bytes(trace.shown), f"{sample.title}: the photo as the network sees it")
    return CheckSet(phase, asked, {"evidence": picture})
