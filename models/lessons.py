"""The guided tour's answers, each computed from what the models produced: never typed in.

Every function takes measured numbers (a trace, a map, a table) and returns the answer to one
of the tour's questions, so another photo or sentence can change it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SIZE_WORDS = ("much smaller", "about the same", "larger")
REGION_ROWS, REGION_COLUMNS = ("top", "middle", "bottom"), ("left", "centre", "right")
REGIONS = tuple(f"{row} {column}" for row in REGION_ROWS for column in REGION_COLUMNS)
# What one unit sees, as a share of the photo's width: the choices of the tour's question.
FIELD_CHOICES = ("about one cell of its map", "about a quarter", "about half", "all of it, or more")


def size_word(map_side: int, photo_side: int) -> str:
    """How a feature map's side compares with the photo's: much smaller, about the same, larger."""
    ratio = map_side / photo_side
    if ratio < 0.5:
        return SIZE_WORDS[0]
    return SIZE_WORDS[1] if ratio <= 1.5 else SIZE_WORDS[2]


def region_of(x: float, y: float, side: int) -> str:
    """Which ninth of a (side, side) picture the point (x, y) lies in, e.g. "top left"."""
    column = min(int(3 * max(x, 0.0) / side), 2)
    row = min(int(3 * max(y, 0.0) / side), 2)
    return f"{REGION_ROWS[row]} {REGION_COLUMNS[column]}"


def field_share(field_size: int, map_size: int, photo_side: int) -> str:
    """The choice closest to what one unit sees of the photo's width (on a log scale)."""
    shares = dict(zip(FIELD_CHOICES, (1 / map_size, 0.25, 0.5, 1.0), strict=True))
    share = min(field_size, photo_side) / photo_side
    return min(shares, key=lambda choice: abs(np.log(share / shares[choice])))


def biggest_turn(scores: Sequence[float]) -> int:
    """The 0-based token after which the running score changed most (it starts from 0)."""
    values = np.asarray(scores, dtype=np.float64)
    changes = np.abs(np.diff(values, prepend=0.0))
    return int(np.argmax(changes))


def loudest_at(effects: Mapping[str, Mapping[int, float]], gap: int) -> str:
    """The reader on which a "not" `gap` words back still moves the verdict most."""
    return max(effects, key=lambda name: effects[name].get(gap, 0.0))


def most_faded(curves: Mapping[str, np.ndarray]) -> str:
    """The reader whose gradient at the farthest distance has shrunk most, against its first."""
    far = min(len(curve) for curve in curves.values()) - 1
    return min(curves, key=lambda name: curves[name][far] / max(curves[name][0], 1e-30))


def steps_in_a_row(sequential_steps: int | None, words: int) -> int:
    """Steps that must run one after another for a text: a fixed number, or one per word."""
    return words if sequential_steps is None else sequential_steps


# What a forecaster's CNN can read of the past, against one season: the tour's series question.
SEASON_CHOICES = (
    "Yes: it reads back further than a year",
    "No: it reads only the last few weeks",
    "It reads the whole past window, however long",
)


def season_in_reach(field: int, season: int, window: int) -> str:
    """The choice that says what a causal CNN with a `field`-step receptive field reads of a
    `window`-step past, against a `season`: the value one season back is `season` steps before
    the forecast, so it is read when field >= season."""
    if field >= window:
        return SEASON_CHOICES[2]
    return SEASON_CHOICES[0] if field >= season else SEASON_CHOICES[1]


# The closing question: why a CNN for images and an RNN for sequences. Each choice is a claim
# the session's measurements bear out or not (see `why_cnn_and_rnn`).
CLOSING_CHOICES = (
    "A CNN's small filters, stacked, take in whole neighbourhoods of pixels at once; an RNN "
    "carries what came before along the words, in order",
    "A CNN keeps the photo's full detail to its last layer; an RNN forgets nothing, however "
    "far back it was",
    "An RNN is the faster one: it reads all the words at once, while a CNN goes layer by layer",
    "Neither: on these models the measurements show no difference between them",
)


@dataclass(frozen=True)
class SessionMeasures:
    """What the tour's earlier steps measured, put together for the closing question."""

    photo_side: int
    map_sides: tuple[int, ...]  # each stage's map side, first to last
    channels: tuple[int, ...]  # each stage's channels, first to last
    last_field: int  # pixels one unit of the last stage sees, a side
    not_heard: Mapping[str, float]  # how much a "not" a few words back moves each reader
    conv_reader: str  # the reader with a fixed window of words
    gradient_kept: Mapping[str, float]  # share of each recurrent reader's gradient left far back
    rnn_steps: int  # steps in a row for a long text, a recurrent reader
    conv_steps: int  # the same for the conv reader


def why_cnn_and_rnn(measured: SessionMeasures) -> str:
    """The closing question's answer: the first of CLOSING_CHOICES the measurements bear out.

    The first holds when the maps shrink while channels grow, a last-stage unit sees at least
    half the photo, and a recurrent reader hears a "not" longer than the fixed window does;
    the second when the last maps keep the photo's size and no recurrent gradient fades below
    half; the third when the recurrent reader needs fewer steps in a row than the conv reader.
    """
    recurrent = [name for name in measured.not_heard if name != measured.conv_reader]
    loudest_recurrent = max(measured.not_heard[name] for name in recurrent)
    holds = (
        measured.map_sides[-1] < measured.map_sides[0]
        and measured.channels[-1] > measured.channels[0]
        and 2 * measured.last_field >= measured.photo_side
        and loudest_recurrent > measured.not_heard[measured.conv_reader],
        measured.map_sides[-1] >= measured.photo_side
        and min(measured.gradient_kept.values()) >= 0.5,
        measured.rnn_steps < measured.conv_steps,
    )
    held = (choice for choice, true in zip(CLOSING_CHOICES, holds, strict=False) if true)
    return next(held, CLOSING_CHOICES[-1])


def best_kept(curves: Mapping[str, np.ndarray]) -> str:
    """The reader whose gradient at the farthest distance has kept most of its first size."""
    far = min(len(curve) for curve in curves.values()) - 1
    return max(curves, key=lambda name: curves[name][far] / max(curves[name][0], 1e-30))
