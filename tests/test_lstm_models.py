"""Tests for the LSTM models, their shipped weights, the tokenizers and `trace_text`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from models import lstm_trace
from models.checkpoints import WEIGHTS_DIR, ChecksumError, load_checkpoint
from models.lstm_trace import (
    LSTM_MODELS,
    MAX_TOKENS,
    EmptyTextError,
    LstmTrace,
    load_lstm,
    lstm_steps,
    trace_text,
)
from models.text import char_tokens, display_char, load_vocab, word_tokens

torch.set_num_threads(2)


@pytest.fixture(scope="module")
def sentiment() -> nn.Module:
    return load_lstm("sentiment")


@pytest.fixture(scope="module")
def char() -> nn.Module:
    return load_lstm("char")


@pytest.fixture(scope="module")
def lstms(sentiment: nn.Module, char: nn.Module) -> dict[str, nn.Module]:
    return {"sentiment": sentiment, "char": char}


# --- tokenizers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("I don't like it.", ["i", "don't", "like", "it", "."]),
        ("Don’t STOP!!!", ["don't", "stop", "!", "!", "!"]),
        ("great :) but sad :-( <3", ["great", ":)", "but", "sad", ":-(", "<3"]),
        ("so good 😀👍🏽 🇫🇷", ["so", "good", "😀", "👍🏽", "🇫🇷"]),
        ("well-made, 10/10", ["well", "-", "made", ",", "10", "/", "10"]),
        ("@bob see http://t.co/x now", ["<user>", "see", "<url>", "now"]),
        ("<script>alert(1)</script>", ["<", "script", ">", "alert", "(", "1", ")", "<", "/",
                                       "script", ">"]),
        ("café naïve", ["café", "naïve"]),
        ("  ", []),
    ],
)  # fmt: skip
def test_word_tokens(text: str, tokens: list[str]) -> None:
    assert word_tokens(text) == tokens


def test_char_tokens_and_display() -> None:
    assert char_tokens("a b😀") == ["a", " ", "b", "😀"]
    assert [display_char(c) for c in "a \n\t"] == ["a", "␣", "⏎", "⇥"]


# --- gate recomputation -------------------------------------------------------------------


def test_lstm_steps_matches_hand_computed_gates() -> None:
    lstm = nn.LSTM(1, 1, batch_first=True)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor([[1.0], [0.0], [2.0], [0.0]]))
        lstm.weight_hh_l0.zero_()
        lstm.bias_ih_l0.copy_(torch.tensor([0.0, 1.0, 0.0, -1.0]))
        lstm.bias_hh_l0.copy_(torch.tensor([0.5, 0.0, 0.0, 0.0]))
    x = torch.tensor([[[1.0], [-1.0]]])  # (1, 2, 1)
    with torch.no_grad():
        steps = lstm_steps(lstm, x)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    c = 0.0
    for t, xt in enumerate([1.0, -1.0]):
        i, f, g, o = sig(xt + 0.5), sig(1.0), np.tanh(2 * xt), sig(-1.0)
        c = f * c + i * g
        h = o * np.tanh(c)
        assert float(steps.i[0, t, 0]) == pytest.approx(i, abs=1e-6)
        assert float(steps.f[0, t, 0]) == pytest.approx(f, abs=1e-6)
        assert float(steps.g[0, t, 0]) == pytest.approx(g, abs=1e-6)
        assert float(steps.o[0, t, 0]) == pytest.approx(o, abs=1e-6)
        assert float(steps.c[0, t, 0]) == pytest.approx(c, abs=1e-6)
        assert float(steps.h_seq[0, t, 0]) == pytest.approx(h, abs=1e-6)


def test_lstm_steps_matches_nn_lstm_on_random_weights() -> None:
    torch.manual_seed(0)
    lstm = nn.LSTM(7, 5, batch_first=True)
    x = torch.randn(3, 11, 7)
    with torch.no_grad():
        out, (_, c_n) = lstm(x)
        full = lstm_steps(lstm, x)
        last = lstm_steps(lstm, x, last_only=True)
    assert torch.allclose(full.h_seq, out, atol=1e-6)
    assert torch.allclose(full.c[:, -1], c_n[0], atol=1e-6)
    assert torch.allclose(last.h_seq, out, atol=1e-6)
    assert torch.allclose(last.c[:, 0], c_n[0], atol=1e-6)
    assert torch.allclose(last.i[:, 0], full.i[:, -1])


def test_sentiment_trace_equals_nn_lstm(sentiment: nn.Module) -> None:
    text = "The film was not good, but the ending was wonderful :)"
    trace = trace_text(sentiment, "sentiment", text)
    ids = torch.tensor([[sentiment.vocab.get(t, 1) for t in trace.tokens]])
    with torch.inference_mode():
        out, (_, c_n) = sentiment.lstm(sentiment.embedding(ids))
        scores = sentiment(ids)[0]
    np.testing.assert_allclose(trace.layers[0].h, out[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(trace.layers[0].c[-1], c_n[0, 0].numpy(), atol=1e-5)
    np.testing.assert_allclose(trace.sentiment, scores.numpy(), atol=1e-5)
    # c_t = f_t * c_{t-1} + i_t * g_t and h_t = o_t * tanh(c_t), step by step
    layer = trace.layers[0]
    c_prev = np.vstack([np.zeros_like(layer.c[:1]), layer.c[:-1]])
    np.testing.assert_allclose(layer.c, layer.f * c_prev + layer.i * layer.g, atol=1e-5)
    np.testing.assert_allclose(layer.h, layer.o * np.tanh(layer.c), atol=1e-5)


def char_windows(model: nn.Module, text: str) -> torch.Tensor:
    """textgenrnn's windows, built independently of the trace: one per character."""
    cfg = model.config
    rows = []
    for t in range(1, len(text) + 1):
        ids = [cfg.start_id] + [model.vocab.get(c, 0) for c in text[:t]]
        ids = ids[-cfg.window :]
        rows.append([cfg.pad_id] * (cfg.window - len(ids)) + ids)
    return torch.tensor(rows)


def test_char_trace_equals_nn_lstm(char: nn.Module) -> None:
    text = "Ask HN: how do you learn a new programming language in 2024? 🤔"
    trace = trace_text(char, "char", text)
    windows = char_windows(char, text)
    with torch.inference_mode():
        emb = char.embedding(windows)
        h1, (_, c1) = char.lstm1(emb)
        h2, (_, c2) = char.lstm2(h1)
        probs = torch.softmax(char(windows), dim=-1)
    np.testing.assert_allclose(trace.layers[0].h, h1[:, -1].numpy(), atol=1e-5)
    np.testing.assert_allclose(trace.layers[1].h, h2[:, -1].numpy(), atol=1e-5)
    # Some cells reach |c| > 30, and float32 rounding differs between nn.LSTM's kernel and the
    # step-by-step recomputation (a float64 recomputation differs from nn.LSTM as much): c is
    # compared relatively; h, squashed by tanh, to 1e-5 absolute.
    np.testing.assert_allclose(trace.layers[0].c, c1[0].numpy(), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(trace.layers[1].c, c2[0].numpy(), atol=1e-5, rtol=1e-5)
    for layer in trace.layers:
        np.testing.assert_allclose(layer.h, layer.o * np.tanh(layer.c), atol=1e-5)
    top = probs.max(dim=-1)
    got = [row[0][1] for row in trace.next_chars]
    np.testing.assert_allclose(got, top.values.numpy(), atol=1e-5)


# --- trace contract -----------------------------------------------------------------------


def test_registry() -> None:
    assert list(LSTM_MODELS) == ["sentiment", "char"]
    assert set(MAX_TOKENS) == set(LSTM_MODELS)
    assert issubclass(EmptyTextError, ValueError)


@pytest.mark.parametrize("name", ["sentiment", "char"])
def test_trace_shapes(lstms: dict[str, nn.Module], name: str) -> None:
    model = lstms[name]
    trace = trace_text(model, name, "I really loved it! 😀")
    assert isinstance(trace, LstmTrace)
    assert trace.model == name
    assert trace.text == "I really loved it! 😀"
    assert not trace.truncated
    n = len(trace.tokens)
    assert n == len(trace.known) > 0
    assert all(isinstance(t, str) and t for t in trace.tokens)
    assert len(trace.layers) == (1 if name == "sentiment" else 2)
    for layer in trace.layers:
        for field in "hcifgo":
            array = getattr(layer, field)
            assert array.shape == (n, 128)
            assert array.dtype == np.float32
            assert np.isfinite(array).all()
        for gate in "ifo":
            assert (getattr(layer, gate) >= 0).all() and (getattr(layer, gate) <= 1).all()
        assert (np.abs(layer.g) <= 1).all() and (np.abs(layer.h) <= 1).all()
    if name == "sentiment":
        assert trace.tokens == ("i", "really", "loved", "it", "!", "😀")
        assert trace.next_chars is None
        assert trace.sentiment.shape == (n,)
        assert trace.sentiment.dtype == np.float32
        assert (np.abs(trace.sentiment) <= 1).all()
    else:
        assert trace.tokens[:3] == ("I", "␣", "r")
        assert trace.known[-1] is False and all(trace.known[:-1])
        assert trace.sentiment is None
        assert len(trace.next_chars) == n
        for row in trace.next_chars:
            assert len(row) == 5
            probs = [p for _, p in row]
            assert probs == sorted(probs, reverse=True)
            assert 0 < sum(probs) <= 1 + 1e-6
            assert all(isinstance(c, str) and c for c, _ in row)


@pytest.mark.parametrize("name", ["sentiment", "char"])
@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_text_raises(lstms: dict[str, nn.Module], name: str, text: str) -> None:
    with pytest.raises(EmptyTextError) as info:
        trace_text(lstms[name], name, text)
    assert len(str(info.value)) > 10


@pytest.mark.parametrize("name", ["sentiment", "char"])
@pytest.mark.parametrize(
    "text", ["🎉🔥 love it 😍", "<script>alert(1)</script>", "\x00\u200b\ufeffzero width", "ǝɯos"]
)
def test_odd_texts_trace(lstms: dict[str, nn.Module], name: str, text: str) -> None:
    trace = trace_text(lstms[name], name, text)
    assert len(trace.tokens) > 0
    assert not trace.truncated


@pytest.mark.parametrize("name", ["sentiment", "char"])
def test_long_text_is_truncated(lstms: dict[str, nn.Module], name: str) -> None:
    text = ("All work and no play makes Jack a dull boy. " * 200)[:5000]
    trace = trace_text(lstms[name], name, text)
    assert trace.truncated
    assert len(trace.tokens) == MAX_TOKENS[name]
    assert text.startswith(trace.text) and len(trace.text) < len(text)
    assert trace.layers[0].h.shape[0] == MAX_TOKENS[name]
    if name == "sentiment":
        assert word_tokens(trace.text) == list(trace.tokens)
    else:
        assert len(trace.text) == MAX_TOKENS[name]


@pytest.mark.parametrize("name", ["sentiment", "char"])
def test_trace_is_one_pass_and_leaves_model_untouched(
    lstms: dict[str, nn.Module], name: str
) -> None:
    model = lstms[name]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    hooks_before = [
        (len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks))
        for m in model.modules()
    ]
    passes = lstm_trace.forward_passes
    trace_text(model, name, "Nothing here is changed by looking.")
    assert lstm_trace.forward_passes == passes + 1
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    hooks_after = [
        (len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks))
        for m in model.modules()
    ]
    assert hooks_after == hooks_before
    assert not model.training
    assert not any(p.requires_grad for p in model.parameters())


# --- the trained and converted weights ----------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "want", "min_prob"), [("Donald Tru", "m", 0.9), ("The quick brown fo", "r", 0.8)]
)
def test_char_model_reproduces_textgenrnn(
    char: nn.Module, prompt: str, want: str, min_prob: float
) -> None:
    trace = trace_text(char, "char", prompt)
    best, prob = trace.next_chars[-1][0]
    assert best == want
    assert prob > min_prob


def test_char_model_predicts_a_space_as_a_visible_symbol(char: nn.Module) -> None:
    trace = trace_text(char, "char", "The quick brown fox")
    assert trace.next_chars[-1][0][0] == "␣"


def final_score(model: nn.Module, text: str) -> float:
    return float(trace_text(model, "sentiment", text).sentiment[-1])


@pytest.mark.parametrize(
    "text", ["good", "I love this phone, it is excellent", "What a wonderful day :)"]
)
def test_clearly_positive(sentiment: nn.Module, text: str) -> None:
    assert final_score(sentiment, text) > 0.2


@pytest.mark.parametrize(
    "text", ["bad", "This is the worst service I have ever had", "I hate it, so boring :("]
)
def test_clearly_negative(sentiment: nn.Module, text: str) -> None:
    assert final_score(sentiment, text) < -0.2


def test_negation(sentiment: nn.Module) -> None:
    assert final_score(sentiment, "not good") < 0 < final_score(sentiment, "good")
    assert final_score(sentiment, "The food was not good") < 0


def test_contrast_ends_lower_than_at_good(sentiment: nn.Module) -> None:
    trace = trace_text(sentiment, "sentiment", "The movie was good but boring")
    at_good = trace.sentiment[trace.tokens.index("good")]
    assert at_good > 0
    assert trace.sentiment[-1] < at_good


def test_negation_then_contrast(sentiment: nn.Module) -> None:
    text = "The film was not good, but the ending was wonderful"
    trace = trace_text(sentiment, "sentiment", text)
    scores = dict(zip(trace.tokens, trace.sentiment, strict=False))
    at_was = trace.sentiment[trace.tokens.index("was")]
    at_not_good = trace.sentiment[trace.tokens.index("good")]
    at_wonderful = scores["wonderful"]
    assert at_not_good < at_was and at_not_good < 0
    assert at_wonderful > at_not_good
    before_wonderful = trace.sentiment[trace.tokens.index("wonderful") - 1]
    assert at_wonderful > before_wonderful
    assert at_wonderful > 0


def test_heldout_metrics_file() -> None:
    metrics = json.loads((WEIGHTS_DIR / "sentiment_metrics.json").read_text())
    assert metrics["heldout_polarity_accuracy"] >= 0.8
    assert metrics["heldout_pearson"] > 0.5
    assert metrics["heldout_sentences"] > 2000


def test_unknown_words_are_marked(sentiment: nn.Module) -> None:
    trace = trace_text(sentiment, "sentiment", "good zzqxjw")
    assert trace.known == (True, False)


# --- integrity of the shipped files -------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["sentiment_lstm.pt", "char_lstm.pt", "sentiment_vocab.json", "char_vocab.json"]
)
def test_tampered_file_is_rejected(tmp_path: Path, name: str) -> None:
    shutil.copy(WEIGHTS_DIR / "SHA256SUMS", tmp_path / "SHA256SUMS")
    data = bytearray((WEIGHTS_DIR / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / name).write_bytes(bytes(data))
    loader = load_checkpoint if name.endswith(".pt") else load_vocab
    with pytest.raises(ChecksumError):
        loader(name, tmp_path)


@pytest.mark.parametrize("name", ["sentiment_lstm.pt", "char_lstm.pt"])
def test_shipped_checkpoints_verify_and_are_small(name: str) -> None:
    checkpoint = load_checkpoint(name)
    assert set(checkpoint) == {"config", "state_dict"}
    assert (WEIGHTS_DIR / name).stat().st_size < 8_000_000


def test_unknown_model_name() -> None:
    with pytest.raises(KeyError):
        load_lstm("gru")


@pytest.mark.parametrize("name", ["sentiment", "char"])
def test_concurrent_traces_agree(lstms: dict[str, nn.Module], name: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = ["What a lovely day", "This is awful", "Not bad at all"] * 4
    expected = [trace_text(lstms[name], name, t).layers[-1].h for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda t: trace_text(lstms[name], name, t).layers[-1].h, texts))
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_array_equal(want, have)
