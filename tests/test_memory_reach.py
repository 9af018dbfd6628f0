"""Gradients by distance: checked against finite differences, and exact zeros beyond a window."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.compare.memory_reach import (
    gradient_by_distance,
    gradient_by_position,
    gradient_quantiles_by_distance,
)
from models.sequence.corpus import heldout_sentences, paragraphs
from models.sequence.registry import load_sequence_model
from models.sequence.sentiment import CELLS, SentimentConfig, SentimentModel
from tests.helpers.frozen import assert_untouched, snapshot

VOCAB = {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3, "c": 4, "d": 5}
TOKENS = ("a", "b", "c", "d", "a", "c")


def tiny(cell: str) -> SentimentModel:
    torch.manual_seed(3)
    config = SentimentConfig(vocab_size=6, embed_dim=3, hidden_size=4, cell=cell, kernel_size=2)
    return SentimentModel(config, VOCAB).double().eval().requires_grad_(False)


def finite_difference_norms(model: SentimentModel, tokens: tuple[str, ...]) -> np.ndarray:
    """|d score_T / d e_t| for every t by central differences on every embedding coordinate."""
    with torch.no_grad():
        emb = model.embedding(model.ids(tokens))  # (1, T, E)

        def score(e: torch.Tensor) -> float:
            return float(model.score(model.encode(e))[0, -1])

        step = 1e-6
        grads = np.zeros(emb.shape[1:])
        for t in range(emb.shape[1]):
            for k in range(emb.shape[2]):
                up, down = emb.clone(), emb.clone()
                up[0, t, k] += step
                down[0, t, k] -= step
                grads[t, k] = (score(up) - score(down)) / (2 * step)
    return np.linalg.norm(grads, axis=1)


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_equal_finite_differences(cell: str) -> None:
    model = tiny(cell)
    got = gradient_by_position(model, TOKENS)
    np.testing.assert_allclose(got, finite_difference_norms(model, TOKENS), rtol=1e-5, atol=1e-9)
    np.testing.assert_array_equal(gradient_by_distance(model, TOKENS), got[::-1])


def test_the_causal_cnn_gradient_is_exactly_zero_beyond_its_window() -> None:
    model = tiny("cnn1d")  # kernel 2, two layers: a window of 3 words
    assert model.config.window == 3
    by_distance = gradient_by_distance(model, TOKENS)
    assert np.all(by_distance[3:] == 0)
    assert np.all(by_distance[:3] > 0)


def test_the_shared_model_gets_no_gradient_and_stays_frozen() -> None:
    model = load_sequence_model("lstm")
    before = snapshot(model)
    gradient_by_position(model, ("not", "good", "at", "all"))
    assert_untouched(model, before)


def test_quantiles_by_distance_count_every_sentence_long_enough() -> None:
    model = tiny("rnn")
    sentences = [TOKENS, TOKENS[:4], ("a", "b", "c", "d", "d", "d", "a")]
    low, median, high = gradient_quantiles_by_distance(model, sentences, 7)
    each = [gradient_by_distance(model, s) for s in sentences]
    assert median[0] == pytest.approx(np.median([g[0] for g in each]))
    assert high[0] == pytest.approx(np.quantile([g[0] for g in each], 0.9))
    assert median[5] == pytest.approx(np.median([each[0][5], each[2][5]]))  # 4 words: too short
    assert median[6] == pytest.approx(each[2][6]) and np.isnan(median[7])  # nobody that long
    assert np.all(low[:7] <= median[:7]) and np.all(median[:7] <= high[:7])
    cnn = gradient_quantiles_by_distance(tiny("cnn1d"), sentences, 5)
    assert np.all(cnn[:, 3:] == 0)  # out of the window in every sentence


def test_corpus_paragraphs_have_exactly_the_asked_length() -> None:
    assert len(heldout_sentences()) == 2370
    texts = paragraphs(100, 40)
    assert len(texts) == 40 and all(len(text) == 100 for text in texts)
