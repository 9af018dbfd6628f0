"""Integrated gradients and occlusion: exact values on a tiny hand-weighted LSTM, then real ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.sequence.attribution import attribute, integrated_gradients, occlusion
from models.sequence.registry import load_sequence_model
from models.sequence.sentiment import SentimentConfig, SentimentModel
from models.sequence.text import word_tokens
from tests.helpers.frozen import assert_untouched, snapshot

VOCAB = {"<pad>": 0, "<unk>": 1, "good": 2, "not": 3}
EMBED = {"good": 1.0, "not": -2.0}
# One unit: gate pre-activations are w_x x + w_h h + b for i, f, g, o (PyTorch's order).
W_X = (0.5, -1.0, 2.0, 1.0)
W_H = (0.3, 0.2, -0.7, 0.4)
BIAS = (0.1, 1.0, 0.0, -0.2)
HEAD = (1.5, 0.1)


def tiny() -> SentimentModel:
    config = SentimentConfig(vocab_size=4, embed_dim=1, hidden_size=1)
    model = SentimentModel(config, VOCAB).double()  # float64 first, so 0.3 means 0.3
    with torch.no_grad():
        model.embedding.weight.zero_()
        for word, value in EMBED.items():
            model.embedding.weight[VOCAB[word], 0] = value
        model.lstm.weight_ih_l0.copy_(torch.tensor(W_X, dtype=torch.float64)[:, None])
        model.lstm.weight_hh_l0.copy_(torch.tensor(W_H, dtype=torch.float64)[:, None])
        model.lstm.bias_ih_l0.copy_(torch.tensor(BIAS, dtype=torch.float64))
        model.lstm.bias_hh_l0.zero_()
        model.head.weight.fill_(HEAD[0])
        model.head.bias.fill_(HEAD[1])
    return model.eval().requires_grad_(False)


def by_hand(xs: list[float]) -> float:
    """The tiny model's final score, written out in plain Python floats."""
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    h = c = 0.0
    for x in xs:
        i, f, g, o = (W_X[k] * x + W_H[k] * h + BIAS[k] for k in range(4))
        c = sig(f) * c + sig(i) * math.tanh(g)
        h = sig(o) * math.tanh(c)
    return math.tanh(HEAD[0] * h + HEAD[1])


def reference_ig(xs: list[float], points: int = 4000) -> list[float]:
    """Integrated gradients from the hand-written model: central differences, fine midpoints."""
    values = []
    for t in range(len(xs)):
        total = 0.0
        for j in range(points):
            alpha = (j + 0.5) / points
            point = [alpha * x for x in xs]
            up, down = list(point), list(point)
            up[t] += 1e-6
            down[t] -= 1e-6
            total += (by_hand(up) - by_hand(down)) / 2e-6
        values.append(xs[t] * total / points)
    return values


TOKENS = ("not", "good", "good")


def test_tiny_model_matches_the_hand_written_one() -> None:
    model = tiny()
    xs = [EMBED[t] for t in TOKENS]
    assert float(model(model.ids(TOKENS))[0, -1]) == pytest.approx(by_hand(xs), abs=1e-12)


def test_integrated_gradients_exact_on_the_tiny_model() -> None:
    result = integrated_gradients(tiny(), TOKENS)
    expected = reference_ig([EMBED[t] for t in TOKENS])
    np.testing.assert_allclose(result.values, expected, rtol=1e-3, atol=1e-6)
    assert result.baseline == pytest.approx(by_hand([0.0, 0.0, 0.0]), abs=1e-12)
    assert result.completeness_error < 0.01
    assert result.values.sum() == pytest.approx(result.score - result.baseline, rel=0.01)


def test_occlusion_exact_on_the_tiny_model() -> None:
    result = occlusion(tiny(), TOKENS)
    xs = [EMBED[t] for t in TOKENS]
    full = by_hand(xs)
    expected = [full - by_hand(xs[:t] + xs[t + 1 :]) for t in range(len(xs))]
    np.testing.assert_allclose(result.values, expected, atol=1e-12)
    single = occlusion(tiny(), ("good",))
    assert single.values[0] == pytest.approx(by_hand([1.0]) - by_hand([0.0]), abs=1e-12)


def test_real_model_completeness_and_a_frozen_shared_model() -> None:
    model = load_sequence_model("lstm")
    before = snapshot(model)
    tokens = word_tokens(
        "The film was not good at first, and the middle dragged on far too long, "
        "but the ending was wonderful and I left the cinema smiling."
    )
    result = integrated_gradients(model, tokens)
    assert len(result.values) == len(tokens) == 29
    assert result.completeness_error < 0.01
    assert result.values[tokens.index("wonderful")] > 0.1
    assert_untouched(model, before)


def test_unknown_method_and_no_tokens() -> None:
    with pytest.raises(ValueError):
        attribute(tiny(), TOKENS, "shap")
    with pytest.raises(ValueError):
        integrated_gradients(tiny(), ())
