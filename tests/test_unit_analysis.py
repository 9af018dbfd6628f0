"""Unit rankings, the PCA path and the downloads, from hand-made states and the shipped corpus."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from models.sequence.corpus_analysis import analysis_corpus, corpus_pca
from models.sequence.export import attribution_csv, cell, trace_csv, trace_npz
from models.sequence.registry import load_sequence_model, trace_text
from models.sequence.state_pca import fit_pca
from models.sequence.unit_analysis import (
    correlations,
    inside_quotes_or_brackets,
    negation_scope,
    position_in_word,
    rank_units,
    top_examples,
)


def test_negation_scope_runs_to_the_end_of_the_clause() -> None:
    tokens = ["it", "is", "not", "very", "good", ",", "but", "i", "don't", "mind", "."]
    assert negation_scope(tokens).tolist() == [0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0]


def test_character_properties() -> None:
    text = 'a "b c" (d [e]) f'
    assert inside_quotes_or_brackets(text).tolist() == [
        0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0
    ]  # fmt: skip
    assert position_in_word("ab c12!").tolist() == [0, 1, 0, 0, 1, 2, 0]


def test_correlations_equal_numpy() -> None:
    rng = np.random.default_rng(0)
    states = rng.normal(size=(200, 5))
    target = states[:, 2] * 3 + rng.normal(size=200) * 0.1
    r = correlations(states, target)
    expected = [np.corrcoef(states[:, u], target)[0, 1] for u in range(5)]
    np.testing.assert_allclose(r, expected, atol=1e-12)
    assert correlations(np.ones((10, 2)), np.arange(10.0)).tolist() == [0.0, 0.0]


@pytest.fixture(scope="module")
def lstm_corpus():
    return analysis_corpus("lstm", load_sequence_model("lstm"))


def test_rankings_reproduce_from_the_shipped_corpus(lstm_corpus) -> None:
    assert len(lstm_corpus.texts) == 600 and len(lstm_corpus.sentence) == 12_260
    ranked = rank_units(lstm_corpus, "h", "sentiment", k=3)
    assert [unit.unit for unit in ranked] == [18, 80, 79]
    assert [round(unit.r, 2) for unit in ranked] == [-0.85, -0.84, 0.84]
    again = analysis_corpus("lstm", load_sequence_model("lstm"))
    assert rank_units(again, "c", "negation", k=8) == rank_units(lstm_corpus, "c", "negation", k=8)


def test_top_examples_are_the_texts_with_the_highest_peak(lstm_corpus) -> None:
    unit = 18
    examples = top_examples(lstm_corpus, "h", unit, k=4)
    peaks = [example.peak for example in examples]
    assert peaks == sorted(peaks, reverse=True)
    assert peaks[0] == pytest.approx(lstm_corpus.states["h"][:, unit].max())
    for example in examples:
        assert len(example.activations) == len(example.tokens)
        assert example.activations.max() == pytest.approx(example.peak)


def test_pca_projection_is_h_minus_mean_times_components(lstm_corpus) -> None:
    fit = corpus_pca(lstm_corpus)
    h = lstm_corpus.states["h"].astype(np.float64)
    np.testing.assert_allclose(fit.mean, h.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(fit.components @ fit.components.T, np.eye(2), atol=1e-10)
    eigenvalues = np.linalg.eigvalsh(np.cov(h, rowvar=False))[::-1]
    np.testing.assert_allclose(fit.explained, eigenvalues[:2] / eigenvalues.sum(), rtol=1e-6)
    trace = trace_text(load_sequence_model("lstm"), "lstm", "not good at all")
    np.testing.assert_allclose(
        fit.project(trace.layers[0].h), (trace.layers[0].h - fit.mean) @ fit.components.T
    )
    assert fit_pca(h).components.tolist() == fit.components.tolist()  # the same every time


def test_trace_downloads() -> None:
    trace = trace_text(load_sequence_model("lstm"), "lstm", "=cmd good, not bad")
    rows = list(csv.reader(io.StringIO(trace_csv(trace))))
    assert rows[0][:5] == ["step", "token", "score", "layer", "state"] and len(rows[0]) == 5 + 128
    assert len(rows) == 1 + len(trace.tokens) * 6  # h, c and four gates per token
    assert rows[1][1] == "'=" and rows[1][4] == "h"  # a formula-looking token stays text
    np.testing.assert_allclose([float(v) for v in rows[1][5:]], trace.layers[0].h[0], atol=1e-6)
    arrays = np.load(io.BytesIO(trace_npz(trace)))
    assert list(arrays["tokens"]) == list(trace.tokens)
    np.testing.assert_array_equal(arrays["layer1_c"], trace.layers[0]["c"])
    np.testing.assert_allclose(arrays["scores"], trace.sentiment)
    text = attribution_csv(("a", "-b"), {"ig": np.array([0.5, -0.25])})
    assert text.splitlines() == ["step,token,ig", "1,a,0.500000", "2,'-b,-0.250000"]
    assert cell("plain") == "plain" and cell("@x") == "'@x"
