"""Trace an LSTM over a text: every hidden state, cell state and gate after each token.

The gates are recomputed from each `nn.LSTM`'s own weights by stepping through time
(i, f, g, o = σ, σ, tanh, σ of W_ih x + b_ih + W_hh h + b_hh; c = f*c + i*g; h = o*tanh(c)),
with no hooks, so a model shared between sessions is only ever read.

Sentiment model: one pass over the word tokens; `sentiment[t]` is the score after token t.

Char model (textgenrnn): textgenrnn predicts every character from a fresh window of the last
40 ids of `<s>` + text, pre-padded with 0, and its LSTMs restart from zero state for each
window. The trace does exactly that: one batched pass over the T windows (window t ends at
character t), so `next_chars[t]` is what textgenrnn's own generate() predicts after the first
t + 1 characters. The states and gates of token t are those at the last step of window t.
Because each window starts afresh (and the model is sensitive to how much padding precedes
the text), state t is not computed from state t - 1 of the trace: a continuous single pass
with causal attention was measured instead and predicted far worse (per-character
negative log-likelihood 3.9 vs 1.2 on a headline-like text), so it would not be textgenrnn.
Char tokens are display strings: space -> "␣", newline -> "⏎", tab -> "⇥"; the `<s>`
meta token (end of a title), when predicted, is shown as "<end>". Unknown characters map
to id 0, as in textgenrnn, and are marked known=False; the padding id is never offered as a
next character (probabilities are not renormalised).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from models.char_lstm import CharLSTM
from models.sentiment_lstm import UNK_ID, SentimentLSTM
from models.text import char_tokens, display_char, word_spans

LSTM_MODELS: dict[str, str] = {
    "sentiment": "Sentiment LSTM (word level, trained on VADER's human-rated sentences)",
    "char": "Character LSTM (textgenrnn, pretrained on Reddit and Hacker News titles)",
}
MAX_TOKENS: dict[str, int] = {"sentiment": 200, "char": 300}
TOP_K = 5
END_DISPLAY = "<end>"

forward_passes: int = 0
_count_lock = threading.Lock()


class EmptyTextError(ValueError):
    """The text has nothing for the model to read."""

    def __init__(self, message: str = "Type some text first: there is nothing to read.") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class LayerStates:
    h: np.ndarray  # (T, H) float32 hidden state after each token
    c: np.ndarray  # (T, H) cell state
    i: np.ndarray  # (T, H) input gate (after sigmoid)
    f: np.ndarray  # (T, H) forget gate
    g: np.ndarray  # (T, H) candidate (after tanh)
    o: np.ndarray  # (T, H) output gate


@dataclass(frozen=True)
class LstmTrace:
    model: str  # "sentiment" or "char"
    text: str  # the text actually traced (after truncation)
    tokens: tuple[str, ...]  # tokens as the model sees them (T of them)
    known: tuple[bool, ...]  # False where the token is out of vocabulary
    layers: tuple[LayerStates, ...]  # one per LSTM layer (1 for sentiment, 2 for char)
    sentiment: np.ndarray | None  # (T,) running sentiment in [-1, 1]; None for char
    next_chars: tuple[tuple[tuple[str, float], ...], ...] | None  # per token: top-5 next chars
    truncated: bool  # True if the input was cut to the length limit


@dataclass(frozen=True)
class LstmSteps:
    """Result of `lstm_steps`: the full hidden sequence plus states and gates."""

    h_seq: torch.Tensor  # (B, S, H) hidden state at every step
    c: torch.Tensor  # (B, S, H), or (B, 1, H) when only the last step was kept
    i: torch.Tensor
    f: torch.Tensor
    g: torch.Tensor
    o: torch.Tensor


def lstm_steps(lstm: nn.LSTM, x: torch.Tensor, last_only: bool = False) -> LstmSteps:
    """Run a one-layer `nn.LSTM` by hand over x (B, S, in) from zero state, keeping the gates.

    With `last_only`, c and the gates are kept for the last step only (h_seq is always full).
    """
    if (
        lstm.num_layers != 1
        or lstm.bidirectional
        or not lstm.bias
        or lstm.proj_size
        or not lstm.batch_first
    ):
        raise ValueError("lstm_steps handles one-layer, unidirectional, batch_first LSTMs")
    batch, steps, _ = x.shape
    hidden = lstm.hidden_size
    x_proj = F.linear(x, lstm.weight_ih_l0, lstm.bias_ih_l0)  # (B, S, 4H)
    h = x.new_zeros(batch, hidden)  # (B, H)
    c = x.new_zeros(batch, hidden)
    h_seq = x.new_empty(batch, steps, hidden)  # (B, S, H)
    kept = 1 if last_only else steps
    record = {name: x.new_empty(batch, kept, hidden) for name in "cifgo"}
    for t in range(steps):
        z = x_proj[:, t] + F.linear(h, lstm.weight_hh_l0, lstm.bias_hh_l0)  # (B, 4H): i, f, g, o
        i, f, g, o = z.chunk(4, dim=-1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        h_seq[:, t] = h
        if not last_only or t == steps - 1:
            slot = 0 if last_only else t
            for name, value in (("c", c), ("i", i), ("f", f), ("g", g), ("o", o)):
                record[name][:, slot] = value
    return LstmSteps(h_seq=h_seq, **record)


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    array = np.ascontiguousarray(tensor.detach().cpu().numpy(), dtype=np.float32)
    array.setflags(write=False)
    return array


def _layer_states(steps: LstmSteps, h: torch.Tensor) -> LayerStates:
    """LayerStates from (T, H) hidden states and a batch-first LstmSteps (squeezed to (T, H))."""

    def flat(t: torch.Tensor) -> torch.Tensor:
        return t.reshape(-1, t.shape[-1])

    return LayerStates(
        h=_numpy(h),
        c=_numpy(flat(steps.c)),
        i=_numpy(flat(steps.i)),
        f=_numpy(flat(steps.f)),
        g=_numpy(flat(steps.g)),
        o=_numpy(flat(steps.o)),
    )


def load_lstm(name: str) -> nn.Module:
    """The named model from its verified checkpoint, in eval mode with gradients off."""
    if name == "sentiment":
        model: nn.Module = SentimentLSTM.from_checkpoint()
    elif name == "char":
        model = CharLSTM.from_checkpoint()
    else:
        raise KeyError(f"unknown LSTM model {name!r}; choose one of {sorted(LSTM_MODELS)}")
    model.eval()
    model.requires_grad_(False)
    return model


def _trace_sentiment(model: SentimentLSTM, text: str) -> LstmTrace:
    spans = word_spans(text)
    if not spans:
        raise EmptyTextError()
    limit = MAX_TOKENS["sentiment"]
    truncated = len(spans) > limit
    if truncated:
        spans = spans[:limit]
        text = text[: spans[-1][2]]
    vocab = model.vocab
    tokens = tuple(token for token, _, _ in spans)
    ids = torch.tensor([[vocab.get(token, UNK_ID) for token in tokens]])  # (1, T)
    steps = lstm_steps(model.lstm, model.embedding(ids))
    h = steps.h_seq[0]  # (T, H)
    return LstmTrace(
        model="sentiment",
        text=text,
        tokens=tokens,
        known=tuple(token in vocab for token in tokens),
        layers=(_layer_states(steps, h),),
        sentiment=_numpy(model.score(h)),
        next_chars=None,
        truncated=truncated,
    )


def _trace_char(model: CharLSTM, text: str) -> LstmTrace:
    if not text.strip():
        raise EmptyTextError()
    limit = MAX_TOKENS["char"]
    truncated = len(text) > limit
    text = text[:limit]
    chars = char_tokens(text)
    config, vocab = model.config, model.vocab
    ids = [vocab.get(char, config.pad_id) for char in chars]
    window = config.window
    sequence = torch.tensor([config.pad_id] * (window - 1) + [config.start_id] + ids)
    windows = sequence.unfold(0, window, 1)[1:]  # (T, W): window t ends at character t

    emb = model.embedding(windows)  # (T, W, E)
    layers, inputs, h_seqs = [], emb, []
    for lstm in model.lstms:
        steps = lstm_steps(lstm, inputs, last_only=True)
        layers.append(_layer_states(steps, steps.h_seq[:, -1]))
        h_seqs.append(steps.h_seq)  # (T, W, H)
        inputs = steps.h_seq
    probs = torch.softmax(model.readout(emb, *h_seqs), dim=-1)  # (T, V)
    top = probs[:, 1:].topk(TOP_K, dim=-1)  # never offer the padding id
    index_to_char = {index: char for char, index in vocab.items()}
    index_to_char[config.start_id] = END_DISPLAY
    next_chars = tuple(
        tuple(
            (display_char(index_to_char.get(index + 1, "?")), prob)
            for index, prob in zip(row_ids, row_probs, strict=True)
        )
        for row_ids, row_probs in zip(top.indices.tolist(), top.values.tolist(), strict=True)
    )
    return LstmTrace(
        model="char",
        text=text,
        tokens=tuple(display_char(char) for char in chars),
        known=tuple(char in vocab for char in chars),
        layers=tuple(layers),
        sentiment=None,
        next_chars=next_chars,
        truncated=truncated,
    )


def trace_text(model: nn.Module, name: str, text: str) -> LstmTrace:
    """Trace `text` through the named model in one forward pass (see the module docstring).

    Raises EmptyTextError when the text has no tokens.
    """
    global forward_passes
    if name not in LSTM_MODELS:
        raise KeyError(f"unknown LSTM model {name!r}; choose one of {sorted(LSTM_MODELS)}")
    with _count_lock:
        forward_passes += 1
    with torch.inference_mode():
        if name == "sentiment":
            if not isinstance(model, SentimentLSTM):
                raise TypeError("the 'sentiment' trace needs a SentimentLSTM")
            return _trace_sentiment(model, text)
        if not isinstance(model, CharLSTM):
            raise TypeError("the 'char' trace needs a CharLSTM")
        return _trace_char(model, text)
