"""What an LSTM's cell memory still holds from each earlier token.

With c_0 = 0, the cell update c_t = f_t * c_(t-1) + i_t * g_t unrolls into a sum over tokens:
c_t = sum over s <= t of (f_(s+1) * ... * f_t) * i_s * g_s. Each term is what token s wrote,
scaled down by every forget gate since; the product of forget gates is how much was kept.
This holds for a model that reads the text in one pass from a zero state (the sentiment LSTM),
not for textgenrnn, which restarts for every 40-character window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MemoryAtStep:
    kept: np.ndarray  # (t, H): share of what token s wrote that is still in c_t (forget products)
    parts: np.ndarray  # (t, H): kept * i_s * g_s, the part of c_t written at token s; sums to c_t

    def share_by_token(self) -> np.ndarray:
        """(t,): each token's share of the memory's total magnitude, sum over units of |part|."""
        magnitude = np.abs(self.parts).sum(axis=1)
        total = magnitude.sum()
        return magnitude / total if total > 0 else magnitude

    def kept_by_token(self) -> np.ndarray:
        """(t,): how much of what each token wrote is still kept, the mean over units."""
        return self.kept.mean(axis=1)


def memory_at_step(f: np.ndarray, i: np.ndarray, g: np.ndarray, step: int) -> MemoryAtStep:
    """Split c after token `step` (1-based) into the parts written by tokens 1..step."""
    if not 1 <= step <= len(f):
        raise ValueError(f"step must be in 1..{len(f)}, got {step}")
    later_forgets = f[1:step].astype(np.float64)  # (step - 1, H): f_(s+1) for s = 1..step-1
    # kept[s] = product of the forget gates after token s, up to and including token `step`.
    suffix_products = np.cumprod(later_forgets[::-1], axis=0)[::-1]
    kept = np.concatenate([suffix_products, np.ones((1, f.shape[1]))], axis=0)  # (step, H)
    written = i[:step].astype(np.float64) * g[:step]
    return MemoryAtStep(kept=kept.astype(np.float32), parts=(kept * written).astype(np.float32))
