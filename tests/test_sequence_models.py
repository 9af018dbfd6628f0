"""Tests for the sequence models, their shipped weights, the tokenizers and `trace_text`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from models.checkpoints import WEIGHTS_DIR, ChecksumError, load_checkpoint
from models.sequence.cell_steps import cell_steps
from models.sequence.registry import (
    SENTIMENT_READERS,
    SEQUENCE_MODELS,
    load_sequence_model,
    spec_of,
    trace_text,
)
from models.sequence.sentiment import CELLS, SentimentConfig, SentimentModel
from models.sequence.text import char_tokens, display_char, load_vocab, word_tokens
from models.sequence.trace import EmptyTextError, SequenceTrace
from tests.helpers.bad_inputs import TEXT_CASES, TextCase
from tests.helpers.frozen import assert_untouched, snapshot

ALL = list(SEQUENCE_MODELS)


@pytest.fixture(scope="module")
def loaded() -> dict[str, nn.Module]:
    return {name: load_sequence_model(name) for name in SEQUENCE_MODELS}


@pytest.fixture(scope="module")
def sentiment(loaded: dict[str, nn.Module]) -> nn.Module:
    return loaded["lstm"]


@pytest.fixture(scope="module")
def char(loaded: dict[str, nn.Module]) -> nn.Module:
    return loaded["char"]


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
        steps = cell_steps(lstm, x)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    c = 0.0
    for t, xt in enumerate([1.0, -1.0]):
        i, f, g, o = sig(xt + 0.5), sig(1.0), np.tanh(2 * xt), sig(-1.0)
        c = f * c + i * g
        h = o * np.tanh(c)
        assert float(steps["i"][0, t, 0]) == pytest.approx(i, abs=1e-6)
        assert float(steps["f"][0, t, 0]) == pytest.approx(f, abs=1e-6)
        assert float(steps["g"][0, t, 0]) == pytest.approx(g, abs=1e-6)
        assert float(steps["o"][0, t, 0]) == pytest.approx(o, abs=1e-6)
        assert float(steps["c"][0, t, 0]) == pytest.approx(c, abs=1e-6)
        assert float(steps["h"][0, t, 0]) == pytest.approx(h, abs=1e-6)


def test_lstm_steps_matches_nn_lstm_on_random_weights() -> None:
    torch.manual_seed(0)
    lstm = nn.LSTM(7, 5, batch_first=True)
    x = torch.randn(3, 11, 7)
    with torch.no_grad():
        out, (_, c_n) = lstm(x)
        full = cell_steps(lstm, x)
        last = cell_steps(lstm, x, last_only=True)
    assert torch.allclose(full["h"], out, atol=1e-6)
    assert torch.allclose(full["c"][:, -1], c_n[0], atol=1e-6)
    assert torch.allclose(last["h"], out, atol=1e-6)
    assert torch.allclose(last["c"][:, 0], c_n[0], atol=1e-6)
    assert torch.allclose(last["i"][:, 0], full["i"][:, -1])


def test_gru_steps_match_hand_computed_gates() -> None:
    gru = nn.GRU(1, 1, batch_first=True)
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.tensor([[1.0], [-1.0], [2.0]]))  # r, z, n
        gru.weight_hh_l0.copy_(torch.tensor([[0.5], [0.0], [1.0]]))
        gru.bias_ih_l0.copy_(torch.tensor([0.0, 0.5, 0.0]))
        gru.bias_hh_l0.copy_(torch.tensor([0.0, 0.0, 0.25]))
    x = torch.tensor([[[1.0], [-2.0], [0.5]]])
    with torch.no_grad():
        steps = cell_steps(gru, x)
        out, _ = gru(x)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    h = 0.0
    for t, xt in enumerate([1.0, -2.0, 0.5]):
        r, z = sig(xt + 0.5 * h), sig(-xt + 0.5)
        n = np.tanh(2 * xt + r * (h + 0.25))
        h = (1 - z) * n + z * h
        assert float(steps["r"][0, t, 0]) == pytest.approx(r, abs=1e-6)
        assert float(steps["z"][0, t, 0]) == pytest.approx(z, abs=1e-6)
        assert float(steps["n"][0, t, 0]) == pytest.approx(n, abs=1e-6)
        assert float(steps["h"][0, t, 0]) == pytest.approx(h, abs=1e-6)
    assert torch.allclose(steps["h"], out, atol=1e-6)


def test_rnn_steps_match_hand_computed_states() -> None:
    rnn = nn.RNN(1, 1, batch_first=True)
    with torch.no_grad():
        rnn.weight_ih_l0.fill_(1.5)
        rnn.weight_hh_l0.fill_(-0.5)
        rnn.bias_ih_l0.fill_(0.1)
        rnn.bias_hh_l0.fill_(0.2)
    x = torch.tensor([[[1.0], [0.0], [-1.0]]])
    with torch.no_grad():
        steps = cell_steps(rnn, x)
    h = 0.0
    for t, xt in enumerate([1.0, 0.0, -1.0]):
        h = np.tanh(1.5 * xt + 0.1 - 0.5 * h + 0.2)
        assert float(steps["h"][0, t, 0]) == pytest.approx(h, abs=1e-6)
    assert set(steps) == {"h"}


@pytest.mark.parametrize("kind", [nn.GRU, nn.RNN])
def test_cell_steps_match_torch_on_random_weights(kind: type[nn.RNNBase]) -> None:
    torch.manual_seed(0)
    cell = kind(7, 5, batch_first=True)
    x = torch.randn(3, 11, 7)
    with torch.no_grad():
        out, _ = cell(x)
        steps = cell_steps(cell, x)
        last = cell_steps(cell, x, last_only=True)
    assert torch.allclose(steps["h"], out, atol=1e-6)
    assert torch.allclose(last["h"], out, atol=1e-6)


def test_causal_cnn_sees_exactly_its_window() -> None:
    """Changing word s changes the score at word t exactly when t - window < s <= t."""
    torch.manual_seed(0)
    config = SentimentConfig(vocab_size=50, embed_dim=6, hidden_size=8, cell="cnn1d")
    model = SentimentModel(config).eval()
    window = config.window
    assert window == 9
    ids = torch.randint(2, 50, (1, 30))
    with torch.no_grad():
        base = model(ids)[0]
        for s in range(30):
            changed = ids.clone()
            changed[0, s] = 2 + (int(ids[0, s]) - 1) % 48  # another word
            delta = (model(changed)[0] - base).abs()
            for t in range(30):
                if t < s or t >= s + window:
                    assert delta[t] == 0, (s, t)  # exactly: that word is out of sight
    # and inside the window a word does reach the score (with random weights, it does)
    with torch.no_grad():
        changed = ids.clone()
        changed[0, 10] = 3 if int(ids[0, 10]) != 3 else 4
        delta = (model(changed)[0] - base).abs()
    assert (delta[10 : 10 + window] > 0).all()


def test_sentiment_trace_equals_nn_lstm(sentiment: nn.Module) -> None:
    text = "The film was not good, but the ending was wonderful :)"
    trace = trace_text(sentiment, "lstm", text)
    ids = torch.tensor([[sentiment.vocab.get(t, 1) for t in trace.tokens]])
    with torch.inference_mode():
        out, (_, c_n) = sentiment.lstm(sentiment.embedding(ids))
        scores = sentiment(ids)[0]
    np.testing.assert_allclose(trace.layers[0].h, out[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(trace.layers[0]["c"][-1], c_n[0, 0].numpy(), atol=1e-5)
    np.testing.assert_allclose(trace.sentiment, scores.numpy(), atol=1e-5)
    # c_t = f_t * c_{t-1} + i_t * g_t and h_t = o_t * tanh(c_t), step by step
    layer = trace.layers[0]
    c, f, i, g, o = (layer[name] for name in "cfigo")
    c_prev = np.vstack([np.zeros_like(c[:1]), c[:-1]])
    np.testing.assert_allclose(c, f * c_prev + i * g, atol=1e-5)
    np.testing.assert_allclose(layer.h, o * np.tanh(c), atol=1e-5)


@pytest.mark.parametrize("name", ["gru", "rnn"])
def test_recurrent_reader_traces_equal_the_torch_module(
    loaded: dict[str, nn.Module], name: str
) -> None:
    model = loaded[name]
    trace = trace_text(model, name, "The film was not good, but the ending was wonderful :)")
    ids = model.ids(trace.tokens)
    with torch.inference_mode():
        out, _ = model.encoder(model.embedding(ids))
        scores = model(ids)[0]
    np.testing.assert_allclose(trace.layers[0].h, out[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(trace.sentiment, scores.numpy(), atol=1e-5)
    if name == "gru":
        layer = trace.layers[0]
        h_prev = np.vstack([np.zeros_like(layer.h[:1]), layer.h[:-1]])
        rebuilt = (1 - layer["z"]) * layer["n"] + layer["z"] * h_prev
        np.testing.assert_allclose(layer.h, rebuilt, atol=1e-5)


def test_cnn_reader_trace_equals_the_torch_module(loaded: dict[str, nn.Module]) -> None:
    model = loaded["cnn1d"]
    trace = trace_text(model, "cnn1d", "The film was not good, but the ending was wonderful :)")
    ids = model.ids(trace.tokens)
    emb = model.embedding(ids).transpose(1, 2)
    with torch.inference_mode():
        pad = model.config.kernel_size - 1
        first = torch.relu(model.cnn1d.convs[0](nn.functional.pad(emb, (pad, 0))))
        second = torch.relu(model.cnn1d.convs[1](nn.functional.pad(first, (pad, 0))))
        scores = model(ids)[0]
    assert len(trace.layers) == model.config.conv_layers == 2
    np.testing.assert_allclose(trace.layers[0].h, first[0].T.numpy(), atol=1e-5)
    np.testing.assert_allclose(trace.layers[1].h, second[0].T.numpy(), atol=1e-5)
    np.testing.assert_allclose(trace.sentiment, scores.numpy(), atol=1e-5)


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
    np.testing.assert_allclose(trace.layers[0]["c"], c1[0].numpy(), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(trace.layers[1]["c"], c2[0].numpy(), atol=1e-5, rtol=1e-5)
    for layer in trace.layers:
        np.testing.assert_allclose(layer.h, layer["o"] * np.tanh(layer["c"]), atol=1e-5)
    top = probs.max(dim=-1)
    got = [row[0][1] for row in trace.next_chars]
    np.testing.assert_allclose(got, top.values.numpy(), atol=1e-5)


# --- trace contract -----------------------------------------------------------------------


def test_registry() -> None:
    assert list(SEQUENCE_MODELS) == ["lstm", "gru", "rnn", "cnn1d", "char"]
    assert SENTIMENT_READERS == CELLS
    assert issubclass(EmptyTextError, ValueError)
    for name, spec in SEQUENCE_MODELS.items():
        assert spec.name == name
        assert "h" in spec.states and "dh" in spec.states
        assert spec.bounded <= set(spec.states)


@pytest.mark.parametrize("name", ALL)
def test_summaries_quote_sizes_from_the_loaded_model(
    loaded: dict[str, nn.Module], name: str
) -> None:
    text = spec_of(name).describe(loaded[name])
    assert "{" not in text
    assert str(loaded[name].config.hidden_size) in text
    if name in ("cnn1d", "char"):
        assert str(loaded[name].config.window) in text or "8 before" in text


@pytest.mark.parametrize("name", ALL)
def test_trace_shapes(loaded: dict[str, nn.Module], name: str) -> None:
    model = loaded[name]
    spec = spec_of(name)
    trace = trace_text(model, name, "I really loved it! 😀")
    assert isinstance(trace, SequenceTrace)
    assert trace.model == name
    assert trace.text == "I really loved it! 😀"
    assert not trace.truncated
    n = len(trace.tokens)
    assert n == len(trace.known) > 0
    assert all(isinstance(t, str) and t for t in trace.tokens)
    assert len(trace.layers) == {"char": 2, "cnn1d": 2}.get(name, 1)
    for layer in trace.layers:
        assert set(layer.values) == set(spec.states) - {"dh"}
        for array in layer.values.values():
            assert array.shape == (n, 128)
            assert array.dtype == np.float32
            assert np.isfinite(array).all()
        for gate in set(layer.values) & set("ifozr"):
            assert (layer[gate] >= 0).all() and (layer[gate] <= 1).all()
        for state in spec.bounded:
            assert (np.abs(layer[state]) <= 1).all()
        if name == "cnn1d":
            assert (layer.h >= 0).all()  # after ReLU
    if name != "char":
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


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("case", TEXT_CASES, ids=lambda case: case.name)
def test_every_corpus_text_traces_or_says_it_is_empty(
    loaded: dict[str, nn.Module], name: str, case: TextCase
) -> None:
    if case.empty:
        with pytest.raises(EmptyTextError) as info:
            trace_text(loaded[name], name, case.text)
        assert len(str(info.value)) > 10
        return
    trace = trace_text(loaded[name], name, case.text)
    assert len(trace.tokens) > 0
    assert trace.truncated == case.long
    assert np.isfinite(trace.layers[-1].h).all()


@pytest.mark.parametrize("name", ALL)
def test_long_text_is_truncated(loaded: dict[str, nn.Module], name: str) -> None:
    text = ("All work and no play makes Jack a dull boy. " * 200)[:5000]
    limit = spec_of(name).max_tokens
    trace = trace_text(loaded[name], name, text)
    assert trace.truncated
    assert len(trace.tokens) == limit
    assert text.startswith(trace.text) and len(trace.text) < len(text)
    assert trace.layers[0].h.shape[0] == limit
    if name != "char":
        assert word_tokens(trace.text) == list(trace.tokens)
    else:
        assert len(trace.text) == limit


@pytest.mark.parametrize("name", ALL)
def test_trace_leaves_model_untouched(loaded: dict[str, nn.Module], name: str) -> None:
    model = loaded[name]
    before = snapshot(model)
    trace_text(model, name, "Nothing here is changed by looking.")
    assert_untouched(model, before)
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
    return float(trace_text(model, "lstm", text).sentiment[-1])


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
    trace = trace_text(sentiment, "lstm", "The movie was good but boring")
    at_good = trace.sentiment[trace.tokens.index("good")]
    assert at_good > 0
    assert trace.sentiment[-1] < at_good


def test_negation_then_contrast(sentiment: nn.Module) -> None:
    text = "The film was not good, but the ending was wonderful"
    trace = trace_text(sentiment, "lstm", text)
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
    assert metrics["heldout_sentences"] > 2000
    readers = metrics["models"]
    assert list(readers) == list(CELLS)
    assert readers["lstm"]["heldout_polarity_accuracy"] >= 0.8
    lstm = readers["lstm"]["heldout_polarity_accuracy"]
    assert readers["gru"]["heldout_polarity_accuracy"] >= lstm - 0.02
    for figures in readers.values():
        assert figures["heldout_pearson"] > 0.5
        assert 0.5 < figures["heldout_polarity_accuracy"] <= 1
        assert set(figures["negation_effect_by_gap"]) >= {"0", "8", "16"}


@pytest.mark.parametrize("cell", CELLS)
def test_metrics_file_counts_the_shipped_parameters(
    loaded: dict[str, nn.Module], cell: str
) -> None:
    figures = json.loads((WEIGHTS_DIR / "sentiment_metrics.json").read_text())["models"][cell]
    assert figures["parameters"] == sum(p.numel() for p in loaded[cell].parameters())


def test_unknown_words_are_marked(sentiment: nn.Module) -> None:
    trace = trace_text(sentiment, "lstm", "good zzqxjw")
    assert trace.known == (True, False)


# --- integrity of the shipped files -------------------------------------------------------


SHIPPED = [f"sentiment_{cell}.pt" for cell in CELLS] + ["char_lstm.pt"]


@pytest.mark.parametrize("name", [*SHIPPED, "sentiment_vocab.json", "char_vocab.json"])
def test_tampered_file_is_rejected(tmp_path: Path, name: str) -> None:
    shutil.copy(WEIGHTS_DIR / "SHA256SUMS", tmp_path / "SHA256SUMS")
    data = bytearray((WEIGHTS_DIR / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / name).write_bytes(bytes(data))
    loader = load_checkpoint if name.endswith(".pt") else load_vocab
    with pytest.raises(ChecksumError):
        loader(name, tmp_path)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_checkpoints_verify_and_are_small(name: str) -> None:
    checkpoint = load_checkpoint(name)
    assert set(checkpoint) == {"config", "state_dict"}
    assert (WEIGHTS_DIR / name).stat().st_size < 8_000_000


def test_unknown_model_name() -> None:
    with pytest.raises(KeyError):
        load_sequence_model("transformer")
    with pytest.raises(KeyError):
        spec_of("sentiment")


@pytest.mark.parametrize("name", ALL)
def test_concurrent_traces_agree(loaded: dict[str, nn.Module], name: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = ["What a lovely day", "This is awful", "Not bad at all"] * 4
    expected = [trace_text(loaded[name], name, t).layers[-1].h for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda t: trace_text(loaded[name], name, t).layers[-1].h, texts))
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_array_equal(want, have)
