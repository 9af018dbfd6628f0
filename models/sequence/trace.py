"""Trace a sequence model over a text: its state (and every gate) after each token, one pass.

Sentiment readers (sentiment.py): one pass over the word tokens; `sentiment[t]` is the
score after token t. Recurrent readers are stepped by hand (cell_steps.py) to keep their
gates; the causal CNN keeps each conv layer's channels at every position as its "h".

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

from dataclasses import dataclass

import numpy as np
import torch

from models.sequence.cell_steps import cell_steps
from models.sequence.char_lstm import CharLSTM
from models.sequence.sentiment import CausalConvStack, SentimentModel
from models.sequence.text import char_tokens, display_char, word_spans

TOP_K = 5
END_DISPLAY = "<end>"


class EmptyTextError(ValueError):
    """The text has nothing for the model to read."""

    def __init__(self, message: str = "Type some text first: there is nothing to read.") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class LayerStates:
    """One layer's values after every token, each (T, H) float32, read-only.

    "h" always (for the causal CNN: its channels); "c", "f", "i", "g", "o" for an LSTM;
    "z", "r", "n" for a GRU.
    """

    values: dict[str, np.ndarray]

    @property
    def h(self) -> np.ndarray:
        return self.values["h"]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def __contains__(self, name: object) -> bool:
        return name in self.values


@dataclass(frozen=True)
class ClassVerdict:
    """A classifier's verdict on a text: its class probabilities at the end, and after every
    token where its structure gives them (models/custom/reader.py), or a note why not."""

    classes: tuple[str, ...]  # the names, one per output
    probs: np.ndarray  # (K,) softmax of the model's own logits on the whole text
    running: np.ndarray | None  # (T, K) the probabilities after every token, or None ...
    note: str  # ... and why (one line); or how the running ones are read

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probs))

    @property
    def predicted_name(self) -> str:
        return self.classes[self.predicted]

    def curve(self) -> np.ndarray | None:
        """(T,) the probability of the final verdict's class after every token, or None."""
        return None if self.running is None else self.running[:, self.predicted]


@dataclass(frozen=True)
class SequenceTrace:
    model: str  # the registry name (models/sequence/registry.py)
    text: str  # the text actually traced (after truncation)
    tokens: tuple[str, ...]  # tokens as the model sees them (T of them)
    known: tuple[bool, ...]  # False where the token is out of vocabulary
    layers: tuple[LayerStates, ...]  # one per layer, first to last
    sentiment: np.ndarray | None  # (T,) running sentiment in [-1, 1]; None for char
    next_chars: tuple[tuple[tuple[str, float], ...], ...] | None  # per token: top-5 next chars
    truncated: bool  # True if the input was cut to the length limit
    verdict: ClassVerdict | None = None  # a classifier's (an operator's model): its classes


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    array = np.ascontiguousarray(tensor.detach().cpu().numpy(), dtype=np.float32)
    array.setflags(write=False)
    return array


def _layer(steps: dict[str, torch.Tensor], h: torch.Tensor) -> LayerStates:
    """LayerStates from (T, H) hidden states and batch-first per-step gates (squeezed)."""
    values = {"h": _numpy(h)}
    for name, value in steps.items():
        if name != "h":
            values[name] = _numpy(value.reshape(-1, value.shape[-1]))
    return LayerStates(values)


def trace_sentiment(model: SentimentModel, name: str, text: str, max_tokens: int) -> SequenceTrace:
    """The running sentiment and every state of a sentiment reader, over at most max_tokens."""
    spans = word_spans(text)
    if not spans:
        raise EmptyTextError()
    truncated = len(spans) > max_tokens
    if truncated:
        spans = spans[:max_tokens]
        text = text[: spans[-1][2]]
    tokens = tuple(token for token, _, _ in spans)
    with torch.inference_mode():
        emb = model.embedding(model.ids(tokens))  # (1, T, E)
        encoder = model.encoder
        if isinstance(encoder, CausalConvStack):
            outputs = encoder.layer_outputs(emb)  # each (1, T, C)
            layers = tuple(LayerStates({"h": _numpy(out[0])}) for out in outputs)
            h = outputs[-1][0]
        else:
            steps = cell_steps(encoder, emb)
            h = steps["h"][0]  # (T, H)
            layers = (_layer(steps, h),)
        sentiment = _numpy(model.score(h))
    return SequenceTrace(
        model=name,
        text=text,
        tokens=tokens,
        known=tuple(token in model.vocab for token in tokens),
        layers=layers,
        sentiment=sentiment,
        next_chars=None,
        truncated=truncated,
    )


def trace_char(model: CharLSTM, name: str, text: str, max_tokens: int) -> SequenceTrace:
    """textgenrnn's next-character guesses and both layers' states (see the module docstring)."""
    if not text.strip():
        raise EmptyTextError()
    truncated = len(text) > max_tokens
    text = text[:max_tokens]
    chars = char_tokens(text)
    config, vocab = model.config, model.vocab
    ids = [vocab.get(char, config.pad_id) for char in chars]
    window = config.window
    sequence = torch.tensor([config.pad_id] * (window - 1) + [config.start_id] + ids)
    windows = sequence.unfold(0, window, 1)[1:]  # (T, W): window t ends at character t

    with torch.inference_mode():
        emb = model.embedding(windows)  # (T, W, E)
        layers, inputs, h_seqs = [], emb, []
        for lstm in model.lstms:
            steps = cell_steps(lstm, inputs, last_only=True)
            layers.append(_layer(steps, steps["h"][:, -1]))
            h_seqs.append(steps["h"])  # (T, W, H)
            inputs = steps["h"]
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
    return SequenceTrace(
        model=name,
        text=text,
        tokens=tuple(display_char(char) for char in chars),
        known=tuple(char in vocab for char in chars),
        layers=tuple(layers),
        sentiment=None,
        next_chars=next_chars,
        truncated=truncated,
    )
