"""Per-token analysis of a traced state: values per state, how far h moved, which units moved.

A layer that reads the text backwards (the reverse direction of a bidirectional layer) reaches
token t from token t + 1: with `backward`, a token's "before" is the column to its right, and
zeros after the last token.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.sequence.trace import LayerStates

DELTA = "dh"


def state_matrix(layer: LayerStates, state: str, backward: bool = False) -> np.ndarray:
    """(T, H) values of one state or gate; "dh" is h_t − h_(t−1) with h_0 = 0 before any token
    (backward: h_t − h_(t+1))."""
    if state == DELTA:
        return changes(layer.h, backward)
    if state not in layer:
        raise KeyError(f"this layer has no state {state!r}; it has {sorted(layer.values)}")
    return np.asarray(layer[state], dtype=np.float32)


def changes(values: np.ndarray, backward: bool = False) -> np.ndarray:
    """(T, H) step-to-step change of (T, H) values, with zeros before the first token."""
    values = np.asarray(values, dtype=np.float32)
    if backward:
        return changes(values[::-1])[::-1]
    return np.diff(values, axis=0, prepend=np.zeros((1, values.shape[1]), dtype=np.float32))


def step_change(h: np.ndarray, step: int, backward: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(h_(t−1), h_t) for a 1-based step t; the state before the first token is all zeros
    (backward: (h_(t+1), h_t), zeros after the last token)."""
    if not 1 <= step <= len(h):
        raise IndexError(f"step {step} is outside 1..{len(h)}")
    if backward:
        return step_change(h[::-1], len(h) - step + 1)
    after = np.asarray(h[step - 1], dtype=np.float32)
    before = np.zeros_like(after) if step == 1 else np.asarray(h[step - 2], dtype=np.float32)
    return before, after


def movement(h: np.ndarray, backward: bool = False) -> np.ndarray:
    """(T,) Euclidean length of h_t − h_(t−1) at every step: how far each token moved h."""
    return np.linalg.norm(changes(h, backward), axis=1)


@dataclass(frozen=True)
class MovedUnit:
    unit: int
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


def top_moved_units(
    h: np.ndarray, step: int, k: int = 5, backward: bool = False
) -> list[MovedUnit]:
    """The k units whose value changed most (in absolute terms) at a 1-based step, largest first."""
    before, after = step_change(h, step, backward)
    order = np.argsort(-np.abs(after - before), kind="stable")[:k]
    return [MovedUnit(int(u), float(before[u]), float(after[u])) for u in order]


def top_changed(values: np.ndarray, k: int, backward: bool = False) -> np.ndarray:
    """(T, k) indices of the units that changed most at each step (any state, 0 before step 1)."""
    return np.argsort(-np.abs(changes(values, backward)), axis=1, kind="stable")[:, :k]


def pair_distance(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """(min(T1, T2),) length of h_first − h_second at each step both texts have."""
    steps = min(len(first), len(second))
    diff = np.asarray(first[:steps], np.float32) - np.asarray(second[:steps], np.float32)
    return np.linalg.norm(diff, axis=1)
