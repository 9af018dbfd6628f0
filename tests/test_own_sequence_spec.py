"""The spec of an operator's recurrent model, on models written in ways the examples are not:
a forward pass for one text at a time, no embedding, a layer fed the wrong axis, ReLU and tanh
RNNs, characters, a bidirectional first layer under a forward one, a learned initial memory."""

from __future__ import annotations

import io
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest
import torch
from torch import nn

from models.custom import word_gradients
from models.custom.config import ModelConfig, TextSpec
from models.custom.folder import UserModel
from models.custom.loading import LoadedModel
from models.custom.reader import read_sequence_model
from models.custom.sequence_spec import OwnSequenceSpec, own_sequence_spec
from models.custom.text import Vocab
from models.sequence.export import trace_npz
from models.sequence.trace import EmptyTextError, SequenceTrace

WORDS = ("<unk>", "the", "film", "was", "not", "good", "bad", ",", "but", "a", "b", "c")
CLASSES = ("low", "middle", "high")


def spec_of(
    module: nn.Module, tokens: str = "word", vocab: tuple[str, ...] = WORDS
) -> OwnSequenceSpec:
    """The spec of `module` (seeded weights) as if a config had brought it."""
    torch.manual_seed(0)
    for parameter in module.parameters():
        nn.init.normal_(parameter, std=0.5)
    module.eval().requires_grad_(False)
    text = TextSpec(tokens, Path("vocab.txt"), True, "<unk>")
    config = ModelConfig(
        Path("toy.toml"),
        "toy",
        "Toy",
        "sequence",
        Path("toy.py"),
        "build",
        Path("toy.pt"),
        "0" * 64,
        None,
        text,
        None,
        CLASSES,
    )
    words = Vocab(vocab, MappingProxyType({w: i for i, w in enumerate(vocab)}), 0)
    loaded = LoadedModel(
        config, module, CLASSES, words, sum(p.numel() for p in module.parameters())
    )
    reader = read_sequence_model(module, loaded.probe())
    return own_sequence_spec(UserModel(loaded, None, reader, None))


def read(spec: OwnSequenceSpec, text: str) -> SequenceTrace:
    return spec.trace(spec.load(), spec.name, text, spec.max_tokens)


class Reader(nn.Module):
    """Embedding -> recurrent layer, batch first -> a linear head on the last step."""

    def __init__(self, layer: nn.RNNBase, one_at_a_time: bool = False) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(WORDS), 5)
        self.rnn = layer
        self.head = nn.Linear(layer.hidden_size * (2 if layer.bidirectional else 1), 3)
        self.one_at_a_time = one_at_a_time

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embed(ids))
        last = out[:, -1]
        if self.one_at_a_time:  # written for a single text: a batch of several breaks it
            last = last.reshape(1, -1)
        return self.head(last)


def test_a_forward_written_for_one_text_is_attributed_point_by_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batched = spec_of(Reader(nn.LSTM(5, 4, batch_first=True)))
    single = spec_of(Reader(nn.LSTM(5, 4, batch_first=True), one_at_a_time=True))
    tokens = ("the", "film", "was", "not", "good", ",", "but", "bad")
    ig, left_out = batched.attribute(batched.load(), tokens)
    ig_one, left_out_one = single.attribute(single.load(), tokens)
    assert ig.steps == ig_one.steps
    np.testing.assert_allclose(ig_one.values, ig.values, atol=1e-5)
    monkeypatch.setattr(word_gradients, "BATCH", 5)  # the path's points in several batches
    np.testing.assert_allclose(batched.attribute(batched.load(), tokens)[0].values, ig.values, 1e-5)
    np.testing.assert_allclose(left_out_one.values, left_out.values, atol=1e-6)
    assert ig.completeness_error <= 0.01 and ig.tokens == tokens
    ids = torch.tensor([[WORDS.index(t) for t in tokens]])
    with torch.inference_mode():
        target = int(single.load()(ids)[0].argmax())
    assert CLASSES[target] in ig.target


class OneHot(nn.Module):
    """No nn.Embedding: the ids are one-hot vectors read by the recurrent layer itself."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(len(WORDS), 4, batch_first=True)
        self.head = nn.Linear(4, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = nn.functional.one_hot(ids, len(WORDS)).float()
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


class Detached(Reader):
    """Its word vectors are cut off from the gradient."""

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embed(ids).detach())
        return self.head(out[:, -1])


def test_a_model_without_an_embedding_has_no_attribution_and_says_why() -> None:
    spec = spec_of(OneHot())
    assert spec.sections == () and not spec.attribution
    assert "no nn.Embedding" in (spec.sections_note or "")
    assert read(spec, "the film").verdict is not None  # everything else still works
    cut = spec_of(Detached(nn.GRU(5, 4, batch_first=True)))
    assert cut.sections == () and "its gradient cannot be taken" in (cut.sections_note or "")


class WrongAxis(nn.Module):
    """Feeds (1, T, E) to a layer that expects time first: it steps once over a batch of T."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(WORDS), 5)
        self.rnn = nn.LSTM(5, 4)
        self.head = nn.Linear(4, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embed(ids))
        return self.head(out[-1].mean(dim=0, keepdim=True))


def test_a_layer_fed_the_wrong_axis_is_offered_with_the_reason() -> None:
    spec = spec_of(WrongAxis())
    assert spec.problem is not None
    assert "rnn steps 1 times over a batch of 6 on a text of 6 tokens" in spec.problem
    with pytest.raises(ValueError, match="batch_first"):
        read(spec, "the film was good")


@pytest.mark.parametrize(("nonlinearity", "bounded"), [("tanh", {"h"}), ("relu", set())])
def test_a_plain_rnn_shows_h_alone(nonlinearity: str, bounded: set[str]) -> None:
    spec = spec_of(Reader(nn.RNN(5, 4, batch_first=True, nonlinearity=nonlinearity)))
    assert list(spec.states) == ["h", "dh"] and spec.bounded == bounded
    trace = read(spec, "the film was not good")
    assert list(trace.layers[0].values) == ["h"]
    assert not spec.memory_split and not spec.splits_memory(0)


def test_characters_are_read_one_at_a_time_up_to_the_limit() -> None:
    letters = ("<unk>", "a", "b", "c", " ")
    model = Reader(nn.GRU(5, 4, batch_first=True))
    model.embed = nn.Embedding(len(letters), 5)
    spec = spec_of(model, tokens="char", vocab=letters)
    assert spec.tokens.noun == "character" and spec.max_tokens == 300
    trace = read(spec, "Abc d")
    assert trace.tokens == ("a", "b", "c", " ", "d") and trace.known == (True,) * 4 + (False,)
    long = read(spec, "ab" * 200)
    assert long.truncated and len(long.tokens) == 300 and long.text == ("ab" * 200)[:300]
    with pytest.raises(EmptyTextError):
        read(spec, "")


class Stacked(nn.Module):
    """A bidirectional LSTM under a forward GRU with a linear head on its last step."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(WORDS), 5)
        self.first = nn.LSTM(5, 4, batch_first=True, bidirectional=True)
        self.second = nn.GRU(8, 4, batch_first=True)
        self.head = nn.Linear(4, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x, _ = self.first(self.embed(ids))
        out, _ = self.second(x)
        return self.head(out[:, -1])


def test_every_layer_and_direction_is_named_and_read_in_order() -> None:
    spec = spec_of(Stacked())
    labels = [spec.layer_label(index) for index in range(3)]
    assert labels == [
        "`first` layer 1 · forward (reads words)",
        "`first` layer 1 · backward (reads the words from the end)",
        "`second` layer 1",
    ]
    assert [spec.reads_backward(index) for index in range(3)] == [False, True, False]
    keys = [spec.layer_key(index) for index in range(3)]  # in the downloads
    assert keys == ["1_forward_of_first", "1_backward_of_first", "1_of_second"]
    assert list(spec.states) == ["h", "dh"]  # an LSTM and a GRU share h alone
    trace = read(spec, "the film was not good")
    model = spec.load()
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.inference_mode():
        first, _ = model.first(model.embed(ids))
        second, _ = model.second(first)
    np.testing.assert_allclose(trace.layers[0].h, first[0, :, :4], atol=1e-5)
    np.testing.assert_allclose(trace.layers[1].h, first[0, :, 4:], atol=1e-5)
    np.testing.assert_allclose(trace.layers[2].h, second[0], atol=1e-5)
    with np.load(io.BytesIO(trace_npz(trace, spec))) as saved:
        np.testing.assert_array_equal(saved["layer1_backward_of_first_h"], trace.layers[1].h)
        assert np.isnan(saved["scores"]).all()  # no verdict per token to write
    # The head reads a forward layer, but the one under it has read the whole text already.
    verdict = trace.verdict
    assert verdict is not None and verdict.running is None
    assert "first reads in both directions" in verdict.note
    assert spec.memory_entries == frozenset({0})  # the LSTM's forward direction, from zero


class LearnedStart(nn.Module):
    """An LSTM whose memory starts from a learned state, not from zero."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(WORDS), 5)
        self.rnn = nn.LSTM(5, 4, batch_first=True, bidirectional=True)
        self.h0 = nn.Parameter(torch.zeros(2, 1, 4))
        self.c0 = nn.Parameter(torch.zeros(2, 1, 4))
        self.head = nn.Linear(8, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embed(ids), (self.h0, self.c0))
        return self.head(out[:, -1])


def test_the_memory_is_split_by_word_only_where_it_starts_at_zero() -> None:
    from_zero = spec_of(Reader(nn.LSTM(5, 4, batch_first=True, bidirectional=True)))
    assert from_zero.memory_entries == frozenset({0})  # the forward direction only
    assert from_zero.splits_memory(0) and not from_zero.splits_memory(1)
    learned = spec_of(LearnedStart())  # its initial memory is drawn at random, as all weights
    assert learned.memory_entries == frozenset()
