"""Two principal components of the hidden states, fitted once on the corpus's states."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PcaFit:
    mean: np.ndarray  # (H,)
    components: np.ndarray  # (2, H), orthonormal rows
    explained: np.ndarray  # (2,) share of the total variance each component holds

    def project(self, states: np.ndarray) -> np.ndarray:
        """(T, H) states -> (T, 2) coordinates: (h − mean) · componentsᵀ."""
        return (np.asarray(states, dtype=np.float64) - self.mean) @ self.components.T


def fit_pca(states: np.ndarray, n_components: int = 2) -> PcaFit:
    """Principal components of (N, H) states by singular value decomposition."""
    x = np.asarray(states, dtype=np.float64)
    mean = x.mean(axis=0)
    _, singular, vt = np.linalg.svd(x - mean, full_matrices=False)
    variance = singular**2
    components = vt[:n_components]
    # A fixed sign per component (largest loading positive), so every fit draws the same way.
    signs = np.sign(components[np.arange(n_components), np.abs(components).argmax(axis=1)])
    return PcaFit(mean, components * signs[:, None], variance[:n_components] / variance.sum())
