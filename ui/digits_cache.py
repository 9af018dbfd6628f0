"""Cached pieces of the digits page: the readers shared by every session, the held-out analyses
computed once per server, and one trace per drawn digit."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
import torch

from charts.compare import Series
from models.digits.analysis import (
    READING_ORDERS,
    DigitTrace,
    accuracy_after_rows,
    accuracy_by_shift,
    accuracy_read_as,
    gradient_by_row,
    trace_digit,
)
from models.digits.data import digit_set
from models.digits.readers import DigitReader, final_scores
from models.digits.registry import DIGIT_READERS
from models.digits.training import row_order
from ui.memory import exempt_loaded_objects


@st.cache_resource(max_entries=2 * len(DIGIT_READERS), show_spinner="Loading the readers…")
def digit_reader(name: str, scrambled: bool = False) -> DigitReader:
    """One shipped reader per (name, scrambled) for the whole server; read-only after loading."""
    model = DIGIT_READERS[name].load(scrambled)
    exempt_loaded_objects()
    return model


def digit_styles() -> dict[str, Series]:
    return {name: Series(spec.short, spec.colour) for name, spec in DIGIT_READERS.items()}


def heldout(scrambled: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = digit_set().tensors("test")
    return images[:, row_order(scrambled)], labels


@st.cache_resource(show_spinner="Reading the 1,000 held-out digits row by row…")
def rows_accuracy() -> dict[str, np.ndarray]:
    images, labels = heldout()
    return {name: accuracy_after_rows(digit_reader(name), images, labels) for name in DIGIT_READERS}


@st.cache_resource(show_spinner="Moving the held-out digits around…")
def shift_accuracy() -> dict[str, np.ndarray]:
    images, labels = heldout()
    return {name: accuracy_by_shift(digit_reader(name), images, labels) for name in DIGIT_READERS}


@st.cache_resource(show_spinner="Reading the held-out digits in other orders…")
def order_accuracy() -> dict[str, dict[str, float]]:
    """Each row reader's held-out accuracy top-down (as trained), bottom-up and by columns."""
    images, labels = heldout()
    found = {}
    for name, spec in DIGIT_READERS.items():
        if spec.recurrent:
            model = digit_reader(name)
            found[name] = {
                order: accuracy_read_as(model, images, labels, order) for order in READING_ORDERS
            }
    return found


@st.cache_resource(show_spinner="Reading scrambled digits…")
def scramble_accuracy() -> dict[str, tuple[float, float]]:
    """(plain reader on plain digits, scrambled-trained reader on scrambled digits) per reader."""
    plain, scrambled = heldout(), heldout(scrambled=True)
    found = {}
    for name in DIGIT_READERS:
        pairs = []
        for (images, labels), model in (
            (plain, digit_reader(name)),
            (scrambled, digit_reader(name, True)),
        ):
            with torch.inference_mode():
                pairs.append(
                    float((final_scores(model, images).argmax(1) == labels).float().mean())
                )
        found[name] = (pairs[0], pairs[1])
    return found


@st.cache_resource(show_spinner="Following the verdict back to every row…")
def heldout_row_gradients() -> dict[str, np.ndarray]:
    """Median over the held-out digits of the gradient by row, per reader."""
    images, labels = heldout()
    return {
        name: np.median(gradient_by_row(digit_reader(name), images, labels), axis=0)
        for name in DIGIT_READERS
    }


def digit_key(digit: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(digit, dtype=np.float32).tobytes()).hexdigest()[:24]


@st.cache_data(max_entries=64, show_spinner=False)
def digit_traces(key: str, _digit: np.ndarray) -> dict[str, DigitTrace]:
    """Every reader's trace of one prepared digit; `key` is the digit's hash."""
    return {name: trace_digit(name, digit_reader(name), _digit) for name in DIGIT_READERS}


@st.cache_data(max_entries=64, show_spinner=False)
def digit_row_gradients(key: str, _digit: np.ndarray, label: int) -> dict[str, np.ndarray]:
    x = torch.as_tensor(_digit, dtype=torch.float32)[None]
    target = torch.tensor([label])
    return {name: gradient_by_row(digit_reader(name), x, target)[0] for name in DIGIT_READERS}
