"""Word-level sentiment readers trained on VADER's rated sentences (scripts/train_sentiment.py).

Four readers share one tokenizer, vocabulary, embedding size and head, and differ only in the
layer that carries information along the sentence:

    Embedding(V, 64) -> encoder -> tanh(Linear(units, 1)) at every position

- "lstm": nn.LSTM(64, 128): gated cell memory c beside the hidden state h;
- "gru": nn.GRU(64, 128): update and reset gates, no separate memory;
- "rnn": nn.RNN(64, 128, tanh): h_t = tanh(W x_t + U h_(t-1) + b), no gates at all;
- "cnn1d": two causal Conv1d(kernel 5) + ReLU layers of 128 channels: the score at word t
  sees only words t-8..t (its window, `SentimentConfig.window`), all positions at once.

The output is a running sentiment score in [-1, 1] after each token. Token ids: 0 padding,
1 unknown word. Each reader's checkpoint is `sentiment_<cell>.pt`; the vocabulary is shared.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from itertools import pairwise
from types import MappingProxyType
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from models.checkpoints import WEIGHTS_DIR, load_checkpoint, save_checkpoint
from models.sequence.text import load_vocab

VOCAB_NAME = "sentiment_vocab.json"
METRICS_NAME = "sentiment_metrics.json"
PAD_ID = 0
UNK_ID = 1
CELLS = ("lstm", "gru", "rnn", "cnn1d")


def checkpoint_name(cell: str) -> str:
    return f"sentiment_{cell}.pt"


def training_metrics() -> dict[str, Any]:
    """What scripts/train_sentiment.py measured: held-out figures of every reader, and more."""
    return json.loads((WEIGHTS_DIR / METRICS_NAME).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class SentimentConfig:
    vocab_size: int
    embed_dim: int = 64
    hidden_size: int = 128  # units of the recurrent layer, or channels of each conv layer
    cell: str = "lstm"
    kernel_size: int = 5  # cnn1d only
    conv_layers: int = 2  # cnn1d only

    @property
    def window(self) -> int | None:
        """Words the score at one position can see (itself included); None: all earlier words."""
        if self.cell != "cnn1d":
            return None
        return 1 + self.conv_layers * (self.kernel_size - 1)


class CausalConvStack(nn.Module):
    """Conv1d + ReLU layers over (B, T, C) that each look only backwards (left padding)."""

    def __init__(self, in_dim: int, channels: int, kernel_size: int, layers: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        dims = [in_dim] + [channels] * layers
        self.convs = nn.ModuleList(nn.Conv1d(a, b, kernel_size) for a, b in pairwise(dims))

    def layer_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """x (B, T, C_in) -> every layer's output, each (B, T, channels)."""
        outputs = []
        y = x.transpose(1, 2)  # (B, C, T)
        for conv in self.convs:
            y = F.relu(conv(F.pad(y, (self.kernel_size - 1, 0))))
            outputs.append(y.transpose(1, 2))
        return outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_outputs(x)[-1]


def _encoder(config: SentimentConfig) -> nn.Module:
    size, hidden = config.embed_dim, config.hidden_size
    if config.cell == "lstm":
        return nn.LSTM(size, hidden, batch_first=True)
    if config.cell == "gru":
        return nn.GRU(size, hidden, batch_first=True)
    if config.cell == "rnn":
        return nn.RNN(size, hidden, nonlinearity="tanh", batch_first=True)
    if config.cell == "cnn1d":
        return CausalConvStack(size, hidden, config.kernel_size, config.conv_layers)
    raise ValueError(f"unknown cell {config.cell!r}; choose one of {CELLS}")


class SentimentModel(nn.Module):
    """Embedding -> encoder (LSTM, GRU, RNN or causal CNN) -> per-token tanh(Linear) head."""

    def __init__(self, config: SentimentConfig, vocab: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self.config = config
        self._vocab = dict(vocab or {})
        self.embedding = nn.Embedding(config.vocab_size, config.embed_dim, padding_idx=PAD_ID)
        # Registered under the cell's name ("lstm", "gru", ...), which names its weights.
        self.add_module(config.cell, _encoder(config))
        self.head = nn.Linear(config.hidden_size, 1)

    @property
    def encoder(self) -> nn.Module:
        return getattr(self, self.config.cell)

    @property
    def vocab(self) -> Mapping[str, int]:
        """{token: id}, read-only: a loaded model is shared between sessions."""
        return MappingProxyType(self._vocab)

    def facts(self) -> dict[str, int | None]:
        """Sizes that the page's text quotes: units, layers, window (words), words before it."""
        window = self.config.window
        return {
            "units": self.config.hidden_size,
            "layers": self.config.conv_layers if self.config.cell == "cnn1d" else 1,
            "window": window,
            "window_before": None if window is None else window - 1,
        }

    def ids(self, tokens: list[str] | tuple[str, ...]) -> torch.Tensor:
        """(1, T) token ids, unknown words as UNK_ID."""
        return torch.tensor([[self._vocab.get(token, UNK_ID) for token in tokens]])

    def encode(self, emb: torch.Tensor) -> torch.Tensor:
        """Embeddings (B, T, E) -> the encoder's per-position output (B, T, H)."""
        out = self.encoder(emb)
        return out[0] if isinstance(out, tuple) else out

    def score(self, h: torch.Tensor) -> torch.Tensor:
        """Hidden states (..., H) -> sentiment in [-1, 1] (...)."""
        return torch.tanh(self.head(h).squeeze(-1))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (B, T) -> running sentiment (B, T)."""
        return self.score(self.encode(self.embedding(ids)))

    def to_checkpoint(self, path: Any) -> str:
        """Save config and weights (sha256 recorded in SHA256SUMS); returns the digest."""
        return save_checkpoint(path, asdict(self.config), self.state_dict())

    @classmethod
    def from_checkpoint(cls, cell: str = "lstm", vocab_name: str = VOCAB_NAME) -> SentimentModel:
        """Rebuild a reader from its verified checkpoint and the shared vocabulary."""
        checkpoint = load_checkpoint(checkpoint_name(cell))
        config = SentimentConfig(**{"cell": cell, **checkpoint["config"]})
        if config.cell != cell:
            raise ValueError(f"{checkpoint_name(cell)} holds a {config.cell} reader")
        model = cls(config, load_vocab(vocab_name))
        model.load_state_dict(checkpoint["state_dict"])
        return model
