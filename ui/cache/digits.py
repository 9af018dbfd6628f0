"""Cached pieces of the digits page: the readers shared by every session, the held-out analyses
computed once per server, one preparation per drawing and one trace per digit."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import streamlit as st
import torch
from PIL import Image

from charts.theme import Series, series_styles
from models.digits.analysis import DigitTrace, gradient_by_row, trace_digit
from models.digits.prepare import DigitInputError, PreparedDigit, prepare_digit
from models.digits.readers import DigitReader
from models.digits.registry import DIGIT_READERS, training_metrics
from models.digits.training import TrainSettings
from serving.memory import exempt_loaded_objects
from ui.cache.training import training_runs

MAX_DRAWING_SIDE = 2048  # pixels: the canvas is 280 px wide, times a screen pixel ratio of up to 7


@st.cache_resource(max_entries=2 * len(DIGIT_READERS), show_spinner="Loading the readers…")
def digit_reader(name: str, scrambled: bool = False) -> DigitReader:
    """One shipped reader per (name, scrambled) for the whole server; read-only after loading."""
    model = DIGIT_READERS[name].load(scrambled)
    exempt_loaded_objects()
    return model


def digit_styles() -> dict[str, Series]:
    return series_styles({name: spec.short for name, spec in DIGIT_READERS.items()})


# The held-out figures were measured on the shipped readers by scripts/train_digits.py, which
# keeps them with the weights (digits_metrics.json; a test measures some of them again): the
# CNN's 28 blanked passes and every reader's 17 shifted ones over 1,000 digits took about 10 s
# of a server's first visit.
def held_out(part: str = "plain") -> dict[str, dict]:
    return training_metrics()["readers"][part]


def rows_accuracy() -> dict[str, np.ndarray]:
    """Held-out accuracy after 1..28 rows (the CNN: with the rows below blanked)."""
    return {n: np.array(f["accuracy_after_rows"]) for n, f in held_out().items()}


def shift_accuracy() -> dict[str, np.ndarray]:
    """Held-out accuracy with the digits moved by each of SHIFTS pixels."""
    return {n: np.array(f["accuracy_by_shift"]) for n, f in held_out().items()}


def order_accuracy() -> dict[str, dict[str, float]]:
    """Each row reader's held-out accuracy top-down (as trained), bottom-up and by columns."""
    return {n: f["accuracy_read"] for n, f in held_out().items() if "accuracy_read" in f}


def scramble_accuracy() -> dict[str, tuple[float, float]]:
    """(plain reader on plain digits, scrambled-trained reader on scrambled digits) per reader."""
    scrambled = held_out("scrambled")
    return {
        n: (f["heldout_accuracy"], scrambled[n]["heldout_accuracy"]) for n, f in held_out().items()
    }


def heldout_row_gradients() -> dict[str, np.ndarray]:
    """Median over the held-out digits of the gradient of the verdict by row, per reader."""
    return {n: np.array(f["gradient_by_row"]) for n, f in held_out().items()}


def digit_key(digit: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(digit, dtype=np.float32).tobytes()).hexdigest()[:24]


# About 1.4 MB each (the 280×280 steps of the recipe): a few visitors' latest strokes.
@st.cache_data(max_entries=8, show_spinner=False)
def prepared_drawing(png: bytes) -> PreparedDigit:
    """The canvas's drawing (the PNG it sends) prepared as MNIST's digits were, once per drawing:
    a rerun that leaves the drawing as it was neither decodes nor prepares it again. A drawing
    with no digit raises DigitInputError, which is not kept.

    The bytes come from the browser, so their size is read from the header before decoding: a
    canvas sends at most its own side times the screen's pixel ratio.
    """
    try:
        image = Image.open(io.BytesIO(png))
    except (OSError, ValueError) as error:
        raise DigitInputError("The drawing could not be read: draw again.") from error
    if max(image.size) > MAX_DRAWING_SIDE:
        raise DigitInputError("The drawing is larger than the canvas: draw again.")
    pixels = np.asarray(image)
    return prepare_digit(Image.fromarray(np.asarray(pixels, dtype=np.uint8), mode="RGBA"))


@st.cache_data(max_entries=64, show_spinner=False)
def digit_traces(key: str, _digit: np.ndarray) -> dict[str, DigitTrace]:
    """Every reader's trace of one prepared digit; `key` is the digit's hash."""
    return {name: trace_digit(name, digit_reader(name), _digit) for name in DIGIT_READERS}


@st.cache_data(max_entries=64, show_spinner=False)
def digit_row_gradients(key: str, _digit: np.ndarray, label: int) -> dict[str, np.ndarray]:
    x = torch.as_tensor(_digit, dtype=torch.float32)[None]
    target = torch.tensor([label])
    return {name: gradient_by_row(digit_reader(name), x, target)[0] for name in DIGIT_READERS}


def digit_epoch_seconds() -> tuple[dict[str, float], str]:
    """Each digit reader's seconds per epoch on identical data, and where that was measured: the
    last finished live run on unscrambled digits, or else the shipped readers' training."""
    for run in reversed(training_runs().finished.values()):
        if isinstance(run.settings, TrainSettings) and not run.settings.scrambled:
            last = {report.reader: report for report in run.history}
            seconds = {name: r.seconds / r.epoch for name, r in last.items()}
            epochs = run.settings.epochs
            return seconds, (
                f"measured live on this server, {epochs} epoch{'' if epochs == 1 else 's'} of "
                f"{run.settings.hidden}-unit readers"
            )
    plain = training_metrics()["readers"]["plain"]
    seconds = {name: reader["seconds_per_epoch"] for name, reader in plain.items()}
    return seconds, "measured when the shipped readers were trained, on one thread"
