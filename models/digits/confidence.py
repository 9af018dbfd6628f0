"""Whether a picture looks like a digit to the readers, judged from their own probabilities.

Softmax readers always give some digit; the question is how sure they are. Measured on the
shipped readers (tests/test_digit_confidence.py checks that they still hold), the row
readers are sure of almost anything: on 63 pictures cut from the sample photos (each whole, its
quarters, centre and thirds, through the page's recipe) their median top probability was
0.81 (GRU) to 0.93 (LSTM). The CNN, which sees the whole grid at once, is the one whose
doubt means something: its top probability was under 0.85 for 1.5% of the 1,000 held-out
digits and for 90% of those photo pieces (6 of the 7 whole photos; china.jpg reached 0.92).
So a picture looks like a digit when the CNN gives its answer at least SURE_FROM.
"""

from __future__ import annotations

from collections.abc import Mapping

from models.digits.analysis import DigitTrace
from models.digits.registry import GRID_READER

SURE_FROM = 0.85


def looks_like_a_digit(traces: Mapping[str, DigitTrace]) -> bool:
    """True when the CNN is at least SURE_FROM sure of its answer."""
    return float(traces[GRID_READER].probs.max()) >= SURE_FROM
