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

from models.sequence.sentiment import SentimentModel


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


def gradient_quantiles_by_distance(
    model: SentimentModel,
    sentences: Sequence[Sequence[str]],
    max_distance: int,
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
) -> np.ndarray:
    """(len(quantiles), max_distance + 1): quantiles over the sentences long enough for each
    distance. Zeros count like any value (a word out of a CNN's window, or a CNN whose ReLUs
    are all off at the last word). The spread matters: a plain RNN's median gradient fades
    with distance while a tenth of texts keep large ones."""
    columns: list[list[float]] = [[] for _ in range(max_distance + 1)]
    for tokens in sentences:
        for distance, value in enumerate(gradient_by_distance(model, tokens)[: max_distance + 1]):
            columns[distance].append(float(value))
    result = np.full((len(quantiles), max_distance + 1), np.nan)
    for distance, values in enumerate(columns):
        if values:
            result[:, distance] = np.quantile(values, quantiles)
    return result
