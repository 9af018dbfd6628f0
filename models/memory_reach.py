"""How far back a reader's final score can be moved: gradients by distance, computed per call.

For a sentence of T words the final score s_T is differentiated with respect to every word's
embedding; |∂s_T/∂e_t| at distance T−1−t measures how much that word can still move the
verdict. The gradient is taken on a fresh copy of the embeddings (a new leaf tensor), never on
the shared model's parameters, which keep requires_grad=False and get no .grad.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from models.sentiment import SentimentModel


def gradient_by_position(model: SentimentModel, tokens: Sequence[str]) -> np.ndarray:
    """(T,) size of the final score's gradient with respect to each word's embedding."""
    if not tokens:
        raise ValueError("no tokens")
    ids = model.ids(tuple(tokens))
    with torch.inference_mode(False), torch.enable_grad():
        emb = model.embedding(ids).detach().clone().requires_grad_(True)  # (1, T, E)
        score = model.score(model.encode(emb))[0, -1]
        (grad,) = torch.autograd.grad(score, emb)
    return grad[0].norm(dim=-1).numpy().astype(np.float64)


def gradient_by_distance(model: SentimentModel, tokens: Sequence[str]) -> np.ndarray:
    """(T,) the same, indexed by distance from the last word (0 = the last word itself)."""
    return gradient_by_position(model, tokens)[::-1].copy()


def mean_gradient_by_distance(
    model: SentimentModel, sentences: Sequence[Sequence[str]], max_distance: int
) -> np.ndarray:
    """(max_distance + 1,) geometric mean over sentences long enough for each distance.

    The geometric mean suits values spanning many orders of magnitude (a log-scale plot); an
    exact zero (a word out of a CNN's window) stays zero.
    """
    logs: list[list[float]] = [[] for _ in range(max_distance + 1)]
    zeros = np.zeros(max_distance + 1, dtype=bool)
    for tokens in sentences:
        by_distance = gradient_by_distance(model, tokens)
        for distance, value in enumerate(by_distance[: max_distance + 1]):
            if value == 0:
                zeros[distance] = True
            else:
                logs[distance].append(float(np.log(value)))
    means = np.array([np.exp(np.mean(values)) if values else np.nan for values in logs])
    means[zeros & np.array([not values for values in logs])] = 0.0
    return means
