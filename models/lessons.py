"""The guided tour's answers, each computed from what the models produced: never typed in.

Every function takes measured numbers (a trace, a map, a table) and returns the answer to one
of the tour's questions, so another photo or sentence can change it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
