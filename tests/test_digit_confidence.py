"""The line between a digit and anything else (models/digits/confidence.py) holds on the
shipped readers: few held-out digits fall under it, most photos do."""

from __future__ import annotations

from functools import cache

import numpy as np

from bench.harness.paths import SAMPLES
from models.digits.analysis import trace_digit
from models.digits.confidence import looks_like_a_digit
from models.digits.data import digit_set
from models.digits.prepare import open_digit_picture, prepare_digit
from models.digits.readers import DigitReader
from models.digits.registry import DIGIT_READERS, GRID_READER


@cache
def cnn() -> DigitReader:
    """The shipped CNN, loaded once."""
    return DIGIT_READERS[GRID_READER].load()


def cnn_says_digit(digit: np.ndarray) -> bool:
    trace = trace_digit(GRID_READER, cnn(), digit)
    return looks_like_a_digit({GRID_READER: trace})


def test_nearly_every_held_out_digit_looks_like_a_digit() -> None:
    data = digit_set()
    doubted = [int(i) for i in data.test if not cnn_says_digit(data.images[i] / 255.0)]
    assert len(doubted) <= 0.03 * len(data.test)  # 15 of 1,000 when measured


def test_most_sample_photos_do_not() -> None:
    photos = sorted(SAMPLES.glob("*.jpg"))
    taken = [
        path.name
        for path in photos
        if cnn_says_digit(prepare_digit(open_digit_picture(path.read_bytes())).digit)
    ]
    assert len(taken) <= 2, taken  # china.jpg only, when measured
