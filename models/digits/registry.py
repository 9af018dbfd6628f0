"""The four digit readers: one registry of specs that the page, the tour and the command line
read (what each reader is and how it reads), and the shipped weights."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from models.checkpoints import WEIGHTS_DIR
from models.digits.readers import DigitReader, load_reader

METRICS_FILE = WEIGHTS_DIR / "digits_metrics.json"


@dataclass(frozen=True)
class DigitSpec:
    name: str  # the id on the command line and in the address
    title: str
    short: str  # for legends and tables
    recurrent: bool  # reads row by row (True) or sees the whole grid at once (False)

    @property
    def reads(self) -> str:
        return "one row at a time, top to bottom" if self.recurrent else "the whole grid at once"

    def load(self, scrambled: bool = False) -> DigitReader:
        """The shipped weights (sha256 checked), eval mode, gradients off."""
        return load_reader(self.name, scrambled)


DIGIT_READERS: dict[str, DigitSpec] = {
    spec.name: spec
    for spec in (
        DigitSpec("cnn", "Small CNN, two convolution stages", "CNN", False),
        DigitSpec("lstm", "LSTM, reading row by row", "LSTM", True),
        DigitSpec("gru", "GRU, reading row by row", "GRU", True),
        DigitSpec("rnn", "Plain tanh RNN, reading row by row", "vanilla RNN", True),
    )
}
DEFAULT_DIGIT_READER = "cnn"
# The one reader that sees the whole grid at once, beside the row readers.
GRID_READER = next(name for name, spec in DIGIT_READERS.items() if not spec.recurrent)


@cache
def training_metrics() -> dict[str, Any]:
    """What scripts/train_digits.py measured when it trained the shipped readers."""
    return json.loads(METRICS_FILE.read_text(encoding="utf-8"))
