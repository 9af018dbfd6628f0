"""Which words mattered: the final score split among the tokens, two ways.

- Integrated gradients on the embeddings: attribution_t = sum over the embedding of
  (e_t − b_t) · mean over α of ∂F/∂e_t at b + α (e − b), with F the final score and b the
  baseline, an all-padding sentence of the same length (the padding embedding is zero). By
  construction the attributions sum to F(e) − F(b) (completeness), up to the error of the
  m-point midpoint rule, which `Attribution.completeness_error` reports.
- Occlusion: attribution_t = F(sentence) − F(sentence without token t).

Gradients are taken on fresh embedding tensors, never on the shared model's parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from models.sequence.sentiment import SentimentModel

IG_STEPS = 16  # first try; doubled while the attributions miss completeness by over 1%
IG_MAX_STEPS = 512
IG_TOLERANCE = 0.01
METHODS = ("ig", "occlusion")


@dataclass(frozen=True)
class Attribution:
    method: str  # "ig" or "occlusion"
    tokens: tuple[str, ...]
    values: np.ndarray  # (T,) one number per token
    score: float  # final score of the sentence
    baseline: float  # final score of the baseline (ig: all padding; occlusion: nan)
    steps: int = 0  # ig: the number of points on the path that were needed
    target: str = "the final score"  # what was attributed, for a sentence
    baseline_of: str = "the score of an empty (all-padding) sentence"  # ... and its baseline

    @property
    def completeness_error(self) -> float:
        """|sum of attributions − (score − baseline)|, relative to |score − baseline| (ig only)."""
        gap = self.score - self.baseline
        return abs(float(self.values.sum()) - gap) / max(abs(gap), 1e-12)


def _final(model: SentimentModel, emb: torch.Tensor) -> torch.Tensor:
    """(B,) final scores of (B, T, E) embeddings."""
    return model.score(model.encode(emb))[:, -1]


def integrated_gradients(
    model: SentimentModel, tokens: Sequence[str], steps: int | None = None
) -> Attribution:
    """With `steps` None: 16 points, doubled up to 512 until completeness is within 1%. On
    long texts a recurrent reader's score can jump along the path from the baseline; then
    even 512 points miss, and `completeness_error` says by how much."""
    if steps is not None:
        return _integrated_gradients(model, tuple(tokens), steps)
    steps = IG_STEPS
    result = _integrated_gradients(model, tuple(tokens), steps)
    while result.completeness_error > IG_TOLERANCE and steps < IG_MAX_STEPS:
        steps *= 2
        result = _integrated_gradients(model, tuple(tokens), steps)
    return result


def _integrated_gradients(
    model: SentimentModel, tokens: tuple[str, ...], steps: int
) -> Attribution:
    if not tokens:
        raise ValueError("no tokens")
    with torch.inference_mode(False), torch.enable_grad():
        emb = model.embedding(model.ids(tokens)).detach().clone()  # (1, T, E)
        baseline = torch.zeros_like(emb)
        alphas = (torch.arange(steps, dtype=emb.dtype) + 0.5) / steps  # midpoints
        path = (baseline + alphas[:, None, None] * (emb - baseline)).requires_grad_(True)
        (grads,) = torch.autograd.grad(_final(model, path).sum(), path)  # (steps, T, E)
        values = ((emb - baseline)[0] * grads.mean(dim=0)).sum(dim=-1)  # (T,)
        with torch.no_grad():
            score = float(_final(model, emb)[0])
            base = float(_final(model, baseline)[0])
    return Attribution("ig", tokens, values.detach().double().numpy(), score, base, steps)


def occlusion(model: SentimentModel, tokens: Sequence[str]) -> Attribution:
    tokens = tuple(tokens)
    if not tokens:
        raise ValueError("no tokens")
    with torch.inference_mode():
        ids = model.ids(tokens)  # (1, T)
        score = float(model(ids)[0, -1])
        if len(tokens) == 1:
            without = model(torch.zeros_like(ids))[:, -1]  # nothing left: the padding sentence
        else:
            keep = ~torch.eye(len(tokens), dtype=torch.bool)  # row t drops token t
            without = model(ids.expand(len(tokens), -1)[keep].view(len(tokens), -1))[:, -1]
    values = (score - without).double().numpy()
    return Attribution("occlusion", tokens, values, score, float("nan"))


def attribute(model: SentimentModel, tokens: Sequence[str], method: str) -> Attribution:
    if method == "ig":
        return integrated_gradients(model, tokens)
    if method == "occlusion":
        return occlusion(model, tokens)
    raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
